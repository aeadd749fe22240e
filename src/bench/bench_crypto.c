/* bench_crypto.c - time each crypto operation of crypto_ops.h for a fixed
 * wall-time budget and turn the counts into rates.
 *
 * Rates use the thread's CPU time, not wall time: the benchmark is one
 * thread, and on a shared machine (CI, a laptop running a browser) wall time
 * includes time the thread was not running. Wall time and the CPU share are
 * reported too so preemption is visible instead of silently corrected. */
#include "bench/bench_crypto.h"

#include <stdlib.h>
#include <string.h>

#include "bench/crypto_ops.h"
#include "measure/clock.h"

#define MAX_ITERATIONS 1000000000ull /* bound on any timed loop, whatever the clock says */
#define MAX_SECONDS 3600.0

/* Everything any item needs, set up before timing starts so the timed loop
 * allocates nothing except what the operation itself allocates inside
 * OpenSSL (key generation must). */
typedef struct item_state {
    bench_aead_t aead;
    bench_kex_t kex;
    bench_sig_t sig;
    bench_digest_t digest;
    unsigned char in[BENCH_RECORD_BYTES];
    unsigned char out[BENCH_RECORD_BYTES];
    unsigned char back[BENCH_RECORD_BYTES]; /* decrypted again by the self-check */
    unsigned char tag[BENCH_AEAD_TAG_BYTES];
    uint64_t last_seq;
    unsigned char secret[128];
    size_t secret_len;
} item_state_t;

typedef struct item_def {
    const char *key;
    const char *label;
    const char *alg; /* group, cipher or digest name for setup */
    size_t bytes;    /* bytes per operation for throughput items, else 0 */
    int (*setup)(item_state_t *st, const char *alg);
    int (*op)(item_state_t *st, uint64_t seq);
    /* After timing: prove the operation did its job; message into err. */
    int (*check)(item_state_t *st, char *err, size_t errlen);
    void (*teardown)(item_state_t *st);
} item_def_t;

/* --- key agreement ------------------------------------------------------ */

static int kex_setup(item_state_t *st, const char *group)
{
    return bench_kex_init(&st->kex, group);
}

static int kex_op(item_state_t *st, uint64_t seq)
{
    st->secret_len = sizeof st->secret;
    return bench_kex_run(&st->kex, st->secret, &st->secret_len, NULL);
}

/* The server side, deriving from the client's fresh public key, must reach
 * the same secret. */
static int kex_check(item_state_t *st, char *err, size_t errlen)
{
    EVP_PKEY *mine = NULL;
    unsigned char theirs[sizeof st->secret];
    size_t theirs_len = sizeof theirs;
    st->secret_len = sizeof st->secret;
    int ok = bench_kex_run(&st->kex, st->secret, &st->secret_len, &mine) == 0;
    EVP_PKEY_CTX *c = ok ? EVP_PKEY_CTX_new_from_pkey(NULL, st->kex.peer, NULL) : NULL;
    ok = c && EVP_PKEY_derive_init(c) > 0 && EVP_PKEY_derive_set_peer(c, mine) > 0 &&
         EVP_PKEY_derive(c, theirs, &theirs_len) > 0 && theirs_len == st->secret_len &&
         memcmp(theirs, st->secret, theirs_len) == 0;
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(mine);
    if (!ok) snprintf(err, errlen, "self-check failed: the two sides derived different secrets");
    return ok ? 0 : -1;
}

static void kex_teardown(item_state_t *st)
{
    bench_kex_free(&st->kex);
}

/* --- signatures --------------------------------------------------------- */

static int sig_setup(item_state_t *st, const char *alg)
{
    return bench_sig_init(&st->sig);
}

static int sign_op(item_state_t *st, uint64_t seq)
{
    return bench_sig_sign(&st->sig);
}

static int verify_op(item_state_t *st, uint64_t seq)
{
    return bench_sig_verify(&st->sig) == 1 ? 0 : -1;
}

/* The last signature verifies, and stops verifying when one bit of the
 * signed digest changes. */
static int sig_check(item_state_t *st, char *err, size_t errlen)
{
    int good = bench_sig_verify(&st->sig);
    st->sig.digest[0] ^= 1;
    int tampered = bench_sig_verify(&st->sig);
    st->sig.digest[0] ^= 1;
    if (good == 1 && tampered == 0) return 0;
    snprintf(err, errlen, "self-check failed: signature verify gave %d, tampered digest gave %d",
             good, tampered);
    return -1;
}

static void sig_teardown(item_state_t *st)
{
    bench_sig_free(&st->sig);
}

/* --- AEAD records ------------------------------------------------------- */

static void fill_plaintext(unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 31 + 7);
}

