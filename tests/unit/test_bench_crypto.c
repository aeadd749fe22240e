/* test_bench_crypto.c - bench-crypto measures real work and reports it.
 *
 * No speed is asserted (that would be a benchmark, not a test). What is
 * asserted: the operations do what they claim (records decrypt back with an
 * independently built nonce and AAD, both sides of a key agreement agree,
 * signatures verify and tampering breaks them), the result has its keys and
 * positive rates, and the command line accepts and rejects what it should. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench/bench_crypto.h"
#include "cli/commands.h"
#include "bench/crypto_ops.h"
#include "config/exit_codes.h"

static const char *all_items[] = {
    "x25519",      "p256_ecdh",   "ecdsa_p256_sign",   "ecdsa_p256_verify",
    "aes_128_gcm", "aes_256_gcm", "chacha20_poly1305", "sha256"};
#define N_ITEMS (sizeof all_items / sizeof all_items[0])

static void test_tiny_run_has_every_item_with_positive_rates(void **state)
{
    json_t *r = bench_crypto_run(0.001);
    assert_non_null(r);
    assert_int_equal(bench_crypto_errors(r), 0);
    assert_true(json_number_value(json_object_get(r, "record_bytes")) == BENCH_RECORD_BYTES);
    assert_string_equal(json_string_value(json_object_get(r, "rate_basis")), "thread_cpu");
    json_t *items = json_object_get(r, "items");
    assert_int_equal(json_object_size(items), N_ITEMS);
    for (size_t i = 0; i < N_ITEMS; i++) {
        json_t *it = json_object_get(items, all_items[i]);
        if (!it) fail_msg("item %s missing", all_items[i]);
        assert_null(json_object_get(it, "error"));
        assert_true(json_is_string(json_object_get(it, "label")));
        assert_true(json_integer_value(json_object_get(it, "iterations")) >= 1);
        const char *rates[] = {"ops_per_s", "us_per_op", "wall_s", "cpu_s", "cpu_share"};
        for (size_t k = 0; k < 5; k++) {
            json_t *v = json_object_get(it, rates[k]);
            if (!json_is_number(v) || !(json_number_value(v) > 0))
                fail_msg("%s.%s is not a positive number", all_items[i], rates[k]);
        }
        /* us_per_op and ops_per_s describe the same measurement. */
        double product = json_number_value(json_object_get(it, "ops_per_s")) *
                         json_number_value(json_object_get(it, "us_per_op"));
        assert_true(product > 0.999e6 && product < 1.001e6);
        int throughput = !strncmp(all_items[i], "aes", 3) || !strncmp(all_items[i], "cha", 3) ||
                         !strcmp(all_items[i], "sha256");
        assert_string_equal(json_string_value(json_object_get(it, "unit")),
                            throughput ? "MB/s" : "ops/s");
        if (throughput) {
            double ops = json_number_value(json_object_get(it, "ops_per_s"));
            double mb = json_number_value(json_object_get(it, "mb_per_s"));
            assert_true(mb > 0);
            assert_true(mb > ops * 16384 / 1e6 * 0.999 && mb < ops * 16384 / 1e6 * 1.001);
        } else {
            assert_null(json_object_get(it, "mb_per_s"));
        }
    }
    json_decref(r);
}

/* Decrypt with our own EVP calls, nonce and AAD built here from RFC 8446
 * section 5.2/5.3, not with the benchmark's helpers. */
static int independent_open(const char *name, const bench_aead_t *a, uint64_t seq,
                            const unsigned char *ct, size_t len, const unsigned char *tag,
                            unsigned char *pt)
{
    unsigned char nonce[12],
        aad[5] = {0x17, 0x03, 0x03, (unsigned char)((len + 16) >> 8), (unsigned char)(len + 16)};
    unsigned char t[16];
    memcpy(nonce, a->iv, 12);
    for (int i = 0; i < 8; i++)
        nonce[4 + i] ^= (unsigned char)(seq >> (56 - 8 * i));
    memcpy(t, tag, 16);
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    int ok = EVP_DecryptInit_ex(c, EVP_get_cipherbyname(name), NULL, a->key, nonce) &&
             EVP_DecryptUpdate(c, NULL, &n, aad, sizeof aad) &&
             EVP_DecryptUpdate(c, pt, &n, ct, (int)len) &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, t) &&
             EVP_DecryptFinal_ex(c, pt + n, &fin) > 0 && (size_t)(n + fin) == len;
    EVP_CIPHER_CTX_free(c);
    return ok;
}

