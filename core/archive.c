/* The archive: zstd-compressed JSON runs and baselines, written atomically.
 * The only file that includes <zstd.h>. */
#include "archive.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zstd.h>

#include "json.h"

#define EXT     ".json.zst"
#define EXT_LEN (sizeof EXT - 1)
#define TMP_TAG ".tmp."

/* A temp file this old belongs to a writer that died, not to one at work. */
#define STALE_TMP_SECONDS 3600

/* Ids are unique per process; collisions between processes are resolved by
 * retrying with a new suffix, and this many collisions in a row mean
 * something else is wrong. */
#define ID_ATTEMPTS 64

void (*archive_write_hook)(const char *, size_t, size_t);

static mb_status fail(char *err, size_t errlen, mb_status st, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));

static mb_status fail(char *err, size_t errlen, mb_status st, const char *fmt,
                      ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static char *join(const char *a, const char *b, const char *c)
{
    size_t la = strlen(a), lb = strlen(b), lc = c ? strlen(c) : 0;
    char *s = malloc(la + lb + lc + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb);
    memcpy(s + la + 1 + lb, c ? c : "", lc + 1);
    return s;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

const char *archive_default_dir(void)
{
    const char *e = getenv("MICROBE_ARCHIVE");
    return e && *e ? e : "./.microbe";
}

bool archive_valid_name(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

/* ---- Compression -----------------------------------------------------------
 */

static mb_status compress(const char *data, size_t len, void **out,
                          size_t *outlen, char *err, size_t errlen)
{
    size_t cap = ZSTD_compressBound(len);
    void *buf = malloc(cap ? cap : 1);
    ZSTD_CCtx *cc = ZSTD_createCCtx();
    mb_status st = MB_OK;
    if (!buf || !cc) {
        st = fail(err, errlen, MB_ERR_NO_MEMORY,
                  "cannot compress: out of memory");
        goto done;
    }
    size_t r =
        ZSTD_CCtx_setParameter(cc, ZSTD_c_compressionLevel, ARCHIVE_ZSTD_LEVEL);
    if (!ZSTD_isError(r))
        r = ZSTD_CCtx_setParameter(cc, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(r))
        r = ZSTD_compress2(cc, buf, cap, data, len);
    if (ZSTD_isError(r)) {
        st = fail(err, errlen, MB_ERR_NO_MEMORY, "cannot compress: zstd: %s",
                  ZSTD_getErrorName(r));
        goto done;
    }
    *out = buf;
    *outlen = r;
    buf = NULL;
done:
    free(buf);
    ZSTD_freeCCtx(cc);
    return st;
}

static bool is_zstd(const unsigned char *p, size_t n)
{
    if (n < 4)
        return false;
    uint32_t m = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                 (uint32_t)p[3] << 24;
    /* A regular frame, or a skippable one (0x184D2A50..5F). */
    return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;
}

/* Streams the whole input through the decoder: it copes with concatenated
 * frames and tells truncation apart (a non-zero hint once the input is
 * used up) from damage (an error). */
static mb_status decompress(const char *path, const void *src, size_t n,
                            char **out, size_t *outlen, char *err,
                            size_t errlen)
{
    ZSTD_DCtx *dc = ZSTD_createDCtx();
    size_t cap = n * 8 + 4096, used = 0, hint = 0;
    char *buf = malloc(cap);
    mb_status st = MB_OK;
    if (!dc || !buf) {
        st = fail(err, errlen, MB_ERR_NO_MEMORY,
                  "cannot read %s: out of memory", path);
        goto done;
    }
    ZSTD_inBuffer in = {src, n, 0};
    for (;;) {
        if (used + 1 >= cap) { /* keep room for the terminating NUL */
            if (cap >= ARCHIVE_MAX_DOC) {
                st = fail(err, errlen, MB_ERR_CORRUPT,
                          "%s: corrupt: decompresses to more than %zu MiB",
                          path, ARCHIVE_MAX_DOC >> 20);
                goto done;
            }
            cap = cap * 2 < ARCHIVE_MAX_DOC ? cap * 2 : ARCHIVE_MAX_DOC;
            char *g = realloc(buf, cap);
            if (!g) {
                st = fail(err, errlen, MB_ERR_NO_MEMORY,
                          "cannot read %s: out of memory", path);
                goto done;
            }
            buf = g;
        }
        ZSTD_outBuffer o = {buf, cap - 1, used};
        hint = ZSTD_decompressStream(dc, &o, &in);
        if (ZSTD_isError(hint)) {
            st = fail(err, errlen, MB_ERR_CORRUPT, "%s: corrupt: zstd: %s",
                      path, ZSTD_getErrorName(hint));
            goto done;
        }
        used = o.pos;
        if (in.pos == in.size && o.pos < o.size)
            break; /* all input used and all output flushed */
    }
    if (hint != 0) {
        st = fail(err, errlen, MB_ERR_CORRUPT,
                  "%s: truncated: the zstd frame ends early (%zu bytes)", path,
                  n);
        goto done;
    }
    buf[used] = '\0';
    *out = buf;
    *outlen = used;
    buf = NULL;
done:
    free(buf);
    ZSTD_freeDCtx(dc);
    return st;
}

/* ---- Files
 * ------------------------------------------------------------------- */

static mb_status slurp(const char *path, char **data, size_t *len, char *err,
                       size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(err, errlen, errno == ENOENT ? MB_ERR_NOT_FOUND : MB_ERR_IO,
                    "cannot open %s: %s", path, strerror(errno));
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        int e = S_ISDIR(sb.st_mode) ? EISDIR : errno;
        close(fd);
        return fail(err, errlen, MB_ERR_IO, "cannot read %s: %s", path,
                    strerror(e ? e : EINVAL));
    }
    if ((unsigned long long)sb.st_size >= ARCHIVE_MAX_DOC) {
        close(fd);
        return fail(err, errlen, MB_ERR_CORRUPT,
                    "%s: corrupt: larger than %zu MiB", path,
                    ARCHIVE_MAX_DOC >> 20);
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot read %s: out of memory", path);
    }
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return fail(err, errlen, MB_ERR_IO, "cannot read %s: %s", path,
                        strerror(e));
        }
        if (r == 0 || (n += (size_t)r) == cap - 1)
            break; /* a file growing meanwhile is read as it was */
    }
    close(fd);
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return MB_OK;
}

