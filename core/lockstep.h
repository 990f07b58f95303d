/* Lockstep: two bench programs that `microbe ab` runs at the same time on
 * one CPU take turns, one sample each (docs/ab.md, "Looks in lockstep").
 * ab hands each program two pipe ends, named in MICROBE_LOCKSTEP as
 * "R,W": the program writes one byte to W when it gives up its turn and
 * reads one from R to get it back; while it waits, the other program
 * measures. The main process waits for its first turn before it does
 * anything that costs time; the worker's benchmark processes give up
 * their turn before each sample's batch (harness_cfg.turn).
 * A program ends its last turn by exiting. */
#ifndef MB_LOCKSTEP_H
#define MB_LOCKSTEP_H

#include <stdbool.h>
#include <stddef.h>

#define LOCKSTEP_ENV "MICROBE_LOCKSTEP"

/* The ends named in MICROBE_LOCKSTEP (unset or empty: none). False, with
 * err set, for a value that does not name two open file descriptors. */
bool lockstep_parse(int fds[2], char *err, size_t errlen);

/* The bench program's main process: MICROBE_LOCKSTEP checked, and the
 * first turn waited for. False with err set for a bad value. */
bool lockstep_start(char *err, size_t errlen);

/* Gives up this turn and waits for the next; nothing when this process
 * runs in no lockstep. Once ab is gone (a write or read fails), the
 * process runs on alone. */
void lockstep_turn(void);

/* lockstep_turn when MICROBE_LOCKSTEP names two ends, else NULL: for
 * harness_cfg.turn. */
void (*lockstep_hook(void))(void);

/* microbe ab's side: passes the turn between two programs running at
 * once until both have ended. The one holding it writes a byte to back[i]
 * when it gives it up, and the other, waiting on go[1 - i], gets a byte
 * to go on; one that ends (end of file on back[i]) leaves the turn to the
 * other for good. Program `first` gets the first turn. 0, or -1 when
 * timeout_s passed or this process was interrupted (proc_interrupted);
 * the programs are left as they are. */
int lockstep_conduct(const int back[2], const int go[2], int first,
                     double timeout_s);

#endif
