/* json_file.c - atomic JSON output (temporary file + rename). */
#include "report/json_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_stdout(const json_t *j, size_t flags, char *err, size_t errlen)
{
    if (json_dumpf(j, stdout, flags) != 0 || fputc('\n', stdout) == EOF || fflush(stdout) != 0) {
        snprintf(err, errlen, "-: writing to standard output failed: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int json_file_write(const json_t *j, const char *path, size_t flags, char *err, size_t errlen)
{
    if (strcmp(path, "-") == 0) return write_stdout(j, flags, err, errlen);
    size_t n = strlen(path) + sizeof(".tmp.XXXXXX");
    char *tmp = malloc(n);
    if (!tmp) {
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot create a temporary file next to it: %s", path,
                 strerror(errno));
        free(tmp);
        return -1;
    }
    /* mkstemp creates 0600; a report is meant to be shared. */
    (void)fchmod(fd, 0644);
    FILE *f = fdopen(fd, "w");
    int ok = f != NULL;
    if (!f) close(fd);
    ok = ok && json_dumpf(j, f, flags) == 0 && fputc('\n', f) != EOF && fflush(f) == 0 &&
         fsync(fileno(f)) == 0;
    int saved = errno;
    if (f && fclose(f) != 0 && ok) {
        ok = 0;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = 0;
        saved = errno;
    }
    if (!ok) {
        snprintf(err, errlen, "%s: write failed: %s", path, strerror(saved));
        unlink(tmp);
    }
    free(tmp);
    return ok ? 0 : -1;
}
