/* Whole files read safely and written atomically; temp-file hygiene (see
 * file.h for the rules). */
#include "file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

void (*file_write_hook)(const char *, size_t, size_t);

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

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
                         : "not a regular file";
}

/* Opens path for reading without blocking and without trusting what it is:
 * returns an fd on a regular file (its stat in *sb), or -1 with the reason
 * in err. */
static int open_regular(const char *path, int flags, struct stat *sb,
                        mb_status *st, char *err, size_t errlen)
{
    int of = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
    if (flags & FILE_NOFOLLOW)
        of |= O_NOFOLLOW;
    int fd = open(path, of);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP && (flags & FILE_NOFOLLOW))
            *st = fail(err, errlen, MB_ERR_IO,
                       "cannot read %s: it is a symbolic link (not followed)",
                       path);
        else
            *st = fail(err, errlen, e == ENOENT ? MB_ERR_NOT_FOUND : MB_ERR_IO,
                       "cannot open %s: %s", path, strerror(e));
        return -1;
    }
    if (fstat(fd, sb) != 0) {
        int e = errno;
        close(fd);
        *st = fail(err, errlen, MB_ERR_IO, "cannot read %s: %s", path,
                   strerror(e));
        return -1;
    }
    if (!S_ISREG(sb->st_mode)) {
        close(fd);
        *st = fail(err, errlen, MB_ERR_IO, "cannot read %s: %s", path,
                   kind_of(sb->st_mode));
        return -1;
    }
    *st = MB_OK;
    return fd;
}

/* Reads up to cap bytes; a file growing meanwhile is read as it was. */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n < cap) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        n += (size_t)r;
    }
    return (ssize_t)n;
}

