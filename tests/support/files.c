/* files.c - temp dirs, recursive removal without system("rm -rf"), whole-file I/O. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *make_temp_dir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char templ[512];
    int n = snprintf(templ, sizeof templ, "%s/tlsprof-%s-XXXXXX", base, tag ? tag : "test");
    if (n < 0 || (size_t)n >= sizeof templ) {
        fprintf(stderr, "harness: temp dir name too long under %s\n", base);
        return NULL;
    }
    if (!mkdtemp(templ)) {
        fprintf(stderr, "harness: mkdtemp(%s): %s\n", templ, strerror(errno));
        return NULL;
    }
    return strdup(templ);
}

static int remove_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    int rc = (type == FTW_DP) ? rmdir(path) : unlink(path);
    if (rc != 0 && errno != ENOENT) {
        fprintf(stderr, "harness: removing %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

int rm_rf(const char *dir)
{
    if (!dir || !*dir) return 0;
    struct stat st;
    if (lstat(dir, &st) != 0) return errno == ENOENT ? 0 : -1;
    /* FTW_PHYS: never follow a symlink out of the tree; FTW_DEPTH: children first. */
    return nftw(dir, remove_entry, 16, FTW_PHYS | FTW_DEPTH | FTW_MOUNT) == 0 ? 0 : -1;
}

char *slurp_file(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    size_t cap = 4096, used = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - used < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            free(buf);
            buf = NULL;
            break;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    close(fd);
    if (!buf) return NULL;
    buf[used] = '\0';
    if (len) *len = used;
    return buf;
}

int write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        fprintf(stderr, "harness: open %s: %s\n", path, strerror(errno));
        return -1;
    }
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            fprintf(stderr, "harness: write %s: %s\n", path, strerror(errno));
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}