char *archive_slurp_text(const char *path, size_t *len)
{
    char *data = NULL;
    size_t n = 0;
    if (slurp(path, &data, &n, NULL, 0) != MB_OK)
        return NULL;
    if (len)
        *len = n;
    return data;
}

mb_status archive_read_file(const char *path, char **data, size_t *len,
                            char *err, size_t errlen)
{
    char *raw = NULL;
    size_t n = 0;
    *data = NULL;
    *len = 0;
    mb_status st = slurp(path, &raw, &n, err, errlen);
    if (st != MB_OK)
        return st;
    if (n == 0) {
        free(raw);
        return fail(err, errlen, MB_ERR_CORRUPT, "%s: corrupt: empty file",
                    path);
    }
    if (is_zstd((const unsigned char *)raw, n)) {
        st = decompress(path, raw, n, data, len, err, errlen);
        free(raw);
        return st;
    }
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", raw[i]))
        i++;
    if (i < n && raw[i] == '{') {
        *data = raw;
        *len = n;
        return MB_OK;
    }
    free(raw);
    return fail(err, errlen, MB_ERR_CORRUPT,
                "%s: corrupt: neither zstd-compressed (bad magic number) "
                "nor JSON",
                path);
}

/* fsync of the directory makes a rename or unlink in it durable. Some file
 * systems refuse to fsync a directory (EINVAL): nothing more can be done
 * there. Returns 0 or an errno. */
static int sync_dir(const char *dir)
{
    int e = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
        e = errno;
    if (fd >= 0)
        close(fd);
    return e;
}