mb_status file_read(const char *path, int flags, size_t max, char **data,
                    size_t *len, char *err, size_t errlen)
{
    *data = NULL;
    if (len)
        *len = 0;
    struct stat sb;
    mb_status st;
    int fd = open_regular(path, flags, &sb, &st, err, errlen);
    if (fd < 0)
        return st;
    if ((unsigned long long)sb.st_size >= max) {
        close(fd);
        return fail(err, errlen, MB_ERR_CORRUPT,
                    "%s: corrupt: larger than %zu MiB", path, max >> 20);
    }
    /* Files of /proc and /sys say 0 or 4096 for their size: read on to
     * the end, growing the buffer; max bytes or more are refused. */
    size_t cap = (size_t)sb.st_size > 4096 ? (size_t)sb.st_size : 4096, n = 0;
    char *buf = NULL;
    mb_status bad = MB_OK;
    int e = 0;
    for (;;) {
        cap = cap < max ? cap : max; /* max: one byte too many */
        char *nb = realloc(buf, cap + 1);
        if (!nb) {
            bad = MB_ERR_NO_MEMORY;
            break;
        }
        buf = nb;
        ssize_t r = read_all(fd, buf + n, cap - n);
        if (r < 0) {
            e = errno;
            bad = MB_ERR_IO;
            break;
        }
        n += (size_t)r;
        if (n < cap)
            break; /* the end */
        if (n >= max) {
            bad = MB_ERR_CORRUPT;
            break;
        }
        cap *= 2;
    }
    close(fd);
    if (bad != MB_OK) {
        free(buf);
        if (bad == MB_ERR_NO_MEMORY)
            return fail(err, errlen, bad, "cannot read %s: out of memory",
                        path);
        if (bad == MB_ERR_IO)
            return fail(err, errlen, bad, "cannot read %s: %s", path,
                        strerror(e));
        return fail(err, errlen, bad, "%s: corrupt: larger than %zu MiB", path,
                    max >> 20);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = (size_t)n;
    return MB_OK;
}

char *file_text(const char *path, size_t *len)
{
    char *data;
    return file_read(path, 0, FILE_TEXT_MAX, &data, len, NULL, 0) == MB_OK
               ? data
               : NULL;
}

mb_status file_read_head(const char *path, int flags, void *buf, size_t cap,
                         size_t *got, long long *size, char *err, size_t errlen)
{
    *got = 0;
    *size = 0;
    struct stat sb;
    mb_status st;
    int fd = open_regular(path, flags, &sb, &st, err, errlen);
    if (fd < 0)
        return st;
    ssize_t n = read_all(fd, buf, cap);
    int e = errno;
    close(fd);
    if (n < 0)
        return fail(err, errlen, MB_ERR_IO, "cannot read %s: %s", path,
                    strerror(e));
    *got = (size_t)n;
    *size = (long long)sb.st_size;
    return MB_OK;
}

int file_write_fd(int fd, const void *buf, size_t len)
{
    for (size_t off = 0; off < len;) {
        ssize_t r = write(fd, (const char *)buf + off, len - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return r < 0 ? errno : EIO;
        off += (size_t)r;
    }
    return 0;
}

/* Is path something other than a plain file or nothing: a link (written
 * through, as a user who links a report to elsewhere means), a device, a
 * FIFO? */
static bool write_through(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode);
}

mb_status file_write_out(const char *path, const void *buf, size_t len,
                         char *err, size_t errlen)
{
    if (!write_through(path))
        return file_write_atomic(path, buf, len, 0, err, errlen);
    int fd =
        open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
    if (fd < 0)
        return fail(err, errlen, MB_ERR_IO, "cannot write %s: %s", path,
                    strerror(errno));
    int e = file_write_fd(fd, buf, len);
    if (close(fd) != 0 && !e)
        e = errno;
    return e ? fail(err, errlen, MB_ERR_IO, "cannot write %s: %s", path,
                    strerror(e))
             : MB_OK;
}

mb_status file_check_out(const char *path, char *err, size_t errlen)
{
    struct stat sb;
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return fail(err, errlen, MB_ERR_IO, "cannot write %s: a directory",
                    path);
    if (write_through(path))
        return access(path, W_OK) == 0 || errno == ENOENT /* dangling */
                   ? MB_OK
                   : fail(err, errlen, MB_ERR_IO, "cannot write %s: %s", path,
                          strerror(errno));
    char *d = strdup(path);
    if (!d)
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot write %s: out of memory", path);
    char *slash = strrchr(d, '/');
    const char *dir = !slash ? "." : slash == d ? "/" : (*slash = '\0', d);
    int ok = access(dir, W_OK | X_OK) == 0;
    int e = errno;
    free(d);
    return ok ? MB_OK
              : fail(err, errlen, MB_ERR_IO, "cannot write %s: %s", path,
                     strerror(e));
}

mb_status file_hash(const char *path, uint64_t *hash, long long *size,
                    char *err, size_t errlen)
{
    *hash = 0;
    *size = 0;
    struct stat sb;
    mb_status st;
    int fd = open_regular(path, 0, &sb, &st, err, errlen);
    if (fd < 0)
        return st;
    uint64_t h = 0xcbf29ce484222325u; /* FNV-1a's offset basis and prime */
    char buf[1 << 16];
    ssize_t n;
    while ((n = read_all(fd, buf, sizeof buf)) > 0) {
        size_t i = 0;
        for (; i + 8 <= (size_t)n; i += 8) {
            uint64_t w;
            memcpy(&w, buf + i, 8);
            h = (h ^ w) * 0x100000001b3u;
        }
        for (; i < (size_t)n; i++)
            h = (h ^ (unsigned char)buf[i]) * 0x100000001b3u;
        if ((size_t)n < sizeof buf)
            break;
    }
    int e = errno;
    close(fd);
    if (n < 0)
        return fail(err, errlen, MB_ERR_IO, "cannot read %s: %s", path,
                    strerror(e));
    *hash = h;
    *size = (long long)sb.st_size;
    return MB_OK;
}

int file_sync_dir(const char *dir)
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
    char *d = malloc(strlen(path) + 2); /* room for "." when path is "" */
    if (!d)
        return ENOMEM;
    strcpy(d, path);
    char *slash = strrchr(d, '/');
    if (slash == d)
        d[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        strcpy(d, ".");
    int e = file_sync_dir(d);
    free(d);
    return e;
}

mb_status file_write_atomic(const char *path, const void *buf, size_t len,
                            int flags, char *err, size_t errlen)
{
    char tag[40];
    snprintf(tag, sizeof tag, FILE_TMP_TAG "%ld.XXXXXX", (long)getpid());
    size_t pl = strlen(path), tl = strlen(tag);
    char *tmp = malloc(pl + tl + 1);
    if (!tmp)
        return fail(err, errlen, MB_ERR_NO_MEMORY,
                    "cannot write %s: out of memory", path);
    memcpy(tmp, path, pl);
    memcpy(tmp + pl, tag, tl + 1);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return fail(err, errlen, MB_ERR_IO, "cannot write %s: %s", path,
                    strerror(e));
    }
    /* Held until the file has its final name: file_remove_stale leaves a
     * locked temp alone, and the lock dies with its writer. */
    (void)flock(fd, LOCK_EX | LOCK_NB);
    const char *what = "write";
    int e = 0;
    /* mkstemp makes the file 0600; archives are meant to be shared. */
    if (fchmod(fd, 0644) != 0) {
        e = errno;
        what = "chmod";
    }
    for (size_t off = 0; !e && off < len;) {
        size_t chunk = len - off < FILE_CHUNK ? len - off : FILE_CHUNK;
        ssize_t r = write(fd, (const char *)buf + off, chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            e = errno;
        else
            off += (size_t)r;
        if (!e && file_write_hook)
            file_write_hook(tmp, off, len);
    }
    if (!e && fsync(fd) != 0) {
        e = errno;
        what = "fsync";
    }
    bool exists = false;
    if (!e && (flags & FILE_NOCLOBBER)) {
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
            exists = e == EEXIST;
        }
    } else if (!e && rename(tmp, path) != 0) {
        e = errno;
        what = "rename";
    }
    if (close(fd) != 0 && !e) {
        e = errno;
        what = "close";
    }
    mb_status st = MB_OK;
    if (e) {
        unlink(tmp);
        st = exists ? MB_ERR_USAGE
                    : fail(err, errlen, MB_ERR_IO, "cannot write %s: %s: %s",
                           path, what, strerror(e));
    } else if ((e = sync_parent(path)) != 0)
        st = fail(err, errlen, MB_ERR_IO,
                  "cannot write %s: fsync of its directory: %s", path,
                  strerror(e));
    free(tmp);
    return st;
}

