/* platform.h - a fingerprint of the machine a measurement ran on.
 *
 * Handshake and record costs depend on the CPU's crypto instructions far more
 * than on its clock: AES-GCM is several times faster with AES-NI/PMULL than
 * without, while ChaCha20-Poly1305 only needs plain SIMD. A report from an ARM
 * box and one from an x86 box are only comparable when each says which
 * instructions it had, so every report carries this object (the `platform`
 * key of docs/report-format.md). */
#ifndef TLSPROF_PLATFORM_H
#define TLSPROF_PLATFORM_H

#include <stddef.h>
#include <jansson.h>

/* {arch, cpu_model, cores, cpus_allowed, openssl_version, kernel,
 *  crypto_caps: {name: bool, ...}} plus `openssl_ia32cap` / `openssl_armcap`
 * when that environment variable is set (it masks capabilities inside
 * OpenSSL, so benchmark numbers no longer follow crypto_caps).
 * Returns a new reference, or NULL when out of memory. */
json_t *platform_json(void);

/* The CPU's crypto capabilities as the CPU reports them: CPUID on x86
 * (the same leaves OpenSSL's own capability probe reads, including the
 * XGETBV check that the kernel saves AVX state), getauxval(AT_HWCAP) on
 * aarch64. Keys: x86: aes_ni, pclmulqdq, avx, avx2, sha_ni, vaes,
 * vpclmulqdq, avx512f; aarch64: aes, pmull, sha1, sha2, sha512, sha3.
 * Other architectures: an empty object. */
json_t *platform_crypto_caps(void);

/* Human name of the CPU from the text of /proc/cpuinfo: x86 "model name";
 * ARM "CPU implementer" + "CPU part" mapped to a product name (e.g.
 * "ARM Neoverse-N1"), else "Hardware", else "model name". Writes "unknown"
 * when nothing fits. Split out from platform_json so it can be tested on
 * cpuinfo text of machines we do not have. */
void platform_cpu_model_from_cpuinfo(const char *cpuinfo, char *out, size_t outlen);

/* Product name of an ARM core from its MIDR implementer and part number
 * (e.g. 0x41, 0xd0c -> "ARM Neoverse-N1"), or NULL when we do not know it. */
const char *platform_arm_core_name(unsigned implementer, unsigned part);

#endif
