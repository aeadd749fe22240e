/* profile_parse.c - turn the text of a cipher profile into tls_opts_t,
 * rejecting anything that would silently not do what the file says.
 *
 * OpenSSL's list setters are lenient: SSL_CTX_set_ciphersuites and
 * SSL_CTX_set_cipher_list skip names they do not know as long as one name
 * matches, so "TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA265" would
 * quietly benchmark AES only. We therefore apply every element on its own
 * to a scratch SSL_CTX (through tls_opts_apply, the same code the client and
 * server use) and report the first one OpenSSL rejects, at its line. */
#include "config/profile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/err.h>

enum key_id {
    KEY_DESCRIPTION,
    KEY_TLS_MIN,
    KEY_TLS_MAX,
    KEY_TLS13_CIPHERS,
    KEY_CIPHERS,
    KEY_GROUPS,
    KEY_SIGALGS,
    KEY_ALPN,
    KEY_COUNT
};

static const char *const key_names[KEY_COUNT] = {
    "description", "tls_min", "tls_max", "tls13_ciphers", "ciphers", "groups", "sigalgs", "alpn",
};

typedef struct parser {
    const char *path;
    char *err;
    size_t errlen;
    unsigned line;                /* current line number, from 1 */
    unsigned key_line[KEY_COUNT]; /* where each key was set, 0 = unset */
    char *value[KEY_COUNT];       /* malloc'd, trimmed */
} parser_t;

/* "PATH:LINE: message" (line 0: "PATH: message"). Always returns -1. */
static int perr(parser_t *p, unsigned line, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line)
        snprintf(p->err, p->errlen, "%s:%u: %s", p->path, line, msg);
    else
        snprintf(p->err, p->errlen, "%s: %s", p->path, msg);
    return -1;
}

