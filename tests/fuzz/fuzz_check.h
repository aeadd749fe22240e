/* fuzz_check.h - what the fuzz targets share.
 *
 * A fuzz target finds more than crashes when it also checks what the parser
 * promises (a value in range, a round trip that gives the same thing back, a
 * message that names what was wrong). FUZZ_CHECK turns a broken promise into
 * an abort(), which libFuzzer and the replay runner both report as a failure
 * together with the input that caused it. */
#ifndef TLSPROF_FUZZ_CHECK_H
#define TLSPROF_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed: ", __FILE__, __LINE__, #cond);          \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input as a C string, cut at its first NUL (a command-line argument
 * cannot hold one). Caller frees. */
static inline char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* A message is terminated inside its buffer and, because it echoes user
 * input to a terminal, holds no control characters (a tab is harmless). */
static inline void fuzz_check_message(const char *err, size_t errlen, const char *must_contain)
{
    size_t n = strnlen(err, errlen);
    FUZZ_CHECK(n < errlen, "message not NUL-terminated");
    FUZZ_CHECK(n > 0, "failure without a message");
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(((unsigned char)err[i] >= 0x20 || err[i] == '\t') && err[i] != 0x7f,
                   "control byte 0x%02x at %zu in message: %s", (unsigned char)err[i], i, err);
    if (must_contain)
        FUZZ_CHECK(strstr(err, must_contain) != NULL, "message does not name '%s': %s",
                   must_contain, err);
}

#endif
