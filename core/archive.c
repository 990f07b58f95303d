/* The archive: zstd-compressed JSON runs and baselines, written atomically
 * (through core/file.c). The only file that includes <zstd.h>. */
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

#include "file.h"
#include "json.h"

#define EXT     ".json.zst"
#define EXT_LEN (sizeof EXT - 1)

/* A temp file this old whose writer's process cannot be checked (another
 * machine of a shared file system) belongs to a writer that died. */
#define STALE_TMP_SECONDS 3600

/* Ids are unique per process; collisions between processes are resolved by
 * retrying with a new suffix, and this many collisions in a row mean
 * something else is wrong. */
#define ID_ATTEMPTS 64

/* The index frame in front of every saved run: a zstd skippable frame
 * (decoders, the zstd CLI included, skip it) holding what `microbe list`
 * shows, so that a listing reads a few hundred bytes per run instead of
 * decompressing and parsing it. */
#define INDEX_MAGIC 0x184D2A5Eu
#define INDEX_HEAD  "microbe-index 1\n"
#define INDEX_MAX   1024 /* bytes of index text at most */
#define INDEX_FIELD 200  /* bytes of one value at most */

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

/* s for a one-line message: at most 80 bytes, control characters and
 * bytes outside ASCII as \\xNN. */
static const char *printable(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; s && s[i] && i < 80 && k + 5 < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f)
            k += (size_t)snprintf(buf + k, n - k, "\\x%02x", c);
        else
            buf[k++] = (char)c;
    }
    buf[k < n ? k : n - 1] = '\0';
    return buf;
}

mb_status archive_check_name(const char *name, char *err, size_t errlen)
{
    char shown[400];
    size_t n = name ? strlen(name) : 0;
    const char *why = NULL;
    if (n < 1 || n > 64)
        why = "use 1 to 64 of A-Z a-z 0-9 . _ -";
    for (size_t i = 0; !why && i < n; i++) {
        char c = name[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-'))
            why = "use 1 to 64 of A-Z a-z 0-9 . _ -";
    }
    if (!why && name[0] == '.')
        why = "it must not start with '.'";
    else if (!why && strcmp(name, "latest") == 0)
        why = "'latest' names the newest run";
    else if (!why && (ends_with(name, ".json") || ends_with(name, EXT)))
        why = "a name ending in .json or .json.zst reads as a file";
    if (!why)
        return MB_OK;
    return fail(err, errlen, MB_ERR_USAGE, "invalid baseline name '%s': %s",
                printable(name, shown, sizeof shown), why);
}

bool archive_valid_name(const char *name)
{
    return archive_check_name(name, NULL, 0) == MB_OK;
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

/* ---- The index frame ------------------------------------------------------
 */

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Appends "key=value\n", the value cut to INDEX_FIELD bytes and its control
 * characters made '?': one line per field, whatever the context holds. */
static size_t put_field(char *buf, size_t used, const char *key, const char *v)
{
    int k = snprintf(buf + used, INDEX_MAX - used, "%s=", key);
    if (k < 0 || used + (size_t)k >= INDEX_MAX)
        return used;
    used += (size_t)k;
    for (size_t i = 0; v && v[i] && i < INDEX_FIELD && used + 2 < INDEX_MAX;
         i++)
        buf[used++] = (unsigned char)v[i] < 0x20 ? '?' : v[i];
    buf[used++] = '\n';
    return used;
}

static void le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The file archive_save writes: the index frame, then z[zn]. */
static unsigned char *with_index(const mb_run *run, const void *z, size_t zn,
                                 size_t *outlen)
{
    char text[INDEX_MAX];
    const char *commit = run_ctx_gets(run, "git_commit");
    if (!commit)
        commit = run_ctx_gets(run, "commit");
    int k = snprintf(text, sizeof text,
                     INDEX_HEAD "format=%d\nbenchmarks=%zu\n"
                                "payload=%zu\n",
                     RUN_FORMAT_VERSION, run->nresults, zn);
    size_t used = (size_t)k;
    used = put_field(text, used, "date", run_ctx_gets(run, "date"));
    used = put_field(text, used, "commit", commit);
    used = put_field(text, used, "cpu", run_ctx_gets(run, "cpu_brand"));
    used += (size_t)snprintf(text + used, sizeof text - used, "check=%08x\n",
                             (unsigned)fnv1a(text, used));
    unsigned char *out = malloc(8 + used + zn);
    if (!out)
        return NULL;
    le32(out, INDEX_MAGIC);
    le32(out + 4, (uint32_t)used);
    memcpy(out + 8, text, used);
    memcpy(out + 8 + used, z, zn);
    *outlen = 8 + used + zn;
    return out;
}

static char *dupor(const char *s)
{
    return strdup(s ? s : "");
}

/* The value of "key=" in the index text t[n] (malloc'd), or NULL. */
static char *field(const char *t, size_t n, const char *key)
{
    size_t kl = strlen(key);
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(t + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - t) : n;
        if (end - i > kl && memcmp(t + i, key, kl) == 0 && t[i + kl] == '=')
            return strndup(t + i + kl + 1, end - i - kl - 1);
        i = end + 1;
    }
    return NULL;
}

/* Whether head[got] (got <= size) starts with an intact index frame whose
 * sizes add up to a file of size bytes; *text and *tl get its text. */
static bool index_valid(const unsigned char *head, size_t got, long long size,
                        const char **text, size_t *tl)
{
    if (got < 8 || get_le32(head) != INDEX_MAGIC)
        return false;
    size_t hl = get_le32(head + 4);
    const char *t = (const char *)head + 8;
    /* The check line is the last: "check=XXXXXXXX\n", 15 bytes. */
    if (hl > got - 8 || hl < sizeof INDEX_HEAD + 15 ||
        memcmp(t, INDEX_HEAD, sizeof INDEX_HEAD - 1) != 0 ||
        memcmp(t + hl - 15, "check=", 6) != 0)
        return false;
    char want[16], *pl = field(t, hl, "payload");
    snprintf(want, sizeof want, "%08x\n", (unsigned)fnv1a(t, hl - 15));
    bool ok = pl && memcmp(t + hl - 9, want, 9) == 0 &&
              8 + (long long)hl + atoll(pl) == size;
    free(pl);
    *text = t;
    *tl = hl;
    return ok;
}

/* Fills e from the index frame in head[got] of a file of size bytes. false
 * when there is none, or it is damaged, or the file's size does not add up
 * (truncated or grown): then the whole file is read instead. */
static bool from_index(archive_entry *e, const unsigned char *head, size_t got,
                       long long size)
{
    const char *t;
    size_t hl;
    if (!index_valid(head, got, size, &t, &hl))
        return false;
    char *fmt = field(t, hl, "format"), *nb = field(t, hl, "benchmarks");
    bool ok = fmt && nb;
    long format = ok ? atol(fmt) : 0;
    if (ok) {
        e->nbench = (size_t)strtoull(nb, NULL, 10);
        e->date = field(t, hl, "date");
        e->commit = field(t, hl, "commit");
        e->cpu = field(t, hl, "cpu");
        if (format > RUN_FORMAT_VERSION) {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "%s: format version %ld is newer than this microbe "
                     "understands (%d); upgrade microbe",
                     e->path, format, RUN_FORMAT_VERSION);
            e->status = MB_ERR_VERSION;
            e->error = strdup(msg);
        }
    }
    free(fmt);
    free(nb);
    return ok;
}