static size_t edit_distance(const char *a, const char *b)
{
    size_t lb = strlen(b), row[64];
    if (lb >= 64) return 64;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; a[i - 1]; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int unknown_key(parser_t *p, const char *key)
{
    const char *closest = NULL;
    size_t best = 4; /* suggest only near misses */
    for (int k = 0; k < KEY_COUNT; k++) {
        size_t d = strlen(key) < 64 ? edit_distance(key, key_names[k]) : 64;
        if (d < best) {
            best = d;
            closest = key_names[k];
        }
    }
    if (closest) return perr(p, p->line, "unknown key '%s' (did you mean '%s'?)", key, closest);
    return perr(p, p->line,
                "unknown key '%s' (known keys: description, tls_min, tls_max, tls13_ciphers, "
                "ciphers, groups, sigalgs, alpn)",
                key);
}

/* The part of a tls_opts_apply message after its option name (which names
 * the command-line flag, not the profile key). */
static const char *openssl_reason(const char *msg)
{
    const char *r = strstr(msg, "OpenSSL rejected");
    return r ? r : msg;
}

/* Apply one option (only `field` set) to a fresh scratch context. Fresh
 * every time: settings stick to an SSL_CTX (a "SUITEB192" element sets Suite
 * B flags that make OpenSSL ignore any later cipher string), so checking on a
 * shared one could pass a list that fails on the context the client builds. */
static int try_apply(parser_t *p, enum key_id key, const char *value, char *why, size_t whylen)
{
    tls_opts_t o = {0};
    switch (key) {
    case KEY_TLS13_CIPHERS:
        o.tls13_ciphers = value;
        break;
    case KEY_CIPHERS:
        o.ciphers = value;
        break;
    case KEY_GROUPS:
        o.groups = value;
        break;
    case KEY_SIGALGS:
        o.sigalgs = value;
        break;
    default:
        return 0;
    }
    char msg[512];
    ERR_clear_error();
    SSL_CTX *scratch = SSL_CTX_new(TLS_method());
    if (!scratch) {
        snprintf(why, whylen, "cannot create an SSL_CTX to check it");
        return -1;
    }
    int rc = tls_opts_apply(scratch, &o, msg, sizeof msg);
    SSL_CTX_free(scratch);
    if (rc == 0) return 0;
    snprintf(why, whylen, "%s", openssl_reason(msg));
    return -1;
}

/* Split value on any of seps and check each element on its own. TLS 1.2
 * exclusions ("!aNULL", "-SHA1") and directives ("@SECLEVEL=2") are not
 * checked alone: excluding something absent is harmless, and they have no
 * meaning on their own. */
static int check_elements(parser_t *p, enum key_id key, const char *value, const char *seps,
                          const char *what, const char *hint)
{
    char elem[PROFILE_LINE_MAX + 1], why[512];
    for (const char *s = value;;) {
        size_t len = strcspn(s, seps);
        if (len == 0)
            return perr(p, p->line, "%s: empty element in '%s' (doubled or trailing separator)",
                        key_names[key], value);
        memcpy(elem, s, len);
        elem[len] = '\0';
        const char *name = elem[0] == '+' ? elem + 1 : elem;
        int skip = key == KEY_CIPHERS && (elem[0] == '!' || elem[0] == '-' || elem[0] == '@');
        if (!skip && try_apply(p, key, name, why, sizeof why) != 0)
            return perr(p, p->line, "%s: %s '%s' (%s)", key_names[key], what, name, hint);
        if (!s[len]) break;
        s += len + 1;
    }
    /* The list as a whole, e.g. for limits on the number of entries. */
    if (try_apply(p, key, value, why, sizeof why) != 0)
        return perr(p, p->line, "%s: %s", key_names[key], why);
    return 0;
}

static int check_value(parser_t *p, enum key_id key, const char *v)
{
    unsigned char wire[256]; /* the size config.c encodes into */
    switch (key) {
    case KEY_DESCRIPTION:
        if (strlen(v) >= PROFILE_DESCRIPTION_MAX)
            return perr(p, p->line, "description: longer than %d bytes",
                        PROFILE_DESCRIPTION_MAX - 1);
        return 0;
    case KEY_TLS_MIN:
    case KEY_TLS_MAX:
        if (!tls_version_from_string(v))
            return perr(p, p->line, "%s: expected 1.2 or 1.3, got '%s'", key_names[key], v);
        return 0;
    case KEY_TLS13_CIPHERS:
        return check_elements(p, key, v, ":", "unknown TLS 1.3 suite",
                              "`openssl ciphers -s -tls1_3` lists them");
    case KEY_CIPHERS:
        return check_elements(p, key, v, ":, ", "matches no TLS 1.2 cipher",
                              "`openssl ciphers -v` lists them");
    case KEY_GROUPS:
        return check_elements(p, key, v, ":", "unknown group",
                              "e.g. X25519, P-256, P-384, X448, ffdhe2048");
    case KEY_SIGALGS:
        return check_elements(p, key, v, ":", "unknown signature algorithm",
                              "e.g. ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, ed25519");
    case KEY_ALPN:
        if (tls_alpn_encode(v, wire, sizeof wire) < 0)
            return perr(p, p->line,
                        "alpn: expected comma-separated protocol names of 1 to 255 bytes, got "
                        "'%s'",
                        v);
        return 0;
    default:
        return 0;
    }
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Handle one line (no newline, no trailing CR, at most PROFILE_LINE_MAX). */
static int parse_line(parser_t *p, char *line)
{
    while (is_space(*line))
        line++;
    size_t len = strlen(line);
    while (len && is_space(line[len - 1]))
        line[--len] = '\0';
    if (!len || line[0] == '#') return 0;
    char *eq = strchr(line, '=');
    if (!eq) return perr(p, p->line, "expected 'key = value', found no '=' in '%s'", line);
    char *key = line, *val = eq + 1;
    char *kend = eq;
    while (kend > key && is_space(kend[-1]))
        kend--;
    *kend = '\0';
    while (is_space(*val))
        val++;
    if (!*key) return perr(p, p->line, "missing key before '='");
    int k = 0;
    while (k < KEY_COUNT && strcmp(key, key_names[k]) != 0)
        k++;
    if (k == KEY_COUNT) return unknown_key(p, key);
    if (p->key_line[k])
        return perr(p, p->line, "duplicate key '%s' (already set on line %u)", key, p->key_line[k]);
    if (!*val)
        return perr(p, p->line, "%s: empty value (remove the line to use the library default)",
                    key);
    if (check_value(p, (enum key_id)k, val) != 0) return -1;
    p->value[k] = strdup(val);
    if (!p->value[k]) return perr(p, p->line, "out of memory");
    p->key_line[k] = p->line;
    return 0;
}

/* Settings that are each valid but do nothing together. */
static int check_combination(parser_t *p)
{
    int min = p->value[KEY_TLS_MIN] ? tls_version_from_string(p->value[KEY_TLS_MIN]) : 0;
    int max = p->value[KEY_TLS_MAX] ? tls_version_from_string(p->value[KEY_TLS_MAX]) : 0;
    if (min && max && min > max)
        return perr(p, p->key_line[KEY_TLS_MAX], "tls_max %s is below tls_min %s (line %u)",
                    p->value[KEY_TLS_MAX], p->value[KEY_TLS_MIN], p->key_line[KEY_TLS_MIN]);
    if (p->value[KEY_TLS13_CIPHERS] && max == TLS1_2_VERSION)
        return perr(p, p->key_line[KEY_TLS13_CIPHERS],
                    "tls13_ciphers has no effect with tls_max = 1.2 (line %u)",
                    p->key_line[KEY_TLS_MAX]);
    if (p->value[KEY_CIPHERS] && min == TLS1_3_VERSION)
        return perr(p, p->key_line[KEY_CIPHERS],
                    "ciphers (the TLS 1.2 list) has no effect with tls_min = 1.3 (line %u)",
                    p->key_line[KEY_TLS_MIN]);
    return 0;
}

/* Check bytes a text file must not hold; returns the line on error. */
static int check_bytes(parser_t *p, const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];
        if (c == 0) return perr(p, p->line, "NUL byte at column %zu (binary file?)", i + 1);
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return perr(p, p->line, "control character 0x%02x at column %zu", c, i + 1);
    }
    return 0;
}