static void check_aead(const char *name)
{
    static unsigned char pt[BENCH_RECORD_BYTES], ct[BENCH_RECORD_BYTES], ct2[BENCH_RECORD_BYTES],
        back[BENCH_RECORD_BYTES];
    unsigned char tag[16], tag2[16];
    for (size_t i = 0; i < sizeof pt; i++)
        pt[i] = (unsigned char)(i * 7 + 1);
    bench_aead_t a;
    assert_int_equal(bench_aead_init(&a, name), 0);
    assert_int_equal(bench_aead_seal(&a, 5, pt, sizeof pt, ct, tag), 0);
    assert_memory_not_equal(ct, pt, sizeof pt);
    memset(back, 0, sizeof back);
    if (!independent_open(name, &a, 5, ct, sizeof ct, tag, back))
        fail_msg("%s: record 5 did not decrypt independently", name);
    assert_memory_equal(back, pt, sizeof pt);
    /* The benchmark's own open agrees, and rejects a flipped ciphertext bit. */
    assert_int_equal(bench_aead_open(&a, 5, ct, sizeof ct, tag, back), 0);
    assert_memory_equal(back, pt, sizeof pt);
    ct[100] ^= 0x20;
    assert_int_equal(bench_aead_open(&a, 5, ct, sizeof ct, tag, back), -1);
    assert_false(independent_open(name, &a, 5, ct, sizeof ct, tag, back));
    ct[100] ^= 0x20;
    /* The wrong sequence number is the wrong nonce. */
    assert_false(independent_open(name, &a, 6, ct, sizeof ct, tag, back));
    /* Each record gets its own nonce, so the same plaintext seals differently. */
    assert_int_equal(bench_aead_seal(&a, 6, pt, sizeof pt, ct2, tag2), 0);
    assert_memory_not_equal(ct, ct2, sizeof ct);
    assert_true(independent_open(name, &a, 6, ct2, sizeof ct2, tag2, back));
    bench_aead_free(&a);
}

static void test_aead_records_really_encrypt(void **state)
{
    check_aead("AES-128-GCM");
    check_aead("AES-256-GCM");
    check_aead("ChaCha20-Poly1305");
}

static void check_kex(const char *group, size_t want_len)
{
    bench_kex_t k;
    unsigned char s1[128], s2[128], peer_side[128];
    size_t l1 = sizeof s1, l2 = sizeof s2, lp = sizeof peer_side;
    EVP_PKEY *mine = NULL;
    assert_int_equal(bench_kex_init(&k, group), 0);
    assert_int_equal(bench_kex_run(&k, s1, &l1, &mine), 0);
    assert_int_equal(l1, want_len);
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, k.peer, NULL);
    assert_true(EVP_PKEY_derive_init(c) > 0);
    assert_true(EVP_PKEY_derive_set_peer(c, mine) > 0);
    assert_true(EVP_PKEY_derive(c, peer_side, &lp) > 0);
    assert_int_equal(lp, l1);
    assert_memory_equal(peer_side, s1, l1);
    /* A fresh key pair per operation: the next secret differs. */
    assert_int_equal(bench_kex_run(&k, s2, &l2, NULL), 0);
    assert_memory_not_equal(s1, s2, l1);
    EVP_PKEY_CTX_free(c);
    EVP_PKEY_free(mine);
    bench_kex_free(&k);
}

static void test_key_agreement_sides_agree(void **state)
{
    check_kex("X25519", 32);
    check_kex("P-256", 32);
}