static int sync_parent(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return ENOMEM;
    char *slash = strrchr(d, '/');
    if (slash == d)
        d[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(d, ".");
    int e = sync_dir(d);
    free(d);
    return e;
}

/* Writes buf[len] to a new temp file next to path and renames it over
 * path. With noclobber, an existing path is left alone and MB_ERR_USAGE
 * (used here only as "exists") is returned without a message. */
static mb_status write_atomic(const char *path, const void *buf, size_t len,
                              bool noclobber, char *err, size_t errlen)
{
    size_t pl = strlen(path);
    char *tmp = malloc(pl + sizeof TMP_TAG + 6);
    if (!tmp)
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot write %s: out of memory", path);
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, TMP_TAG "XXXXXX", sizeof TMP_TAG + 6);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return fail(err, errlen, MB_ERR_IO, "cannot write %s: %s", path,
                    strerror(e));
    }
    mb_status st = MB_OK;
    const char *what = "write";
    int e = 0;
    /* mkstemp makes the file 0600; archives are meant to be shared. */
    if (fchmod(fd, 0644) != 0) {
        e = errno;
        what = "chmod";
    }
    for (size_t off = 0; !e && off < len;) {
        size_t chunk = len - off < ARCHIVE_CHUNK ? len - off : ARCHIVE_CHUNK;
        ssize_t r = write(fd, (const char *)buf + off, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        else
            off += (size_t)r;
        if (!e && archive_write_hook)
            archive_write_hook(tmp, off, len);
    }
    if (!e && fsync(fd) != 0) {
        e = errno;
        what = "fsync";
    }
    if (close(fd) != 0 && !e) {
        e = errno;
        what = "close";
    }
    if (!e && noclobber) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
            e = errno;
            what = "rename";
            /* File systems without RENAME_NOREPLACE: link() also refuses
             * to replace. */
            if (e == EINVAL || e == ENOSYS || e == ENOTSUP) {
                e = link(tmp, path) == 0 ? 0 : errno;
                if (!e)
                    unlink(tmp);
            }
            if (e == EEXIST) {
                unlink(tmp);
                free(tmp);
                return MB_ERR_USAGE;
            }
        }
    } else if (!e && rename(tmp, path) != 0) {
        e = errno;
        what = "rename";
    }
    if (e) {
        unlink(tmp);
        st = fail(err, errlen, MB_ERR_IO, "cannot write %s: %s: %s", path, what,
                  strerror(e));
    } else if ((e = sync_parent(path)) != 0)
        st = fail(err, errlen, MB_ERR_IO,
                  "cannot write %s: fsync of its directory: %s", path,
                  strerror(e));
    free(tmp);
    return st;
}

mb_status archive_write_file(const char *path, const char *data, size_t len,
                             char *err, size_t errlen)
{
    void *z;
    size_t zn;
    mb_status st = compress(data, len, &z, &zn, err, errlen);
    if (st != MB_OK)
        return st;
    st = write_atomic(path, z, zn, false, err, errlen);
    free(z);
    return st;
}

mb_status archive_load_file(const char *path, mb_run **out, char *err,
                            size_t errlen)
{
    char *text;
    size_t n;
    *out = NULL;
    mb_status st = archive_read_file(path, &text, &n, err, errlen);
    if (st != MB_OK)
        return st;
    st = json_load_run(text, n, path, out, err, errlen);
    free(text);
    return st;
}

/* ---- Directories ------------------------------------------------------------
 */

static mb_status mkdirs(const char *dir, char *err, size_t errlen)
{
    char *p = strdup(dir);
    if (!p)
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot create %s: out of memory", dir);
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST) {
            int e = errno;
            mb_status st =
                fail(err, errlen, MB_ERR_IO, "cannot create directory %s: %s",
                     p, strerror(e));
            free(p);
            return st;
        }
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return MB_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The names (without EXT) of DIR/sub/<name>.json.zst, sorted. A missing
 * directory gives none. */
static mb_status names_in(const char *dir, const char *sub, char ***out,
                          size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    char *path = join(dir, sub, NULL);
    if (!path)
        return fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    DIR *d = opendir(path);
    if (!d) {
        int e = errno;
        mb_status st = e == ENOENT
                           ? MB_OK
                           : fail(err, errlen, MB_ERR_IO, "cannot list %s: %s",
                                  path, strerror(e));
        free(path);
        return st;
    }
    char **v = NULL;
    size_t k = 0, cap = 0;
    mb_status st = MB_OK;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l <= EXT_LEN || !ends_with(de->d_name, EXT))
            continue;
        if (k == cap) {
            cap = cap ? 2 * cap : 16;
            char **g = realloc(v, cap * sizeof *g);
            if (!g) {
                st = fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
                break;
            }
            v = g;
        }
        if (!(v[k] = strndup(de->d_name, l - EXT_LEN))) {
            st = fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
            break;
        }
        k++;
    }
    closedir(d);
    free(path);
    if (st != MB_OK) {
        free_names(v, k);
        return st;
    }
    if (k)
        qsort(v, k, sizeof *v, cmp_str);
    *out = v;
    *n = k;
    return MB_OK;
}

