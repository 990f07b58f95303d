/* The archive: runs and named baselines stored as zstd-compressed JSON
 * (core/json.h's document), written atomically. The only module that sees
 * zstd.
 *
 * Layout under DIR:
 *   DIR/runs/<id>.json.zst          every saved run; id is the UTC time of
 *                                   saving plus a random suffix, so ids sort
 *                                   by time: 20261125T123456.789Z-4f2a
 *   DIR/baselines/<name>.json.zst   named baselines, name [A-Za-z0-9._-]{1,64}
 * Files are written to "<final name>.tmp.XXXXXX" in the same directory,
 * fsync'd and renamed over the final name, then the directory is fsync'd:
 * readers see the old file or the new one, never half of one. Temp files
 * left by a killed writer are never taken for runs; archive_prune removes
 * them once they are an hour old.
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

/* Whether name is a valid baseline name: [A-Za-z0-9._-]{1,64}. */
bool archive_valid_name(const char *name);

/* Compresses data[len] (zstd, frame checksum on) and writes it atomically
 * to path, replacing any file there. MB_OK, MB_ERR_IO, MB_ERR_NO_MEMORY. */
mb_status archive_write_file(const char *path, const char *data, size_t len,
                             char *err, size_t errlen);

/* Reads a whole plain file as it is (malloc'd, NUL-terminated, caller
 * frees; *len its length when len is not NULL): NULL when it cannot be
 * read, is not a regular file or is larger than ARCHIVE_MAX_DOC. */
char *archive_slurp_text(const char *path, size_t *len);

/* Reads path into *data (malloc'd, NUL-terminated, caller frees) and its
 * length into *len: a zstd file is decompressed and checked; a file that
 * starts with '{' (after white space) is taken as is. MB_OK,
 * MB_ERR_NOT_FOUND (no such file), MB_ERR_IO, MB_ERR_CORRUPT (empty,
 * truncated, checksum mismatch, neither zstd nor JSON; the message names
 * the file and gives zstd's reason), MB_ERR_NO_MEMORY. */
mb_status archive_read_file(const char *path, char **data, size_t *len,
                            char *err, size_t errlen);

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
/* Frees a list from archive_list. NULL ok. */
void archive_list_free(archive_entry *entries, size_t n);

/* Keeps the newest keep runs and deletes the older ones (baselines are
 * never touched), and removes temp files older than an hour. *removed
 * (when not NULL) gets the number of runs deleted. MB_OK, MB_ERR_IO. */
mb_status archive_prune(const char *dir, size_t keep, size_t *removed,
                        char *err, size_t errlen);

/* Test hook: when not NULL, called after each chunk (ARCHIVE_CHUNK bytes
 * or less) written to a temp file, with the bytes written so far and the
 * total; the tests use it to die in the middle of a write. NULL in normal
 * use. */
#define ARCHIVE_CHUNK ((size_t)64 << 10)
extern void (*archive_write_hook)(const char *tmp_path, size_t written,
                                  size_t total);

#endif