/* ---- Reading ------------------------------------------------------------ */

mb_status archive_decode(const char *name, const void *raw, size_t n,
                         char **data, size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    *len = 0;
    const char *p = raw;
    if (n == 0)
        return fail(err, errlen, MB_ERR_CORRUPT, "%s: corrupt: empty file",
                    name);
    const char *t;
    size_t tl;
    if (n >= 8 && get_le32(raw) == INDEX_MAGIC &&
        !index_valid(raw, n, (long long)n, &t, &tl))
        return fail(err, errlen, MB_ERR_CORRUPT,
                    "%s: corrupt: its index frame is damaged or the file "
                    "is truncated",
                    name);
    if (is_zstd(raw, n))
        return decompress(name, raw, n, data, len, err, errlen);
    size_t i = 0;
    while (i < n && strchr(" \t\r\n", p[i]) && p[i])
        i++;
    if (i < n && p[i] == '{') {
        if (!(*data = malloc(n + 1)))
            return fail(err, errlen, MB_ERR_NO_MEMORY,
                        "cannot read %s: out of memory", name);
        memcpy(*data, p, n);
        (*data)[n] = '\0';
        *len = n;
        return MB_OK;
    }
    return fail(err, errlen, MB_ERR_CORRUPT,
                "%s: corrupt: neither zstd-compressed (bad magic number) "
                "nor JSON",
                name);
}