/* ---- Saving
 * ------------------------------------------------------------------- */

/* A sortable id: UTC time to the millisecond, then 16 bits that differ
 * between processes and between calls. Within a process ids strictly
 * increase (a burst of saves borrows the next milliseconds), so "latest"
 * and pruning see the order the saves were made in. */
static void make_id(char *id, size_t n, unsigned attempt)
{
    static unsigned calls;
    static long long last_ms;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long ms = (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    if (ms <= last_ms)
        ms = last_ms + 1;
    last_ms = ms;
    time_t sec = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    /* splitmix64's finaliser: mixes pid, time and counters into the
     * suffix so that neighbours in time do not share it. */
    uint64_t x = (uint64_t)getpid() << 32 ^ (uint64_t)ts.tv_nsec ^
                 (uint64_t)++calls << 16 ^ attempt;
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ x >> 30) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ x >> 27) * 0x94D049BB133111EBull;
    x ^= x >> 31;
    char stamp[24];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", &tm);
    snprintf(id, n, "%.15s.%03dZ-%04x", stamp, (int)(ms % 1000),
             (unsigned)(x & 0xFFFF));
}

mb_status archive_save(const char *dir, const mb_run *run, const char *baseline,
                       char *id_out, size_t idlen, char *err, size_t errlen)
{
    if (baseline && !archive_valid_name(baseline))
        return fail(err, errlen, MB_ERR_USAGE,
                    "invalid baseline name '%.80s': use 1 to 64 of "
                    "A-Z a-z 0-9 . _ -",
                    baseline);
    size_t len;
    char *text = json_dump_run_compact(run, &len);
    if (!text)
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot save the run: out of memory");
    void *z = NULL;
    size_t zn = 0;
    char *runs = join(dir, "runs", NULL), *bases = join(dir, "baselines", NULL);
    mb_status st = !runs || !bases ? fail(err, errlen, MB_ERR_NO_MEMORY,
                                          "cannot save the run: out of memory")
                                   : compress(text, len, &z, &zn, err, errlen);
    free(text);
    if (st == MB_OK)
        st = mkdirs(runs, err, errlen);
    if (st == MB_OK && baseline)
        st = mkdirs(bases, err, errlen);

    char id[ARCHIVE_ID_MAX];
    for (unsigned a = 0; st == MB_OK; a++) {
        if (a == ID_ATTEMPTS) {
            st = fail(err, errlen, MB_ERR_IO,
                      "cannot save a run in %s: no free run id after %d "
                      "attempts",
                      runs, ID_ATTEMPTS);
            break;
        }
        make_id(id, sizeof id, a);
        char *path = join(runs, id, EXT);
        if (!path) {
            st = fail(err, errlen, MB_ERR_NO_MEMORY,
                      "cannot save the run: out of memory");
            break;
        }
        st = write_atomic(path, z, zn, true, err, errlen);
        free(path);
        if (st == MB_OK)
            break;
        if (st == MB_ERR_USAGE) /* id taken by another saver: next one */
            st = MB_OK;
        else
            break;
    }
    if (st == MB_OK && baseline) {
        char *path = join(bases, baseline, EXT);
        st = path ? write_atomic(path, z, zn, false, err, errlen)
                  : fail(err, errlen, MB_ERR_NO_MEMORY,
                         "cannot save the run: out of memory");
        free(path);
    }
    if (st == MB_OK && id_out && idlen)
        snprintf(id_out, idlen, "%s", id);
    free(z);
    free(runs);
    free(bases);
    return st;
}

/* ---- Loading by name
 * ---------------------------------------------------------- */