static int aead_setup(item_state_t *st, const char *cipher)
{
    fill_plaintext(st->in, sizeof st->in);
    return bench_aead_init(&st->aead, cipher);
}

static int seal_op(item_state_t *st, uint64_t seq)
{
    st->last_seq = seq;
    return bench_aead_seal(&st->aead, seq, st->in, sizeof st->in, st->out, st->tag);
}

/* The last sealed record is not the plaintext and opens back to it. */
static int aead_check(item_state_t *st, char *err, size_t errlen)
{
    if (memcmp(st->out, st->in, sizeof st->in) == 0) {
        snprintf(err, errlen, "self-check failed: ciphertext equals plaintext");
        return -1;
    }
    if (bench_aead_open(&st->aead, st->last_seq, st->out, sizeof st->out, st->tag, st->back) != 0 ||
        memcmp(st->back, st->in, sizeof st->back) != 0) {
        snprintf(err, errlen, "self-check failed: record %llu did not decrypt back",
                 (unsigned long long)st->last_seq);
        return -1;
    }
    return 0;
}

static void aead_teardown(item_state_t *st)
{
    bench_aead_free(&st->aead);
}

/* --- digest ------------------------------------------------------------- */

static int digest_setup(item_state_t *st, const char *name)
{
    fill_plaintext(st->in, sizeof st->in);
    return bench_digest_init(&st->digest, name);
}

static int digest_op(item_state_t *st, uint64_t seq)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    return bench_digest_run(&st->digest, st->in, sizeof st->in, md, &len);
}