static void fill_profile(parser_t *p, cipher_profile_t *out)
{
    const char *base = strrchr(p->path, '/');
    base = base ? base + 1 : p->path;
    size_t n = strlen(base), sl = strlen(PROFILE_SUFFIX);
    if (n > sl && !strcmp(base + n - sl, PROFILE_SUFFIX)) n -= sl;
    if (n >= sizeof out->name) n = sizeof out->name - 1;
    memcpy(out->name, base, n);
    out->name[n] = '\0';
    snprintf(out->path, sizeof out->path, "%s", p->path);
    if (p->value[KEY_DESCRIPTION])
        snprintf(out->description, sizeof out->description, "%s", p->value[KEY_DESCRIPTION]);
    out->tls.min_version =
        p->value[KEY_TLS_MIN] ? tls_version_from_string(p->value[KEY_TLS_MIN]) : 0;
    out->tls.max_version =
        p->value[KEY_TLS_MAX] ? tls_version_from_string(p->value[KEY_TLS_MAX]) : 0;
    /* Ownership of the strings moves to the profile. */
    out->tls.tls13_ciphers = p->value[KEY_TLS13_CIPHERS];
    out->tls.ciphers = p->value[KEY_CIPHERS];
    out->tls.groups = p->value[KEY_GROUPS];
    out->tls.sigalgs = p->value[KEY_SIGALGS];
    out->tls.alpn = p->value[KEY_ALPN];
    p->value[KEY_TLS13_CIPHERS] = p->value[KEY_CIPHERS] = p->value[KEY_GROUPS] = NULL;
    p->value[KEY_SIGALGS] = p->value[KEY_ALPN] = NULL;
}

static int parse_all(parser_t *p, const char *text, size_t len)
{
    if (len == 0) return perr(p, 0, "file is empty");
    if (len > PROFILE_FILE_MAX)
        return perr(p, 0, "file too large (%zu bytes, limit %d)", len, PROFILE_FILE_MAX);
    /* A UTF-8 byte order mark, as some editors write, is not part of a key. */
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        text += 3;
        len -= 3;
    }
    char buf[PROFILE_LINE_MAX + 1];
    size_t pos = 0;
    while (pos < len) {
        p->line++;
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
        size_t content = n && text[pos + n - 1] == '\r' ? n - 1 : n;
        if (check_bytes(p, text + pos, content) != 0) return -1;
        if (content > PROFILE_LINE_MAX)
            return perr(p, p->line, "line too long (%zu bytes, limit %d)", content,
                        PROFILE_LINE_MAX);
        memcpy(buf, text + pos, content);
        buf[content] = '\0';
        if (parse_line(p, buf) != 0) return -1;
        pos += n + 1;
    }
    int any = 0;
    for (int k = 0; k < KEY_COUNT; k++)
        any |= p->key_line[k] != 0;
    if (!any) return perr(p, 0, "no settings (only blank lines and comments)");
    return check_combination(p);
}

int profile_parse(const char *path, const char *text, size_t len, cipher_profile_t *out, char *err,
                  size_t errlen)
{
    parser_t p = {.path = path, .err = err, .errlen = errlen};
    memset(out, 0, sizeof *out);
    int rc = parse_all(&p, text, len);
    if (rc == 0) fill_profile(&p, out);
    for (int k = 0; k < KEY_COUNT; k++)
        free(p.value[k]);
    ERR_clear_error();
    return rc;
}

void profile_free(cipher_profile_t *p)
{
    if (!p) return;
    free((char *)p->tls.tls13_ciphers);
    free((char *)p->tls.ciphers);
    free((char *)p->tls.groups);
    free((char *)p->tls.sigalgs);
    free((char *)p->tls.alpn);
    memset(p, 0, sizeof *p);
}
