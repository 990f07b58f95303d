/* The archive: runs and named baselines stored as zstd-compressed JSON
 * (core/json.h's document), written atomically. The only module that sees
 * zstd.
 *
 * Layout under DIR:
 *   DIR/runs/<id>.json.zst          every saved run; id is the UTC time of
 *                                   saving plus a random suffix, so ids sort
 *                                   by time: 20261125T123456.789Z-4f2a
 *   DIR/baselines/<name>.json.zst   named baselines, name [A-Za-z0-9._-]{1,64}
 * Every saved file starts with a small index frame (a zstd skippable
 * frame: decoders skip it) holding what archive_list shows, so that a
 * listing reads a few hundred bytes per run. Files are written through
 * core/file.h (temp file, fsync, rename, fsync of the directory), and each
 * save removes the temp files of savers that were killed. runs/ and
 * baselines/ that are symbolic links are refused, and links inside them
 * are not followed: nothing outside the archive is read, written or
 * deleted.
 *
 * Every function that can fail returns an mb_status and, when err is not
 * NULL, writes one line (what failed, on what, why) into err[errlen]. */
#ifndef MB_ARCHIVE_H
#define MB_ARCHIVE_H

#include <stdbool.h>
#include <stddef.h>

#include "../include/microbe.h"
#include "run.h"

/* The zstd level. Measured on 100 benchmarks x 100 samples (compact JSON,
 * 240-355 KB): levels 1..12 all land within 8% of each other (raw samples
 * are near-random digits), 6 was the smallest of them on integral
 * samples at ~2-4 ms; 15 and up cost 15-50 ms for 5-10% less. */
#define ARCHIVE_ZSTD_LEVEL 6

/* Decompressed documents above this are refused as corrupt (a zstd bomb or
 * a damaged header must not exhaust memory). */
#define ARCHIVE_MAX_DOC ((size_t)1 << 30)

/* The archive directory when --archive is not given: $MICROBE_ARCHIVE when
 * set and not empty, else "./.microbe". Borrowed; valid until the
 * environment changes. */
const char *archive_default_dir(void);

/* Whether name can name a baseline: 1 to 64 of A-Z a-z 0-9 . _ -, not
 * starting with '.', not "latest" (the newest run), not ending in .json or
 * .json.zst (read as a file). MB_OK, or MB_ERR_USAGE with one line saying
 * why (the name shown with control bytes escaped). */
mb_status archive_check_name(const char *name, char *err, size_t errlen);
/* archive_check_name(name) == MB_OK. */
bool archive_valid_name(const char *name);

/* Whether a reference reads as a path: it contains '/' or ends in .json or
 * .json.zst. */
bool archive_ref_is_path(const char *ref);

/* Compresses data[len] (zstd, frame checksum on) and writes it atomically
 * to path, replacing any file there. MB_OK, MB_ERR_IO, MB_ERR_NO_MEMORY. */
mb_status archive_write_file(const char *path, const char *data, size_t len,
                             char *err, size_t errlen);

/* Reads path into *data (malloc'd, NUL-terminated, caller frees) and its
 * length into *len: a zstd file is decompressed and checked; a file that
 * starts with '{' (after white space) is taken as is. MB_OK,
 * MB_ERR_NOT_FOUND (no such file), MB_ERR_IO, MB_ERR_CORRUPT (empty,
 * truncated, checksum mismatch, neither zstd nor JSON; the message names
 * the file and gives zstd's reason), MB_ERR_NO_MEMORY. */
mb_status archive_read_file(const char *path, char **data, size_t *len,
                            char *err, size_t errlen);
/* archive_read_file's decoding of raw[n] already in memory; name names it
 * in messages. */
mb_status archive_decode(const char *name, const void *raw, size_t n,
                         char **data, size_t *len, char *err, size_t errlen);

/* Reads and parses one file (.json.zst or plain .json) into *out (caller
 * frees with run_free). Adds json_load_run's MB_ERR_VERSION and
 * MB_ERR_CORRUPT to archive_read_file's codes. */
mb_status archive_load_file(const char *path, mb_run **out, char *err,
                            size_t errlen);

