/* Whole files: read safely, written atomically, and the temporary files of
 * writers that died cleaned up. Every reader and writer of whole files in
 * microbe (the archive, callgrind's outputs, ab's captured outputs) goes
 * through here, so that each of these rules is kept in one place:
 *
 * - A file is opened with O_NONBLOCK (a FIFO or device cannot block the
 *   open) and read only once fstat says it is a regular file, and only up
 *   to a bound (a huge or endless file cannot exhaust memory).
 * - With FILE_NOFOLLOW a symbolic link is refused instead of followed: the
 *   archive reads and deletes only what lies inside it.
 * - A write goes to "<path>.tmp.<pid>.XXXXXX" in the same directory, held
 *   under flock while it is written, fsync'd, renamed over path, and the
 *   directory fsync'd: readers see the old file or the new one, never half
 *   of one. file_remove_stale removes the temp files whose writer is gone.
 *
 * Functions that can fail return an mb_status and, when err is not NULL,
 * write one line (what failed, on what, why) into err[errlen]. */
#ifndef MB_FILE_H
#define MB_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "../include/microbe.h"

/* Flags of file_read, file_read_head and file_write_atomic. */
enum {
    FILE_NOFOLLOW = 1 << 0,  /* refuse a symbolic link as the last component */
    FILE_NOCLOBBER = 1 << 1, /* write: leave an existing file alone */
};

/* The part of a temp file's name after the final name. */
#define FILE_TMP_TAG ".tmp."

/* Reads the whole regular file path into *data (malloc'd, NUL-terminated,
 * caller frees) and its length into *len (may be NULL). A file of max
 * bytes or more is refused. MB_OK, MB_ERR_NOT_FOUND (no such file),
 * MB_ERR_IO (cannot be opened or read; not a regular file; a symbolic
 * link with FILE_NOFOLLOW), MB_ERR_CORRUPT (too large), MB_ERR_NO_MEMORY.
 * On failure *data is NULL. */
mb_status file_read(const char *path, int flags, size_t max, char **data,
                    size_t *len, char *err, size_t errlen);

/* file_read with no flags, a bound of FILE_TEXT_MAX and no message: the
 * text (caller frees), or NULL when it cannot be read. For files microbe
 * made itself a moment ago (a child's output, a callgrind dump). */
#define FILE_TEXT_MAX ((size_t)1 << 30)
char *file_text(const char *path, size_t *len);

/* Reads at most cap bytes from the start of the regular file path into
 * buf; *got gets the bytes read and *size the file's size. Codes as
 * file_read (no MB_ERR_CORRUPT). */
mb_status file_read_head(const char *path, int flags, void *buf, size_t cap,
                         size_t *got, long long *size, char *err,
                         size_t errlen);

/* A cheap fingerprint of the regular file path's content, to tell whether
 * a program is still the one that made a run: FNV-1a's step over its
 * 8-byte words (native order), then over the bytes of a short last block
 * of a read. *size gets the file's size. Codes as file_read_head. */
mb_status file_hash(const char *path, uint64_t *hash, long long *size,
                    char *err, size_t errlen);

/* Writes buf[len] atomically to path, replacing what is there (with
 * FILE_NOCLOBBER an existing path is left alone and MB_ERR_USAGE, meaning
 * only "exists", is returned without a message). A symbolic link at path
 * is replaced, never written through. MB_OK, MB_ERR_IO, MB_ERR_NO_MEMORY. */
mb_status file_write_atomic(const char *path, const void *buf, size_t len,
                            int flags, char *err, size_t errlen);

/* Writes all of buf[len] to fd (retrying short writes and EINTR): 0, or
 * an errno (EIO for a write that wrote nothing). */
int file_write_fd(int fd, const void *buf, size_t len);

/* A report the user asked for by name (--out, microbe report): a plain
 * file (or none yet) is written with file_write_atomic, so that an
 * interrupted or failed run leaves the old file whole; anything else at
 * path (a symbolic link such as /dev/stdout, a device, a FIFO) is opened
 * and written through. Codes and message as file_write_atomic. */
mb_status file_write_out(const char *path, const void *buf, size_t len,
                         char *err, size_t errlen);

/* Whether file_write_out(path) can succeed as far as can be told before
 * the work: path is not a directory, and its directory is writable (or
 * what path names, written through, is). MB_OK, or MB_ERR_IO with a
 * message "cannot write PATH: why". */
mb_status file_check_out(const char *path, char *err, size_t errlen);

/* Removes the temp files in dir (names containing FILE_TMP_TAG) whose
 * writer is gone: no process holds their lock, and their writer's process
 * no longer exists here or they are older than max_age seconds (a writer
 * on another machine of a shared file system). Regular files only; best
 * effort, silent. Returns how many it removed. */
size_t file_remove_stale(const char *dir, time_t max_age);

/* fsync of directory dir, which makes a rename or unlink in it durable.
 * File systems that cannot (EINVAL) count as done. 0 or an errno. */
int file_sync_dir(const char *dir);

/* Test hook: when not NULL, called after each chunk (FILE_CHUNK bytes or
 * less) written to a temp file, with the bytes written so far and the
 * total; the tests use it to die in the middle of a write. */
#define FILE_CHUNK ((size_t)64 << 10)
extern void (*file_write_hook)(const char *tmp_path, size_t written,
                               size_t total);

#endif