/* The writer's pid from "<name>.tmp.<pid>.XXXXXX", or 0 (an older temp
 * name without one). */
static long writer_pid(const char *name)
{
    const char *t = strstr(name, FILE_TMP_TAG), *last = NULL;
    for (; t; t = strstr(t + 1, FILE_TMP_TAG))
        last = t;
    if (!last)
        return 0;
    char *end;
    long pid = strtol(last + sizeof FILE_TMP_TAG - 1, &end, 10);
    return *end == '.' && pid > 0 ? pid : 0;
}

size_t file_remove_stale(const char *dir, time_t max_age)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (dfd < 0)
        return 0;
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return 0;
    }
    size_t removed = 0;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strstr(de->d_name, FILE_TMP_TAG))
            continue;
        int fd = openat(dfd, de->d_name,
                        O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
        struct stat sb;
        if (fd < 0)
            continue;
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
            flock(fd, LOCK_EX | LOCK_NB) == 0) {
            long pid = writer_pid(de->d_name);
            bool gone = pid > 0 && pid != (long)getpid() &&
                        kill((pid_t)pid, 0) != 0 && errno == ESRCH;
            if ((gone || now - sb.st_mtime > max_age) &&
                unlinkat(dfd, de->d_name, 0) == 0)
                removed++;
        }
        close(fd);
    }
    closedir(d);
    return removed;
}
