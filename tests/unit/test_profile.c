/* test_profile.c - cipher profiles load, apply, and every kind of mistake in
 * one is reported with its file and line.
 *
 * Independent truth for "applies": a real TLS handshake in memory between a
 * client and a server both configured from the profile, whose negotiated
 * version, suite and group must be ones the profile allows. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "cli/commands.h"
#include "config/profile.h"
#include "harness.h"

static const char *const shipped[] = {
    "aes128-gcm", "aes256-gcm",        "chacha20-poly1305", "ecdsa-p256-x25519-chacha20",
    "p256-kex",   "tls12-ecdhe-ecdsa", "x25519-aes128",
};
#define N_SHIPPED (sizeof shipped / sizeof shipped[0])

typedef struct fixture {
    char *dir;
    char cert[600], key[600];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    char *dir = make_temp_dir("profile");
    if (!dir) return -1;
    f->dir = realpath(dir, NULL); /* profile_default_dir() returns canonical paths */
    free(dir);
    if (!f->dir) return -1;
    snprintf(f->cert, sizeof f->cert, "%s/cert.pem", f->dir);
    snprintf(f->key, sizeof f->key, "%s/key.pem", f->dir);
    if (make_selfsigned_cert(f->cert, f->key) != 0) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    rm_rf(f->dir);
    free(f->dir);
    free(f);
    return 0;
}

/* ---- shipped profiles --------------------------------------------------- */

static int list_has(const char *colon_list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = colon_list; p && *p;) {
        size_t len = strcspn(p, ":");
        if (len == n && !strncmp(p, name, n)) return 1;
        p += len + (p[len] == ':');
    }
    return 0;
}

/* Drive an in-memory handshake between two SSL objects; 0 when both finish. */
static int handshake(SSL *client, SSL *server)
{
    BIO *cb, *sb;
    if (!BIO_new_bio_pair(&cb, 0, &sb, 0)) return -1;
    SSL_set_bio(client, cb, cb);
    SSL_set_bio(server, sb, sb);
    int cdone = 0, sdone = 0;
    for (int i = 0; i < 100 && !(cdone && sdone); i++) {
        if (!cdone) {
            int r = SSL_do_handshake(client);
            if (r == 1)
                cdone = 1;
            else if (SSL_get_error(client, r) != SSL_ERROR_WANT_READ)
                return -1;
        }
        if (!sdone) {
            int r = SSL_do_handshake(server);
            if (r == 1)
                sdone = 1;
            else if (SSL_get_error(server, r) != SSL_ERROR_WANT_READ)
                return -1;
        }
    }
    return cdone && sdone ? 0 : -1;
}

static void check_negotiates(const fixture_t *f, const cipher_profile_t *p)
{
    char err[512];
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
    assert_int_equal(tls_opts_apply(cctx, &p->tls, err, sizeof err), 0);
    assert_int_equal(tls_opts_apply(sctx, &p->tls, err, sizeof err), 0);
    assert_int_equal(SSL_CTX_use_certificate_file(sctx, f->cert, SSL_FILETYPE_PEM), 1);
    assert_int_equal(SSL_CTX_use_PrivateKey_file(sctx, f->key, SSL_FILETYPE_PEM), 1);
    SSL *c = SSL_new(cctx), *s = SSL_new(sctx);
    SSL_set_connect_state(c);
    SSL_set_accept_state(s);
    if (handshake(c, s) != 0) {
        ERR_print_errors_fp(stderr);
        fail_msg("profile %s: handshake failed", p->name);
    }
    int version = SSL_version(c);
    if (p->tls.min_version) assert_true(version >= p->tls.min_version);
    if (p->tls.max_version) assert_true(version <= p->tls.max_version);
    const SSL_CIPHER *cipher = SSL_get_current_cipher(c);
    if (version == TLS1_3_VERSION && p->tls.tls13_ciphers &&
        !list_has(p->tls.tls13_ciphers, SSL_CIPHER_standard_name(cipher)))
        fail_msg("%s negotiated %s, not in %s", p->name, SSL_CIPHER_standard_name(cipher),
                 p->tls.tls13_ciphers);
    if (version == TLS1_2_VERSION && p->tls.ciphers &&
        !list_has(p->tls.ciphers, SSL_CIPHER_get_name(cipher)))
        fail_msg("%s negotiated %s, not in %s", p->name, SSL_CIPHER_get_name(cipher),
                 p->tls.ciphers);
    if (p->tls.groups) {
        const char *group = SSL_group_to_name(c, SSL_get_negotiated_group(c));
        /* OpenSSL names X25519 "x25519" and P-256 "secp256r1" here. */
        int ok = group && ((!strcasecmp(group, "x25519") && list_has(p->tls.groups, "X25519")) ||
                           (!strcmp(group, "secp256r1") && list_has(p->tls.groups, "P-256")));
        if (!ok) fail_msg("%s negotiated group %s, not in %s", p->name, group, p->tls.groups);
    }
    SSL_free(c);
    SSL_free(s);
    SSL_CTX_free(cctx);
    SSL_CTX_free(sctx);
}