/* Saves run into DIR/runs/<new id> (creating the directories) and, when
 * baseline is not NULL, also as DIR/baselines/<baseline>, replacing an
 * older baseline of that name (the last writer wins). Concurrent savers
 * never overwrite each other's runs. The id is copied into id_out[idlen]
 * when id_out is not NULL (ARCHIVE_ID_MAX bytes suffice). MB_OK,
 * MB_ERR_USAGE ("invalid baseline name"), MB_ERR_IO, MB_ERR_NO_MEMORY. */
#define ARCHIVE_ID_MAX 32
mb_status archive_save(const char *dir, const mb_run *run, const char *baseline,
                       char *id_out, size_t idlen, char *err, size_t errlen);

/* Saved runs kept per baseline name, newest first: DIR/history/<name>/
 * <run id>.json.zst, written by archive_save beside the baseline; the
 * oldest beyond ARCHIVE_HISTORY are removed. */
#define ARCHIVE_HISTORY 5

/* The saved runs of baseline name, newest first (at most ARCHIVE_HISTORY),
 * into *out[*n] (caller frees each with run_free, then the array). A
 * baseline saved before histories were kept has none: *n = 0. Files that
 * cannot be read are left out. MB_OK, MB_ERR_USAGE (invalid name),
 * MB_ERR_NO_MEMORY. */
mb_status archive_load_history(const char *dir, const char *name, mb_run ***out,
                               size_t *n, char *err, size_t errlen);

/* Loads the baseline name from DIR. MB_ERR_NOT_FOUND when there is none:
 * "no baseline 'x' in DIR (saved baselines: a, b)". */
mb_status archive_load_baseline(const char *dir, const char *name, mb_run **out,
                                char *err, size_t errlen);

/* Loads what ref names, trying in order: a path (ref contains '/' or ends
 * in ".json" or ".json.zst"), a baseline of that name, "latest" (the
 * newest run), a run id, a unique prefix of a run id, a file of that name.
 * MB_ERR_NOT_FOUND (listing the saved baselines), MB_ERR_USAGE (an
 * ambiguous id prefix), or any code of archive_load_file. */
mb_status archive_load(const char *dir, const char *ref, mb_run **out,
                       char *err, size_t errlen);

typedef enum archive_kind { ARCHIVE_BASELINE, ARCHIVE_RUN } archive_kind;

/* One file of the archive, as archive_list reports it. Strings are never
 * NULL ("" when unknown) except error. */
typedef struct archive_entry {
    archive_kind kind;
    char *name;   /* baseline name or run id */
    char *path;   /* DIR/baselines/... or DIR/runs/... */
    char *date;   /* context "date"; for a run without one, from its id */
    char *commit; /* context "git_commit", else "commit" */
    char *cpu;    /* context "cpu_brand" */
    size_t nbench;
    long long size;   /* bytes on disk */
    mb_status status; /* MB_OK, or why the file could not be read */
    char *error;      /* that reason in one line; NULL when MB_OK */
} archive_entry;

/* Lists DIR: baselines by name, then runs oldest first. A file that cannot
 * be read or parsed is listed with its status and error; it does not stop
 * the listing. A missing DIR lists as empty. *out (caller frees with
 * archive_list_free) gets *n entries. MB_OK, MB_ERR_IO (a directory could
 * not be read), MB_ERR_NO_MEMORY. */
mb_status archive_list(const char *dir, archive_entry **out, size_t *n,
                       char *err, size_t errlen);
/* Loads a listed entry (a link in its place is refused). Codes as
 * archive_load_file. */
mb_status archive_load_entry(const archive_entry *e, mb_run **out, char *err,
                             size_t errlen);
/* Frees a list from archive_list. NULL ok. */
void archive_list_free(archive_entry *entries, size_t n);

/* Keeps the newest keep runs and deletes the older ones (baselines are
 * never touched), and removes the temp files of dead savers. *removed
 * (when not NULL) gets the number of runs deleted. MB_OK, MB_ERR_IO. */
mb_status archive_prune(const char *dir, size_t keep, size_t *removed,
                        char *err, size_t errlen);

#endif