static mb_status read_doc(const char *path, int flags, char **data, size_t *len,
                          char *err, size_t errlen)
{
    char *raw;
    size_t n;
    *data = NULL;
    *len = 0;
    mb_status st =
        file_read(path, flags, ARCHIVE_MAX_DOC, &raw, &n, err, errlen);
    if (st != MB_OK)
        return st;
    st = archive_decode(path, raw, n, data, len, err, errlen);
    free(raw);
    return st;
}

mb_status archive_read_file(const char *path, char **data, size_t *len,
                            char *err, size_t errlen)
{
    return read_doc(path, 0, data, len, err, errlen);
}

mb_status archive_write_file(const char *path, const char *data, size_t len,
                             char *err, size_t errlen)
{
    void *z;
    size_t zn;
    mb_status st = compress(data, len, &z, &zn, err, errlen);
    if (st != MB_OK)
        return st;
    st = file_write_atomic(path, z, zn, 0, err, errlen);
    free(z);
    return st;
}

static mb_status load_path(const char *path, int flags, mb_run **out, char *err,
                           size_t errlen)
{
    char *text;
    size_t n;
    *out = NULL;
    mb_status st = read_doc(path, flags, &text, &n, err, errlen);
    if (st != MB_OK)
        return st;
    st = json_load_run(text, n, path, out, err, errlen);
    free(text);
    return st;
}

mb_status archive_load_file(const char *path, mb_run **out, char *err,
                            size_t errlen)
{
    return load_path(path, 0, out, err, errlen);
}

mb_status archive_load_entry(const archive_entry *e, mb_run **out, char *err,
                             size_t errlen)
{
    return load_path(e->path, FILE_NOFOLLOW, out, err, errlen);
}

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

/* DIR/sub (malloc'd into *out) once it is known to be a directory of the
 * archive itself: a symbolic link there is refused, never followed (saves
 * would land, and prune would delete, outside the archive). A missing one
 * is created when create, else MB_ERR_NOT_FOUND. */
static mb_status subdir(const char *dir, const char *sub, bool create,
                        char **out, char *err, size_t errlen)
{
    *out = join(dir, sub, NULL);
    if (!*out)
        return fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    struct stat sb;
    mb_status st = MB_OK;
    if (lstat(*out, &sb) != 0) {
        int e = errno;
        if (e == ENOENT && create)
            st = mkdirs(*out, err, errlen);
        else if (e == ENOENT)
            st = MB_ERR_NOT_FOUND;
        else
            st = fail(err, errlen, MB_ERR_IO, "cannot use %s: %s", *out,
                      strerror(e));
    } else if (S_ISLNK(sb.st_mode))
        st = fail(err, errlen, MB_ERR_IO,
                  "%s is a symbolic link: refused (an archive's %s/ must be "
                  "a directory inside it)",
                  *out, sub);
    else if (!S_ISDIR(sb.st_mode))
        st = fail(err, errlen, MB_ERR_IO, "%s is not a directory", *out);
    if (st != MB_OK) {
        free(*out);
        *out = NULL;
    }
    return st;
}

/* Opens the directory path itself, never a link in its place. */
static DIR *open_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d && fd >= 0) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

/* The names (without EXT) of DIR/sub/<name>.json.zst, sorted. A missing
 * directory gives none; one that is a symbolic link is an error. */