static void test_shipped_profiles_are_listed_load_and_negotiate(void **state)
{
    fixture_t *f = *state;
    char err[1024], **names;
    size_t n;
    const char *dir = TLSPROF_SOURCE_DIR "/ciphers";
    assert_int_equal(profile_list(dir, &names, &n, err, sizeof err), 0);
    for (size_t i = 1; i < n; i++)
        assert_true(strcmp(names[i - 1], names[i]) < 0);
    for (size_t i = 0; i < N_SHIPPED; i++) {
        int found = 0;
        for (size_t j = 0; j < n; j++)
            found |= !strcmp(names[j], shipped[i]);
        if (!found) fail_msg("profile_list misses %s", shipped[i]);
    }
    for (size_t j = 0; j < n; j++) {
        cipher_profile_t p;
        if (profile_load(names[j], dir, &p, err, sizeof err) != 0) fail_msg("%s", err);
        assert_string_equal(p.name, names[j]);
        assert_true(strlen(p.description) > 0);
        check_negotiates(f, &p);
        profile_free(&p);
    }
    profile_list_free(names, n);
}

static void test_shipped_profile_contents(void **state)
{
    char err[1024];
    cipher_profile_t p;
    const char *dir = TLSPROF_SOURCE_DIR "/ciphers";
    assert_int_equal(profile_load("ecdsa-p256-x25519-chacha20", dir, &p, err, sizeof err), 0);
    assert_int_equal(p.tls.min_version, TLS1_3_VERSION);
    assert_int_equal(p.tls.max_version, TLS1_3_VERSION);
    assert_string_equal(p.tls.tls13_ciphers, "TLS_CHACHA20_POLY1305_SHA256");
    assert_string_equal(p.tls.groups, "X25519");
    assert_string_equal(p.tls.sigalgs, "ecdsa_secp256r1_sha256");
    assert_null(p.tls.ciphers);
    assert_null(p.tls.alpn);
    profile_free(&p);
    /* Loading by path gives the same profile, named after the file. */
    assert_int_equal(profile_load(TLSPROF_SOURCE_DIR "/ciphers/tls12-ecdhe-ecdsa.profile", "/nope",
                                  &p, err, sizeof err),
                     0);
    assert_string_equal(p.name, "tls12-ecdhe-ecdsa");
    assert_int_equal(p.tls.max_version, TLS1_2_VERSION);
    assert_string_equal(p.tls.ciphers,
                        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305");
    profile_free(&p);
    profile_free(&p); /* safe twice */
}

/* ---- errors ------------------------------------------------------------- */

/* Write text as DIR/NAME.profile, load it by name and expect exactly
 * "DIR/NAME.profile<suffix>" as the error. */
static void expect_error_n(const fixture_t *f, const char *name, const char *text, size_t len,
                           const char *suffix)
{
    char path[700], want[2048], err[2048] = "";
    snprintf(path, sizeof path, "%s/%s.profile", f->dir, name);
    assert_int_equal(write_file(path, text, len), 0);
    cipher_profile_t p;
    memset(&p, 0x55, sizeof p);
    int rc = profile_load(name, f->dir, &p, err, sizeof err);
    snprintf(want, sizeof want, "%s%s", path, suffix);
    if (rc != -1 || strcmp(err, want) != 0)
        fail_msg("profile %s: rc %d\n  got:  %s\n  want: %s", name, rc, err, want);
    /* Nothing half-loaded comes back. */
    assert_null(p.tls.tls13_ciphers);
    assert_null(p.tls.groups);
    assert_int_equal(p.name[0], 0);
    unlink(path);
}

static void expect_error(const fixture_t *f, const char *name, const char *text, const char *suffix)
{
    expect_error_n(f, name, text, strlen(text), suffix);
}

static void test_syntax_errors_name_file_and_line(void **state)
{
    fixture_t *f = *state;
    expect_error(f, "unknown", "# x\ntls_min = 1.3\ntls13_cipher = TLS_AES_128_GCM_SHA256\n",
                 ":3: unknown key 'tls13_cipher' (did you mean 'tls13_ciphers'?)");
    expect_error(f, "unknown2", "colour = blue\n",
                 ":1: unknown key 'colour' (known keys: description, tls_min, tls_max, "
                 "tls13_ciphers, ciphers, groups, sigalgs, alpn)");
    expect_error(f, "version", "# a\n\n  # b\n\ntls_min = 1.4\n",
                 ":5: tls_min: expected 1.2 or 1.3, got '1.4'");
    expect_error(f, "version2", "tls_max = TLSv1.3\n",
                 ":1: tls_max: expected 1.2 or 1.3, got 'TLSv1.3'");
    expect_error(f, "dup", "groups = X25519\ntls_min = 1.3\n\ngroups = P-256\n",
                 ":4: duplicate key 'groups' (already set on line 1)");
    expect_error(f, "noeq", "tls_min = 1.3\ntls_max 1.3\n",
                 ":2: expected 'key = value', found no '=' in 'tls_max 1.3'");
    expect_error(f, "nokey", "  = 1.3\n", ":1: missing key before '='");
    expect_error(f, "empty_value", "tls_min = 1.3\ngroups =   \n",
                 ":2: groups: empty value (remove the line to use the library default)");
    expect_error(f, "alpn", "alpn = h2,,http/1.1\n",
                 ":1: alpn: expected comma-separated protocol names of 1 to 255 bytes, got "
                 "'h2,,http/1.1'");
    char longdesc[400];
    memset(longdesc, 'd', sizeof longdesc);
    char text[600];
    snprintf(text, sizeof text, "description = %.*s\n", 300, longdesc);
    expect_error(f, "longdesc", text, ":1: description: longer than 255 bytes");
}

static void test_file_level_errors(void **state)
{
    fixture_t *f = *state;
    expect_error(f, "empty", "", ": file is empty");
    expect_error(f, "comments", "# only\n\n   \n# comments\n",
                 ": no settings (only blank lines and comments)");
    expect_error_n(f, "nul", "tls_min = 1.3\ngro\0ups = X25519\n", 30,
                   ":2: NUL byte at column 4 (binary file?)");
    expect_error(f, "ctrl", "tls_min = 1.3\x1b[0m\n", ":1: control character 0x1b at column 14");

    /* A line of exactly the limit is fine; one byte more is not. */
    size_t len = 20 + PROFILE_LINE_MAX;
    char *big = malloc(len + 1);
    int pre = snprintf(big, len, "tls_min = 1.3\n# ");
    memset(big + pre, 'x', PROFILE_LINE_MAX - 2);
    strcpy(big + pre + PROFILE_LINE_MAX - 2, "\n");
    char path[700], err[1024];
    snprintf(path, sizeof path, "%s/limit.profile", f->dir);
    assert_int_equal(write_file(path, big, strlen(big)), 0);
    cipher_profile_t p;
    if (profile_load("limit", f->dir, &p, err, sizeof err) != 0) fail_msg("%s", err);
    profile_free(&p);
    strcpy(big + pre + PROFILE_LINE_MAX - 2, "x\n");
    char want[64];
    snprintf(want, sizeof want, ":2: line too long (%d bytes, limit %d)", PROFILE_LINE_MAX + 1,
             PROFILE_LINE_MAX);
    expect_error(f, "toolong", big, want);
    free(big);

    /* Over 64 KiB, even when every line is a valid comment. */
    size_t huge_len = PROFILE_FILE_MAX + 1;
    char *huge = malloc(huge_len);
    for (size_t i = 0; i < huge_len; i++)
        huge[i] = (i % 64 == 63) ? '\n' : '#';
    snprintf(want, sizeof want, ": file too large (%zu bytes, limit %d)", huge_len,
             PROFILE_FILE_MAX);
    expect_error_n(f, "huge", huge, huge_len, want);
    free(huge);
}

static void test_openssl_rejects_are_reported_at_their_line(void **state)
{
    fixture_t *f = *state;
    /* The typo is the second suite: OpenSSL alone would accept the list. */
    expect_error(f, "suite",
                 "tls_min = 1.3\n\ntls13_ciphers = TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA385\n",
                 ":3: tls13_ciphers: unknown TLS 1.3 suite 'TLS_AES_256_GCM_SHA385' "
                 "(`openssl ciphers -s -tls1_3` lists them)");
    expect_error(f, "suite_empty", "tls13_ciphers = TLS_AES_128_GCM_SHA256:\n",
                 ":1: tls13_ciphers: empty element in 'TLS_AES_128_GCM_SHA256:' (doubled or "
                 "trailing separator)");
    expect_error(
        f, "cipher12",
        "tls_max = 1.2\nciphers = ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA255\n",
        ":2: ciphers: matches no TLS 1.2 cipher 'ECDHE-ECDSA-AES128-GCM-SHA255' "
        "(`openssl ciphers -v` lists them)");
    expect_error(f, "group", "tls_min = 1.3\ngroups = X25519:P-257\n",
                 ":2: groups: unknown group 'P-257' (e.g. X25519, P-256, P-384, X448, ffdhe2048)");
    expect_error(f, "sigalg", "sigalgs = ecdsa_secp256r1_sha255\n",
                 ":1: sigalgs: unknown signature algorithm 'ecdsa_secp256r1_sha255' (e.g. "
                 "ecdsa_secp256r1_sha256, rsa_pss_rsae_sha256, ed25519)");
    expect_error(f, "minmax", "description = x\ntls_min = 1.3\ntls_max = 1.2\n",
                 ":3: tls_max 1.2 is below tls_min 1.3 (line 2)");
    expect_error(f, "noeffect13", "tls_max = 1.2\ntls13_ciphers = TLS_AES_128_GCM_SHA256\n",
                 ":2: tls13_ciphers has no effect with tls_max = 1.2 (line 1)");
    expect_error(f, "noeffect12", "ciphers = ECDHE-ECDSA-AES128-GCM-SHA256\ntls_min = 1.3\n",
                 ":1: ciphers (the TLS 1.2 list) has no effect with tls_min = 1.3 (line 2)");
}

static void test_lenient_formatting_is_accepted(void **state)
{
    fixture_t *f = *state;
    /* BOM, CRLF, tabs, no final newline, '#' inside a value, exclusions and
     * a directive in a TLS 1.2 list. */
    const char text[] = "\xEF\xBB\xBF# header\r\n\tdescription\t=  AES #1 choice  \r\n"
                        "ciphers=ECDHE-ECDSA-AES128-GCM-SHA256:!aNULL:-SHA1:@SECLEVEL=1\r\n"
                        "alpn = h2,http/1.1";
    char path[700], err[1024];
    snprintf(path, sizeof path, "%s/lenient.profile", f->dir);
    assert_int_equal(write_file(path, text, sizeof text - 1), 0);
    cipher_profile_t p;
    if (profile_load(path, NULL, &p, err, sizeof err) != 0) fail_msg("%s", err);
    assert_string_equal(p.name, "lenient");
    assert_string_equal(p.path, path);
    assert_string_equal(p.description, "AES #1 choice");
    assert_string_equal(p.tls.ciphers, "ECDHE-ECDSA-AES128-GCM-SHA256:!aNULL:-SHA1:@SECLEVEL=1");
    assert_string_equal(p.tls.alpn, "h2,http/1.1");
    assert_int_equal(p.tls.min_version, 0);
    profile_free(&p);
}

static void test_lookup_errors(void **state)
{
    fixture_t *f = *state;
    char err[2048], want[2048], path[800], dir[700];
    cipher_profile_t p;
    snprintf(dir, sizeof dir, "%s/lookup", f->dir); /* holds only what this test writes */
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/b.profile", dir);
    assert_int_equal(write_file(path, "tls_min = 1.3\n", 14), 0);
    snprintf(path, sizeof path, "%s/a.profile", dir);
    assert_int_equal(write_file(path, "tls_min = 1.2\n", 14), 0);

    assert_int_equal(profile_load("nope", dir, &p, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "cipher profile 'nope' not found: no %s/nope.profile (available: a, b)", dir);
    assert_string_equal(err, want);

    assert_int_equal(profile_load("bad name", dir, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "invalid cipher profile name 'bad name'"));

    assert_int_equal(profile_load("x", "/nonexistent-tlsprof-dir", &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "cannot list cipher profiles in /nonexistent-tlsprof-dir"));

    snprintf(path, sizeof path, "%s/missing.profile", dir);
    assert_int_equal(profile_load(path, NULL, &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    assert_string_equal(err, want);

    snprintf(path, sizeof path, "%s/dir.profile", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(profile_load(path, NULL, &p, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: is a directory, not a profile file", path);
    assert_string_equal(err, want);

    /* profile_list: sorted, only loadable *.profile regular files. */
    snprintf(path, sizeof path, "%s/.hidden.profile", dir);
    assert_int_equal(write_file(path, "tls_min = 1.3\n", 14), 0);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    assert_int_equal(write_file(path, "x", 1), 0);
    char **names;
    size_t n;
    assert_int_equal(profile_list(dir, &names, &n, err, sizeof err), 0);
    assert_int_equal(n, 2);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    profile_list_free(names, n);
    assert_int_equal(profile_load("a", dir, &p, err, sizeof err), 0);
    assert_int_equal(p.tls.min_version, TLS1_2_VERSION);
    profile_free(&p);
}

/* Run ciphers_main with stdout captured into out. */
static int run_ciphers(const fixture_t *f, int argc, const char **argv, char **out)
{
    char path[700];
    snprintf(path, sizeof path, "%s/ciphers-stdout.txt", f->dir);
    fflush(stdout);
    int saved = dup(1);
    FILE *cap = fopen(path, "w");
    assert_non_null(cap);
    dup2(fileno(cap), 1);
    int rc = ciphers_main(argc, (char **)argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    fclose(cap);
    *out = slurp_file(path, NULL);
    assert_non_null(*out);
    return rc;
}

static void test_ciphers_command(void **state)
{
    fixture_t *f = *state;
    char *out, dir[700], path[800];
    const char *list[] = {"ciphers", "--dir", TLSPROF_SOURCE_DIR "/ciphers"};
    assert_int_equal(run_ciphers(f, 3, list, &out), 0);
    assert_non_null(strstr(out, "chacha20-poly1305"));
    assert_non_null(strstr(out, "TLS 1.3, ChaCha20-Poly1305 records, default key exchange"));
    free(out);

    const char *show[] = {"ciphers", "--dir=" TLSPROF_SOURCE_DIR "/ciphers", "p256-kex"};
    assert_int_equal(run_ciphers(f, 3, show, &out), 0);
    assert_non_null(strstr(out, "  groups         P-256\n"));
    assert_non_null(strstr(out, "  tls13_ciphers  TLS_AES_128_GCM_SHA256\n"));
    free(out);

    /* One broken profile in a directory fails the listing, the rest still show. */
    snprintf(dir, sizeof dir, "%s/cli", f->dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(path, sizeof path, "%s/good.profile", dir);
    assert_int_equal(write_file(path, "description = fine\ntls_min = 1.3\n", 33), 0);
    snprintf(path, sizeof path, "%s/broken.profile", dir);
    assert_int_equal(write_file(path, "tls_min = 1.4\n", 14), 0);
    const char *bad[] = {"ciphers", "--dir", dir};
    assert_int_equal(run_ciphers(f, 3, bad, &out), 2);
    assert_non_null(strstr(out, "good"));
    assert_non_null(strstr(out, "fine"));
    assert_non_null(strstr(out, "broken"));
    free(out);
    const char *missing[] = {"ciphers", "--dir", dir, "good", "nope"};
    assert_int_equal(run_ciphers(f, 5, missing, &out), 2);
    free(out);
    const char *unknown[] = {"ciphers", "--frobnicate"};
    assert_int_equal(run_ciphers(f, 2, unknown, &out), 2);
    free(out);
}

/* Run a copy of this test binary from DIR/bin with --print-default-dir. */
static void default_dir_of_copy(const fixture_t *f, const char *env, char *out, size_t outlen)
{
    char cmd[2200];
    snprintf(cmd, sizeof cmd, "%s %s/bin/test_profile --print-default-dir", env, f->dir);
    FILE *pipe = popen(cmd, "r");
    assert_non_null(pipe);
    out[0] = '\0';
    if (!fgets(out, (int)outlen, pipe)) out[0] = '\0';
    out[strcspn(out, "\n")] = '\0';
    assert_int_equal(pclose(pipe), 0);
}

static void test_default_dir_resolution(void **state)
{
    fixture_t *f = *state;
    char bin[700], want[800], got[800];
    snprintf(bin, sizeof bin, "%s/bin", f->dir);
    assert_int_equal(mkdir(bin, 0700), 0);
    size_t len;
    char *self = slurp_file("/proc/self/exe", &len);
    assert_non_null(self);
    strcat(bin, "/test_profile");
    assert_int_equal(write_file(bin, self, len), 0);
    free(self);
    assert_int_equal(chmod(bin, 0700), 0);

    /* Neither ciphers/ nor share/ next to the copy: the fixed location. */
    default_dir_of_copy(f, "env -u TLSPROF_CIPHERS_DIR", got, sizeof got);
    assert_string_equal(got, "/usr/local/share/tlsprof/ciphers");
    /* An installed prefix: EXE/../share/tlsprof/ciphers. */
    snprintf(want, sizeof want, "%s/share", f->dir);
    assert_int_equal(mkdir(want, 0700), 0);
    strcat(want, "/tlsprof");
    assert_int_equal(mkdir(want, 0700), 0);
    strcat(want, "/ciphers");
    assert_int_equal(mkdir(want, 0700), 0);
    default_dir_of_copy(f, "env -u TLSPROF_CIPHERS_DIR", got, sizeof got);
    snprintf(want, sizeof want, "%s/share/tlsprof/ciphers", f->dir);
    assert_string_equal(got, want);
    /* A source tree: EXE/../ciphers wins over share/. */
    snprintf(want, sizeof want, "%s/ciphers", f->dir);
    assert_int_equal(mkdir(want, 0700), 0);
    default_dir_of_copy(f, "env -u TLSPROF_CIPHERS_DIR", got, sizeof got);
    snprintf(want, sizeof want, "%s/ciphers", f->dir);
    assert_string_equal(got, want);
    /* The environment wins over everything; empty counts as unset. */
    default_dir_of_copy(f, "env TLSPROF_CIPHERS_DIR=/somewhere/else", got, sizeof got);
    assert_string_equal(got, "/somewhere/else");
    default_dir_of_copy(f, "env TLSPROF_CIPHERS_DIR=", got, sizeof got);
    assert_string_equal(got, want);
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "--print-default-dir")) {
        puts(profile_default_dir());
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_profiles_are_listed_load_and_negotiate),
        cmocka_unit_test(test_shipped_profile_contents),
        cmocka_unit_test(test_syntax_errors_name_file_and_line),
        cmocka_unit_test(test_file_level_errors),
        cmocka_unit_test(test_openssl_rejects_are_reported_at_their_line),
        cmocka_unit_test(test_lenient_formatting_is_accepted),
        cmocka_unit_test(test_lookup_errors),
        cmocka_unit_test(test_ciphers_command),
        cmocka_unit_test(test_default_dir_resolution),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
