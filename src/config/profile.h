/* profile.h - cipher profiles: named sets of TLS options kept in
 * ciphers/NAME.profile, so a comparison ("ChaCha20 vs AES-GCM on this box")
 * is one flag (`--profile NAME`) instead of five, and the same set is used
 * on the client and the embedded server.
 *
 * File format (ciphers/README.md has the full description):
 *
 *     # comment
 *     description   = TLS 1.3 with ChaCha20-Poly1305 and X25519
 *     tls_min       = 1.3
 *     tls13_ciphers = TLS_CHACHA20_POLY1305_SHA256
 *
 * Keys: description, tls_min, tls_max, tls13_ciphers, ciphers, groups,
 * sigalgs, alpn. Every problem is reported as "FILE:LINE: message" (or
 * "FILE: message" for whole-file problems) and nothing half-loaded is
 * returned. Suite, group and sigalg names are checked by applying them to a
 * scratch SSL_CTX, so a typo is reported at its own line. */
#ifndef TLSPROF_PROFILE_H
#define TLSPROF_PROFILE_H

#include <limits.h>
#include <stddef.h>

#include "config/tls_opts.h"

#define PROFILE_NAME_MAX 64
#define PROFILE_DESCRIPTION_MAX 256
#define PROFILE_FILE_MAX (64 * 1024) /* bytes; a profile is a handful of lines */
#define PROFILE_LINE_MAX 4096        /* bytes per line, newline excluded */
#define PROFILE_SUFFIX ".profile"

typedef struct cipher_profile {
    char name[PROFILE_NAME_MAX]; /* file name without directory and suffix */
    char path[PATH_MAX];         /* the file it was read from */
    char description[PROFILE_DESCRIPTION_MAX];
    tls_opts_t tls; /* unset keys are 0 / NULL (library default);
                       strings are owned by the profile */
} cipher_profile_t;

/* Load a profile. name_or_path is a PATH when it contains '/' or ends in
 * ".profile" (read as given), else a NAME looked up as
 * ciphers_dir/NAME.profile (ciphers_dir NULL = profile_default_dir()).
 * Returns 0, or -1 with a message in err and *out zeroed. */
int profile_load(const char *name_or_path, const char *ciphers_dir, cipher_profile_t *out,
                 char *err, size_t errlen);

/* Parse profile text already in memory. `path` is only used in messages and
 * to name the profile. Same contract as profile_load. */
int profile_parse(const char *path, const char *text, size_t len, cipher_profile_t *out, char *err,
                  size_t errlen);

/* Free the strings a loaded profile owns and zero it. Safe on a zeroed one. */
void profile_free(cipher_profile_t *p);

/* The NAMEs of ciphers_dir/\*.profile, sorted (byte order). *names is a
 * malloc'd array of malloc'd strings; free with profile_list_free. Returns 0,
 * or -1 with a message in err. */
int profile_list(const char *ciphers_dir, char ***names, size_t *n, char *err, size_t errlen);
void profile_list_free(char **names, size_t n);

/* Where profiles are looked up when no directory is given, first match:
 *   1. $TLSPROF_CIPHERS_DIR when set and not empty (used as is);
 *   2. EXE_DIR/../ciphers, EXE_DIR being the directory of the running
 *      executable (the source tree when run as build/tlsprof);
 *   3. EXE_DIR/../share/tlsprof/ciphers (an installed prefix);
 *   4. /usr/local/share/tlsprof/ciphers.
 * Candidates 2 and 3 count only when they are directories; 4 is returned
 * even when missing, so the "not found" message names a place. The pointer
 * is to the environment or to a per-thread buffer valid until the next call
 * from the same thread. */
const char *profile_default_dir(void);

#endif
