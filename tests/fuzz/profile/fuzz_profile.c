/* fuzz_profile.c - cipher profile files (src/config/profile_parse.c).
 *
 * A profile that parses must do what it says when used: its settings are
 * applied to a fresh SSL_CTX with the same code the client uses and must be
 * accepted, versions must be ordered, the ALPN list must encode. A profile
 * that does not parse must say so as "FILE: ..." or "FILE:LINE: ...", in
 * printable text (the line it quotes came from the file). */
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "config/profile.h"
#include "fuzz_check.h"

#define FUZZ_PATH "fuzz.profile"

static void check_string(const char *what, const char *s)
{
    if (!s) return;
    FUZZ_CHECK(*s, "%s is empty", what);
    for (const char *p = s; *p; p++)
        FUZZ_CHECK(((unsigned char)*p >= 0x20 || *p == '\t') && *p != 0x7f, "control byte in %s",
                   what);
    FUZZ_CHECK(s[0] != ' ' && s[0] != '\t' && s[strlen(s) - 1] != ' ' && s[strlen(s) - 1] != '\t',
               "%s '%s' not trimmed", what, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cipher_profile_t p;
    char err[1024];
    memset(err, 0x55, sizeof(err));
    if (profile_parse(FUZZ_PATH, (const char *)data, size, &p, err, sizeof(err)) != 0) {
        fuzz_check_message(err, sizeof(err), NULL);
        FUZZ_CHECK(strncmp(err, FUZZ_PATH ":", strlen(FUZZ_PATH) + 1) == 0,
                   "message does not start with the file name: %s", err);
        /* Nothing half-loaded is returned. */
        FUZZ_CHECK(!p.tls.tls13_ciphers && !p.tls.ciphers && !p.tls.groups && !p.tls.sigalgs &&
                       !p.tls.alpn && !p.description[0],
                   "failed parse left settings behind");
        return 0;
    }
    FUZZ_CHECK(strcmp(p.name, "fuzz") == 0, "name '%s'", p.name);
    FUZZ_CHECK(strnlen(p.description, sizeof(p.description)) < sizeof(p.description),
               "description unterminated");
    check_string("description", p.description[0] ? p.description : NULL);
    check_string("tls13_ciphers", p.tls.tls13_ciphers);
    check_string("ciphers", p.tls.ciphers);
    check_string("groups", p.tls.groups);
    check_string("sigalgs", p.tls.sigalgs);
    check_string("alpn", p.tls.alpn);
    int min = p.tls.min_version, max = p.tls.max_version;
    FUZZ_CHECK(min == 0 || min == TLS1_2_VERSION || min == TLS1_3_VERSION, "tls_min %d", min);
    FUZZ_CHECK(max == 0 || max == TLS1_2_VERSION || max == TLS1_3_VERSION, "tls_max %d", max);
    FUZZ_CHECK(!(min && max && min > max), "tls_min above tls_max");
    if (p.tls.alpn) {
        unsigned char wire[256];
        FUZZ_CHECK(tls_alpn_encode(p.tls.alpn, wire, sizeof(wire)) > 0, "alpn '%s'", p.tls.alpn);
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_method());
    FUZZ_CHECK(ctx != NULL, "SSL_CTX_new");
    char why[512];
    FUZZ_CHECK(tls_opts_apply(ctx, &p.tls, why, sizeof(why)) == 0,
               "accepted profile is rejected when applied: %s", why);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    profile_free(&p);
    return 0;
}