static mb_status names_in(const char *dir, const char *sub, char ***out,
                          size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    char *path;
    mb_status st = subdir(dir, sub, false, &path, err, errlen);
    if (st != MB_OK)
        return st == MB_ERR_NOT_FOUND ? MB_OK : st;
    DIR *d = open_dir(path);
    if (!d) {
        int e = errno;
        st = fail(err, errlen, MB_ERR_IO, "cannot list %s: %s", path,
                  strerror(e));
        free(path);
        return st;
    }
    char **v = NULL;
    size_t k = 0, cap = 0;
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

/* The run just saved under id, also as DIR/history/<baseline>/<id>; the
 * oldest beyond ARCHIVE_HISTORY go. */
static mb_status save_history(const char *dir, const char *baseline,
                              const char *id, const void *file, size_t fn,
                              char *err, size_t errlen)
{
    char *hist = NULL, *mine = NULL, *path = NULL;
    mb_status st = subdir(dir, "history", true, &hist, err, errlen);
    if (st == MB_OK)
        st = subdir(hist, baseline, true, &mine, err, errlen);
    if (st == MB_OK && !(path = join(mine, id, EXT)))
        st = fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    if (st == MB_OK)
        st = file_write_atomic(path, file, fn, 0, err, errlen);
    char **ids = NULL;
    size_t k = 0;
    if (st == MB_OK)
        file_remove_stale(mine, STALE_TMP_SECONDS);
    if (st == MB_OK && names_in(hist, baseline, &ids, &k, NULL, 0) == MB_OK &&
        k > ARCHIVE_HISTORY) {
        DIR *d = open_dir(mine);
        for (size_t i = 0; d && i + ARCHIVE_HISTORY < k; i++) {
            char name[NAME_MAX + 1];
            snprintf(name, sizeof name, "%s" EXT, ids[i]);
            (void)unlinkat(dirfd(d), name, 0); /* a concurrent saver's too */
        }
        if (d) {
            closedir(d);
            file_sync_dir(mine);
        }
    }
    free_names(ids, k);
    free(path);
    free(mine);
    free(hist);
    return st;
}

mb_status archive_save(const char *dir, const mb_run *run, const char *baseline,
                       char *id_out, size_t idlen, char *err, size_t errlen)
{
    if (baseline) {
        mb_status st = archive_check_name(baseline, err, errlen);
        if (st != MB_OK)
            return st;
    }
    size_t len;
    char *text = json_dump_run_compact(run, &len);
    if (!text)
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot save the run: out of memory");
    void *z = NULL;
    unsigned char *file = NULL;
    size_t zn = 0, fn = 0;
    char *runs = NULL, *bases = NULL;
    mb_status st = compress(text, len, &z, &zn, err, errlen);
    free(text);
    if (st == MB_OK && !(file = with_index(run, z, zn, &fn)))
        st = fail(err, errlen, MB_ERR_NO_MEMORY,
                  "cannot save the run: out of memory");
    free(z);
    if (st == MB_OK)
        st = subdir(dir, "runs", true, &runs, err, errlen);
    if (st == MB_OK && baseline)
        st = subdir(dir, "baselines", true, &bases, err, errlen);
    /* Temp files of savers that were killed go at the next save. */
    if (runs)
        file_remove_stale(runs, STALE_TMP_SECONDS);
    if (bases)
        file_remove_stale(bases, STALE_TMP_SECONDS);

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
        st = file_write_atomic(path, file, fn, FILE_NOCLOBBER, err, errlen);
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
        st = path ? file_write_atomic(path, file, fn, 0, err, errlen)
                  : fail(err, errlen, MB_ERR_NO_MEMORY,
                         "cannot save the run: out of memory");
        free(path);
    }
    if (st == MB_OK && baseline)
        st = save_history(dir, baseline, id, file, fn, err, errlen);
    if (st == MB_OK && id_out && idlen)
        snprintf(id_out, idlen, "%s", id);
    free(file);
    free(runs);
    free(bases);
    return st;
}

mb_status archive_load_history(const char *dir, const char *name, mb_run ***out,
                               size_t *n, char *err, size_t errlen)
{
    *out = NULL;
    *n = 0;
    mb_status st = archive_check_name(name, err, errlen);
    char *hist = NULL, *mine = NULL;
    if (st != MB_OK)
        return st;
    if (subdir(dir, "history", false, &hist, NULL, 0) != MB_OK)
        return MB_OK;
    char **ids = NULL;
    size_t k = 0;
    if (subdir(hist, name, false, &mine, NULL, 0) == MB_OK)
        st = names_in(hist, name, &ids, &k, err, errlen);
    mb_run **runs = k ? calloc(k, sizeof *runs) : NULL;
    if (k && !runs)
        st = fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    size_t got = 0;
    for (size_t i = k; st == MB_OK && i-- > 0 && got < ARCHIVE_HISTORY;) {
        char *path = join(mine, ids[i], EXT);
        if (path &&
            load_path(path, FILE_NOFOLLOW, &runs[got], NULL, 0) == MB_OK)
            got++;
        free(path);
    }
    free_names(ids, k);
    free(hist);
    free(mine);
    if (st != MB_OK || !got) {
        for (size_t i = 0; i < got; i++)
            run_free(runs[i]);
        free(runs);
        return st;
    }
    *out = runs;
    *n = got;
    return MB_OK;
}

/* ---- Loading by name ------------------------------------------------------
 */

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
    char *d, *path = NULL;
    mb_status st = subdir(dir, sub, false, &d, err, errlen);
    if (st == MB_ERR_NOT_FOUND)
        return MB_ERR_NOT_FOUND;
    if (st == MB_OK)
        st = (path = join(d, name, EXT))
                 ? load_path(path, FILE_NOFOLLOW, out, err, errlen)
                 : fail(err, errlen, MB_ERR_NO_MEMORY, "out of memory");
    free(d);
    free(path);
    return st;
}