/* "(saved baselines: a, b)" or "(no saved baselines)" into buf. */
static void baseline_names(const char *dir, char *buf, size_t n)
{
    char **v;
    size_t k;
    if (names_in(dir, "baselines", &v, &k, NULL, 0) != MB_OK || k == 0) {
        snprintf(buf, n, "(no saved baselines)");
        return;
    }
    size_t used = (size_t)snprintf(buf, n, "(saved baselines: ");
    for (size_t i = 0; i < k && used < n; i++)
        used +=
            (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", v[i]);
    if (used < n)
        snprintf(buf + used, n - used, ")");
    free_names(v, k);
}

static mb_status load_named(const char *dir, const char *sub, const char *name,
                            mb_run **out, char *err, size_t errlen)
{
    char *d = join(dir, sub, NULL);
    char *path = d ? join(d, name, EXT) : NULL;
    mb_status st = path ? archive_load_file(path, out, err, errlen)
                        : fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    free(d);
    free(path);
    return st;
}

mb_status archive_load_baseline(const char *dir, const char *name, mb_run **out,
                                char *err, size_t errlen)
{
    *out = NULL;
    if (!archive_valid_name(name))
        return fail(err, errlen, MB_ERR_USAGE,
                    "invalid baseline name '%.80s': use 1 to 64 of "
                    "A-Z a-z 0-9 . _ -",
                    name ? name : "");
    mb_status st = load_named(dir, "baselines", name, out, err, errlen);
    if (st == MB_ERR_NOT_FOUND) {
        char names[512];
        baseline_names(dir, names, sizeof names);
        st = fail(err, errlen, MB_ERR_NOT_FOUND, "no baseline '%s' in %s %s",
                  name, dir, names);
    }
    return st;
}

mb_status archive_load(const char *dir, const char *ref, mb_run **out,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (!ref || !*ref)
        return fail(err, errlen, MB_ERR_USAGE,
                    "no run named: give a baseline, run id, 'latest' or "
                    "file");
    if (strchr(ref, '/') || ends_with(ref, ".json") || ends_with(ref, EXT))
        return archive_load_file(ref, out, err, errlen);
    if (archive_valid_name(ref)) {
        mb_status st = load_named(dir, "baselines", ref, out, err, errlen);
        if (st != MB_ERR_NOT_FOUND)
            return st;
    }
    char **ids;
    size_t n;
    mb_status st = names_in(dir, "runs", &ids, &n, err, errlen);
    if (st != MB_OK)
        return st;
    const char *hit = NULL;
    size_t matches = 0, rl = strlen(ref);
    if (strcmp(ref, "latest") == 0 && n) {
        hit = ids[n - 1];
        matches = 1;
    }
    for (size_t i = 0; !hit && i < n; i++)
        if (strcmp(ids[i], ref) == 0) {
            hit = ids[i];
            matches = 1;
        }
    for (size_t i = 0; !hit && i < n; i++)
        if (strncmp(ids[i], ref, rl) == 0)
            matches++;
    if (!hit && matches == 1)
        for (size_t i = 0; i < n; i++)
            if (strncmp(ids[i], ref, rl) == 0)
                hit = ids[i];
    if (hit)
        st = load_named(dir, "runs", hit, out, err, errlen);
    else if (matches > 1)
        st = fail(err, errlen, MB_ERR_USAGE,
                  "run id prefix '%s' is ambiguous in %s: %zu runs match", ref,
                  dir, matches);
    else if (access(ref, F_OK) == 0)
        st = archive_load_file(ref, out, err, errlen);
    else {
        char names[512];
        baseline_names(dir, names, sizeof names);
        st = fail(err, errlen, MB_ERR_NOT_FOUND,
                  "no baseline, run or file '%s' in %s %s; %zu run%s", ref, dir,
                  names, n, n == 1 ? "" : "s");
    }
    free_names(ids, n);
    return st;
}

/* ---- Listing and pruning
 * -------------------------------------------------------- */

static char *dupor(const char *s)
{
    return strdup(s ? s : "");
}

/* "20261125T123456.789Z-4f2a" -> "2026-11-25T12:34:56Z". */
static char *date_of_id(const char *id)
{
    char buf[32];
    if (strlen(id) < 15 || id[8] != 'T')
        return strdup("");
    snprintf(buf, sizeof buf, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2sZ", id, id + 4,
             id + 6, id + 9, id + 11, id + 13);
    return strdup(buf);
}

static mb_status fill_entry(archive_entry *e, archive_kind kind,
                            const char *dir, const char *sub, const char *name)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    char *d = join(dir, sub, NULL);
    e->path = d ? join(d, name, EXT) : NULL;
    free(d);
    e->name = strdup(name);
    if (!e->path || !e->name)
        return MB_ERR_NO_MEMORY;
    struct stat sb;
    if (stat(e->path, &sb) == 0)
        e->size = (long long)sb.st_size;
    char err[512];
    mb_run *run = NULL;
    e->status = archive_load_file(e->path, &run, err, sizeof err);
    if (e->status == MB_ERR_NO_MEMORY)
        return MB_ERR_NO_MEMORY;
    if (e->status != MB_OK && !(e->error = strdup(err)))
        return MB_ERR_NO_MEMORY;
    const char *date = run ? run_ctx_gets(run, "date") : NULL;
    const char *commit = run ? run_ctx_gets(run, "git_commit") : NULL;
    if (!commit && run)
        commit = run_ctx_gets(run, "commit");
    e->date = date || kind == ARCHIVE_BASELINE ? dupor(date) : date_of_id(name);
    e->commit = dupor(commit);
    e->cpu = dupor(run ? run_ctx_gets(run, "cpu_brand") : NULL);
    e->nbench = run ? run->nresults : 0;
    run_free(run);
    return e->date && e->commit && e->cpu ? MB_OK : MB_ERR_NO_MEMORY;
}