/* Known answer: SHA-256("abc") from FIPS 180-2 appendix B.1. */
static int digest_check(item_state_t *st, char *err, size_t errlen)
{
    static const unsigned char want[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea,
                                           0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                                           0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c,
                                           0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    if (bench_digest_run(&st->digest, (const unsigned char *)"abc", 3, md, &len) == 0 &&
        len == sizeof want && memcmp(md, want, len) == 0)
        return 0;
    snprintf(err, errlen, "self-check failed: SHA-256(\"abc\") is wrong");
    return -1;
}

static void digest_teardown(item_state_t *st)
{
    bench_digest_free(&st->digest);
}

static const item_def_t items[] = {
    {"x25519", "X25519 keygen+derive", "X25519", 0, kex_setup, kex_op, kex_check, kex_teardown},
    {"p256_ecdh", "P-256 ECDH keygen+derive", "P-256", 0, kex_setup, kex_op, kex_check,
     kex_teardown},
    {"ecdsa_p256_sign", "ECDSA P-256 sign", "P-256", 0, sig_setup, sign_op, sig_check,
     sig_teardown},
    {"ecdsa_p256_verify", "ECDSA P-256 verify", "P-256", 0, sig_setup, verify_op, sig_check,
     sig_teardown},
    {"aes_128_gcm", "AES-128-GCM seal 16 KiB", "AES-128-GCM", BENCH_RECORD_BYTES, aead_setup,
     seal_op, aead_check, aead_teardown},
    {"aes_256_gcm", "AES-256-GCM seal 16 KiB", "AES-256-GCM", BENCH_RECORD_BYTES, aead_setup,
     seal_op, aead_check, aead_teardown},
    {"chacha20_poly1305", "ChaCha20-Poly1305 seal 16 KiB", "ChaCha20-Poly1305", BENCH_RECORD_BYTES,
     aead_setup, seal_op, aead_check, aead_teardown},
    {"sha256", "SHA-256 16 KiB", "SHA256", BENCH_RECORD_BYTES, digest_setup, digest_op,
     digest_check, digest_teardown},
};
#define ITEM_COUNT (sizeof items / sizeof items[0])

typedef struct timing {
    uint64_t iterations;
    uint64_t wall_ns, cpu_ns;
} timing_t;

/* Run op until the deadline (checked after every operation: the cheapest
 * operation here costs microseconds, a clock read tens of nanoseconds). */
static int run_for(const item_def_t *d, item_state_t *st, double seconds, uint64_t *seq,
                   timing_t *t)
{
    mono_ns start = clock_now();
    uint64_t cpu0 = clock_thread_cpu();
    mono_ns deadline = start + (mono_ns)(seconds * 1e9);
    uint64_t n = 0;
    do {
        if (d->op(st, (*seq)++) != 0) return -1;
        n++;
    } while (clock_now() < deadline && n < MAX_ITERATIONS);
    t->iterations = n;
    t->cpu_ns = clock_thread_cpu() - cpu0;
    t->wall_ns = clock_now() - start;
    return 0;
}

static json_t *item_json(const item_def_t *d, const timing_t *t, const char *error)
{
    json_t *o = json_object();
    json_object_set_new(o, "label", json_string(d->label));
    json_object_set_new(o, "unit", json_string(d->bytes ? "MB/s" : "ops/s"));
    if (error) {
        json_object_set_new(o, "error", json_string(error));
        return o;
    }
    /* A clock too coarse to see one operation must not produce 0 or inf. */
    double cpu_s = (t->cpu_ns ? t->cpu_ns : 1) / 1e9;
    double wall_s = (t->wall_ns ? t->wall_ns : 1) / 1e9;
    double n = (double)t->iterations;
    json_object_set_new(o, "iterations", json_integer((json_int_t)t->iterations));
    json_object_set_new(o, "wall_s", json_real(wall_s));
    json_object_set_new(o, "cpu_s", json_real(cpu_s));
    json_object_set_new(o, "cpu_share", json_real(cpu_s / wall_s));
    json_object_set_new(o, "ops_per_s", json_real(n / cpu_s));
    json_object_set_new(o, "us_per_op", json_real(cpu_s / n * 1e6));
    if (d->bytes) {
        json_object_set_new(o, "record_bytes", json_integer((json_int_t)d->bytes));
        json_object_set_new(o, "mb_per_s", json_real(n * (double)d->bytes / cpu_s / 1e6));
    }
    return o;
}

static json_t *run_item(const item_def_t *d, item_state_t *st, double seconds)
{
    char error[256] = "";
    timing_t t = {0};
    uint64_t seq = 0;
    if (d->setup(st, d->alg) != 0) {
        snprintf(error, sizeof error, "setup of %s failed (not in this OpenSSL's providers?)",
                 d->alg);
        return item_json(d, &t, error);
    }
    /* Warm-up: page in code and tables, let the core leave idle clocks. */
    timing_t warm;
    int rc = run_for(d, st, seconds * 0.1, &seq, &warm);
    if (rc == 0) rc = run_for(d, st, seconds, &seq, &t);
    if (rc != 0)
        snprintf(error, sizeof error, "operation %llu failed", (unsigned long long)seq);
    else
        d->check(st, error, sizeof error);
    d->teardown(st);
    return item_json(d, &t, error[0] ? error : NULL);
}

static int wanted(const char *only, const char *key)
{
    if (!only) return 1;
    size_t klen = strlen(key);
    for (const char *p = only; *p;) {
        size_t len = strcspn(p, ",");
        if (len == klen && !strncmp(p, key, klen)) return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static int check_only(const char *only, char *err, size_t errlen)
{
    for (const char *p = only; p && *p;) {
        size_t len = strcspn(p, ",");
        int known = 0;
        for (size_t i = 0; i < ITEM_COUNT && !known; i++)
            known = strlen(items[i].key) == len && !strncmp(p, items[i].key, len);
        if (!known) {
            snprintf(err, errlen, "unknown item '%.*s' (items: %s)", (int)len, p,
                     BENCH_CRYPTO_ITEMS);
            return -1;
        }
        p += len + (p[len] == ',');
    }
    if (only && !*only) {
        snprintf(err, errlen, "empty item list (items: %s)", BENCH_CRYPTO_ITEMS);
        return -1;
    }
    return 0;
}

json_t *bench_crypto_run_items(double seconds_per_item, const char *only, char *err, size_t errlen)
{
    if (check_only(only, err, errlen) != 0) return NULL;
    if (!(seconds_per_item >= 0)) seconds_per_item = 0; /* also catches NaN */
    if (seconds_per_item > MAX_SECONDS) seconds_per_item = MAX_SECONDS;
    item_state_t *st = calloc(1, sizeof *st);
    json_t *res = json_object(), *list = json_object();
    if (!st || !res || !list) {
        free(st);
        json_decref(res);
        json_decref(list);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    json_object_set_new(res, "seconds_per_item", json_real(seconds_per_item));
    json_object_set_new(res, "record_bytes", json_integer(BENCH_RECORD_BYTES));
    json_object_set_new(res, "rate_basis", json_string("thread_cpu"));
    for (size_t i = 0; i < ITEM_COUNT; i++) {
        if (!wanted(only, items[i].key)) continue;
        memset(st, 0, sizeof *st);
        json_object_set_new(list, items[i].key, run_item(&items[i], st, seconds_per_item));
    }
    json_object_set_new(res, "items", list);
    free(st);
    return res;
}

json_t *bench_crypto_run(double seconds_per_item)
{
    char err[256];
    return bench_crypto_run_items(seconds_per_item, NULL, err, sizeof err);
}

size_t bench_crypto_errors(const json_t *result)
{
    size_t n = 0;
    const char *key;
    json_t *item;
    json_object_foreach(json_object_get(result, "items"), key, item)
    {
        if (json_object_get(item, "error")) n++;
    }
    return n;
}
