/* bench_crypto.h - `tlsprof bench-crypto`: how fast this machine does the
 * crypto a TLS 1.3 connection needs, through the same OpenSSL EVP code paths.
 *
 * Lets a reader tell whether a handshake or throughput difference between two
 * machines (say Graviton and x86) is the CPU's crypto or something else, and
 * which cipher profile suits a CPU (AES-GCM with AES instructions, ChaCha20
 * without). See docs/ciphers.md. */
#ifndef TLSPROF_BENCH_CRYPTO_H
#define TLSPROF_BENCH_CRYPTO_H

#include <stddef.h>
#include <stdio.h>
#include <jansson.h>

/* Item keys, in the order they run and print. */
#define BENCH_CRYPTO_ITEMS                                                                         \
    "x25519, p256_ecdh, ecdsa_p256_sign, ecdsa_p256_verify, aes_128_gcm, aes_256_gcm, "            \
    "chacha20_poly1305, sha256"

/* Run every item for about seconds_per_item of wall time each (at least one
 * operation each, even with 0). Returns the `crypto_bench` object:
 *   {"seconds_per_item": s, "record_bytes": 16384, "rate_basis": "thread_cpu",
 *    "items": {key: {label, unit ("ops/s" | "MB/s"), iterations, wall_s, cpu_s,
 *                    cpu_share, ops_per_s, us_per_op, [record_bytes, mb_per_s],
 *                    [error]}}}
 * Rates (ops_per_s, us_per_op, mb_per_s) use the thread's CPU time, so other load on the machine
 * does not lower them; cpu_share (cpu_s / wall_s) below ~0.9 says the run was preempted. An item
 * whose self-check failed (a record that did not decrypt back, sides of a key agreement that
 * disagree, a signature that did not verify) carries "error" and no rates. Returns NULL when out of
 * memory. */
json_t *bench_crypto_run(double seconds_per_item);

/* Same, for a subset: `only` is a comma-separated list of item keys (NULL =
 * all). Returns NULL and writes a message into err for an unknown key. */
json_t *bench_crypto_run_items(double seconds_per_item, const char *only, char *err, size_t errlen);

/* Number of items in a bench_crypto_run result that carry "error". */
size_t bench_crypto_errors(const json_t *result);

/* Print the result as a table (one line per item) to f; platform may be NULL. */
void bench_crypto_print(FILE *f, const json_t *platform, const json_t *result);

#endif