void archive_list_free(archive_entry *entries, size_t n)
{
    if (!entries)
        return;
    for (size_t i = 0; i < n; i++) {
        free(entries[i].name);
        free(entries[i].path);
        free(entries[i].date);
        free(entries[i].commit);
        free(entries[i].cpu);
        free(entries[i].error);
    }
    free(entries);
}

mb_status archive_list(const char *dir, archive_entry **out, size_t *n,
                       char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    char **bases = NULL, **runs = NULL;
    size_t nb = 0, nr = 0;
    mb_status st = names_in(dir, "baselines", &bases, &nb, err, errlen);
    if (st == MB_OK)
        st = names_in(dir, "runs", &runs, &nr, err, errlen);
    archive_entry *v = NULL;
    size_t k = 0;
    if (st == MB_OK && nb + nr && !(v = calloc(nb + nr, sizeof *v)))
        st = MB_ERR_NO_MEMORY;
    for (size_t i = 0; st == MB_OK && i < nb + nr; i++, k++)
        st = i < nb ? fill_entry(&v[k], ARCHIVE_BASELINE, dir, "baselines",
                                 bases[i])
                    : fill_entry(&v[k], ARCHIVE_RUN, dir, "runs", runs[i - nb]);
    free_names(bases, nb);
    free_names(runs, nr);
    if (st != MB_OK) {
        archive_list_free(v, k);
        if (st == MB_ERR_NO_MEMORY)
            fail(err, errlen, st, "cannot list %s: out of memory", dir);
        return st;
    }
    *out = v;
    *n = k;
    return MB_OK;
}

/* Removes temp files in DIR/sub whose writer must be dead by now. */
static void remove_stale(const char *dir, const char *sub)
{
    char *path = join(dir, sub, NULL);
    DIR *d = path ? opendir(path) : NULL;
    struct dirent *de;
    time_t now = time(NULL);
    while (d && (de = readdir(d))) {
        if (!strstr(de->d_name, EXT TMP_TAG))
            continue;
        char *f = join(path, de->d_name, NULL);
        struct stat sb;
        if (f && lstat(f, &sb) == 0 && S_ISREG(sb.st_mode) &&
            now - sb.st_mtime > STALE_TMP_SECONDS)
            unlink(f);
        free(f);
    }
    if (d)
        closedir(d);
    free(path);
}

mb_status archive_prune(const char *dir, size_t keep, size_t *removed,
                        char *err, size_t errlen)
{
    char **ids;
    size_t n, gone = 0;
    if (removed)
        *removed = 0;
    mb_status st = names_in(dir, "runs", &ids, &n, err, errlen);
    if (st != MB_OK)
        return st;
    char *runs = join(dir, "runs", NULL);
    for (size_t i = 0; runs && i + keep < n; i++) {
        char *path = join(runs, ids[i], EXT);
        if (!path)
            break;
        if (unlink(path) == 0 || errno == ENOENT)
            gone++; /* ENOENT: a concurrent prune got there first */
        else if (st == MB_OK)
            st = fail(err, errlen, MB_ERR_IO, "cannot remove %s: %s", path,
                      strerror(errno));
        free(path);
    }
    if (!runs)
        st = fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    else if (gone)
        sync_dir(runs); /* best effort: the unlinks themselves happened */
    remove_stale(dir, "runs");
    remove_stale(dir, "baselines");
    free(runs);
    free_names(ids, n);
    if (removed)
        *removed = gone;
    return st;
}