mb_status archive_load_baseline(const char *dir, const char *name, mb_run **out,
                                char *err, size_t errlen)
{
    *out = NULL;
    mb_status st = archive_check_name(name, err, errlen);
    if (st != MB_OK)
        return st;
    st = load_named(dir, "baselines", name, out, err, errlen);
    if (st == MB_ERR_NOT_FOUND) {
        char names[512];
        baseline_names(dir, names, sizeof names);
        st = fail(err, errlen, MB_ERR_NOT_FOUND, "no baseline '%s' in %s %s",
                  name, dir, names);
    }
    return st;
}

bool archive_ref_is_path(const char *ref)
{
    return strchr(ref, '/') || ends_with(ref, ".json") || ends_with(ref, EXT);
}

mb_status archive_load(const char *dir, const char *ref, mb_run **out,
                       char *err, size_t errlen)
{
    *out = NULL;
    if (!ref || !*ref)
        return fail(err, errlen, MB_ERR_USAGE,
                    "no run named: give a baseline, run id, 'latest' or "
                    "file");
    if (archive_ref_is_path(ref))
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

/* ---- Listing and pruning --------------------------------------------------
 */

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

/* The whole file, for files saved before the index frame existed and for
 * those whose index does not add up. */
static mb_status from_run(archive_entry *e)
{
    char err[512];
    mb_run *run = NULL;
    e->status = load_path(e->path, FILE_NOFOLLOW, &run, err, sizeof err);
    if (e->status == MB_ERR_NO_MEMORY)
        return MB_ERR_NO_MEMORY;
    if (e->status != MB_OK && !(e->error = strdup(err)))
        return MB_ERR_NO_MEMORY;
    const char *commit = run ? run_ctx_gets(run, "git_commit") : NULL;
    if (!commit && run)
        commit = run_ctx_gets(run, "commit");
    e->date = dupor(run ? run_ctx_gets(run, "date") : NULL);
    e->commit = dupor(commit);
    e->cpu = dupor(run ? run_ctx_gets(run, "cpu_brand") : NULL);
    e->nbench = run ? run->nresults : 0;
    run_free(run);
    return MB_OK;
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
    unsigned char head[8 + INDEX_MAX + 1];
    size_t got = 0;
    char err[512];
    e->status = file_read_head(e->path, FILE_NOFOLLOW, head, sizeof head - 1,
                               &got, &e->size, err, sizeof err);
    head[got] = '\0';
    if (e->status != MB_OK) {
        if (!(e->error = strdup(err)))
            return MB_ERR_NO_MEMORY;
    } else if (!from_index(e, head, got, e->size)) {
        free(e->date);
        free(e->commit);
        free(e->cpu);
        e->date = e->commit = e->cpu = NULL;
        if (from_run(e) != MB_OK)
            return MB_ERR_NO_MEMORY;
    }
    if (!e->date || (!e->date[0] && kind == ARCHIVE_RUN)) {
        free(e->date);
        e->date = date_of_id(name);
    }
    if (!e->commit)
        e->commit = strdup("");
    if (!e->cpu)
        e->cpu = strdup("");
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
    char *runs = NULL, *bases = NULL;
    if (subdir(dir, "runs", false, &runs, NULL, 0) != MB_OK) {
        free_names(ids, n);
        return MB_OK; /* no runs/: names_in refused a link already */
    }
    /* Deletes by name inside the directory itself (never through a link
     * put in its place since it was checked). */
    DIR *d = open_dir(runs);
    if (!d)
        st = fail(err, errlen, MB_ERR_IO, "cannot prune %s: %s", runs,
                  strerror(errno));
    for (size_t i = 0; d && i + keep < n; i++) {
        char name[NAME_MAX + 1];
        snprintf(name, sizeof name, "%s" EXT, ids[i]);
        if (unlinkat(dirfd(d), name, 0) == 0 || errno == ENOENT)
            gone++; /* ENOENT: a concurrent prune got there first */
        else if (st == MB_OK)
            st = fail(err, errlen, MB_ERR_IO, "cannot remove %s/%s: %s", runs,
                      name, strerror(errno));
    }
    if (d)
        closedir(d);
    if (gone)
        file_sync_dir(runs); /* best effort: the unlinks themselves happened */
    file_remove_stale(runs, STALE_TMP_SECONDS);
    if (subdir(dir, "baselines", false, &bases, NULL, 0) == MB_OK)
        file_remove_stale(bases, STALE_TMP_SECONDS);
    free(runs);
    free(bases);
    free_names(ids, n);
    if (removed)
        *removed = gone;
    return st;
}
