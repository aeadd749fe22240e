/* replay_main.c - run a fuzz target over files without libFuzzer.
 *
 * Builds with any compiler (gcc included), so every corpus input and every
 * crasher kept in tests/fuzz/<target>/corpus is a regression test of the
 * normal suite (and of the ASan suite, where memory errors are caught too).
 *
 *   fuzz_replay_url DIR|FILE ...
 *
 * Each input is copied into a buffer of exactly its size, as libFuzzer does,
 * so reading one byte past it is caught under ASan. Exits 0 after replaying
 * at least one input, 1 when none was found (a replay that ran nothing must
 * not pass), 2 on a usage or read error; a failing input aborts. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_check.h"

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) abort();
        size_t r = fread(buf + len, 1, cap - len, f);
        len += r;
        if (r == 0) break;
        if (len == cap) buf = realloc(buf, cap *= 2);
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        fprintf(stderr, "replay: %s: read error\n", path);
        free(buf);
        return -1;
    }
    uint8_t *exact = malloc(len ? len : 1);
    if (!exact) abort();
    memcpy(exact, buf, len);
    free(buf);
    /* Name the input before running it: an abort leaves this as the last line. */
    fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

static int skip_name(const struct dirent *d)
{
    return d->d_name[0] != '.'; /* no ., .., or hidden files */
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR|FILE ...\n", argv[0]);
        return 2;
    }
    size_t replayed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (replay_file(argv[i]) != 0) return 2;
            replayed++;
            continue;
        }
        struct dirent **names;
        int n = scandir(argv[i], &names, skip_name, alphasort);
        if (n < 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        for (int k = 0; k < n; k++) {
            char path[4096];
            snprintf(path, sizeof(path), "%s/%s", argv[i], names[k]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                if (replay_file(path) != 0) return 2;
                replayed++;
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %zu inputs, all passed\n", replayed);
    return replayed ? 0 : 1;
}