static void test_signatures_verify_and_tampering_breaks_them(void **state)
{
    bench_sig_t s;
    assert_int_equal(bench_sig_init(&s), 0);
    assert_int_equal(bench_sig_sign(&s), 0);
    assert_true(s.sig_len > 0);
    /* Verify through a separate context of our own. */
    EVP_PKEY_CTX *v = EVP_PKEY_CTX_new_from_pkey(NULL, s.key, NULL);
    assert_true(EVP_PKEY_verify_init(v) > 0);
    assert_int_equal(EVP_PKEY_verify(v, s.sig, s.sig_len, s.digest, sizeof s.digest), 1);
    EVP_PKEY_CTX_free(v);
    assert_int_equal(bench_sig_verify(&s), 1);
    s.digest[5] ^= 1;
    assert_int_equal(bench_sig_verify(&s), 0);
    bench_sig_free(&s);
}

static void test_only_selects_and_rejects(void **state)
{
    char err[512] = "";
    json_t *r = bench_crypto_run_items(0.001, "sha256,x25519", err, sizeof err);
    assert_non_null(r);
    json_t *items = json_object_get(r, "items");
    assert_int_equal(json_object_size(items), 2);
    assert_non_null(json_object_get(items, "sha256"));
    assert_non_null(json_object_get(items, "x25519"));
    json_decref(r);

    assert_null(bench_crypto_run_items(0.001, "sha256,aes128", err, sizeof err));
    assert_non_null(strstr(err, "unknown item 'aes128'"));
    assert_null(bench_crypto_run_items(0.001, "", err, sizeof err));
    assert_non_null(strstr(err, "empty"));
}

static int run_bench_main(int argc, const char **argv)
{
    return bench_crypto_main(argc, (char **)argv);
}

static void test_cli_writes_json_and_rejects_bad_options(void **state)
{
    char path[] = "/tmp/tlsprof-bench-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    const char *ok[] = {"bench-crypto", "--seconds", "0.001", "--only=aes_128_gcm,x25519",
                        "--json",       path};
    assert_int_equal(run_bench_main(6, ok), EXIT_OK);
    json_error_t jerr;
    json_t *doc = json_load_file(path, 0, &jerr);
    unlink(path);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(json_object_get(doc, "tool"), "name")),
                        "tlsprof");
    json_t *platform = json_object_get(doc, "platform");
    assert_true(json_is_object(json_object_get(platform, "crypto_caps")));
    json_t *items = json_object_get(json_object_get(platform, "crypto_bench"), "items");
    assert_int_equal(json_object_size(items), 2);
    assert_true(
        json_number_value(json_object_get(json_object_get(items, "aes_128_gcm"), "mb_per_s")) > 0);
    json_decref(doc);

    const char *bad[][3] = {
        {"bench-crypto", "--seconds", "0"},  {"bench-crypto", "--seconds", "abc"},
        {"bench-crypto", "--seconds", "61"}, {"bench-crypto", "--seconds", "nan"},
        {"bench-crypto", "--only", "nope"},  {"bench-crypto", "--bogus", "1"},
        {"bench-crypto", "extra", "args"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (run_bench_main(3, bad[i]) != EXIT_USAGE)
            fail_msg("%s %s accepted", bad[i][1], bad[i][2]);
    const char *missing[] = {"bench-crypto", "--json"};
    assert_int_equal(run_bench_main(2, missing), EXIT_USAGE);
    const char *unwritable[] = {"bench-crypto", "--seconds=0.001", "--only",
                                "sha256",       "--json",          "/nonexistent-dir/x.json"};
    assert_int_equal(run_bench_main(6, unwritable), EXIT_INTERNAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_run_has_every_item_with_positive_rates),
        cmocka_unit_test(test_aead_records_really_encrypt),
        cmocka_unit_test(test_key_agreement_sides_agree),
        cmocka_unit_test(test_signatures_verify_and_tampering_breaks_them),
        cmocka_unit_test(test_only_selects_and_rejects),
        cmocka_unit_test(test_cli_writes_json_and_rejects_bad_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
