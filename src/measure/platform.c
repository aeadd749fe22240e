/* platform.c - machine fingerprint for reports: architecture, CPU model,
 * core count, OpenSSL and kernel versions, and the CPU's crypto instructions.
 *
 * Why CPUID and not OpenSSL's own view: OPENSSL_ia32cap_P (the capability
 * vector OpenSSL fills at start-up) is not public API in OpenSSL 3.0, and
 * OpenSSL fills it from the very same CPUID leaves and XGETBV check we read
 * here. What OpenSSL then uses can only differ when the OPENSSL_ia32cap
 * (x86) or OPENSSL_armcap (ARM) environment variable masks bits, so we copy
 * those variables into the fingerprint when they are set. */
#include "measure/platform.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <sched.h>
#include <openssl/crypto.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#elif defined(__aarch64__)
#include <sys/auxv.h>
#include <asm/hwcap.h>
#endif

#define CPUINFO_MAX (1u << 20) /* enough for 256+ cores of cpuinfo text */

#if defined(__x86_64__) || defined(__i386__)
/* XCR0 bits 1 and 2: the OS saves SSE and AVX (YMM) state on context switch.
 * Without both, AVX instructions fault even when CPUID advertises them. */
static int os_saves_ymm(void)
{
    unsigned eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return (eax & 0x6) == 0x6;
}

static void add_x86_caps(json_t *caps)
{
    unsigned a = 0, b = 0, c = 0, d = 0;
    unsigned l1c = 0, l7b = 0, l7c = 0;
    if (__get_cpuid(1, &a, &b, &c, &d)) l1c = c;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        l7b = b;
        l7c = c;
    }
    int ymm = (l1c & bit_OSXSAVE) && os_saves_ymm();
    json_object_set_new(caps, "aes_ni", json_boolean(l1c & bit_AES));
    json_object_set_new(caps, "pclmulqdq", json_boolean(l1c & bit_PCLMUL));
    json_object_set_new(caps, "avx", json_boolean(ymm && (l1c & bit_AVX)));
    json_object_set_new(caps, "avx2", json_boolean(ymm && (l7b & bit_AVX2)));
    json_object_set_new(caps, "sha_ni", json_boolean(l7b & bit_SHA));
    /* VAES/VPCLMULQDQ operate on YMM/ZMM registers, so they need AVX state. */
    json_object_set_new(caps, "vaes", json_boolean(ymm && (l7c & (1u << 9))));
    json_object_set_new(caps, "vpclmulqdq", json_boolean(ymm && (l7c & (1u << 10))));
    json_object_set_new(caps, "avx512f", json_boolean(ymm && (l7b & bit_AVX512F)));
}
#endif

#if defined(__aarch64__)
/* Older kernel headers lack the newer bits; the values are ABI. */
#ifndef HWCAP_SHA3
#define HWCAP_SHA3 (1ul << 17)
#endif
#ifndef HWCAP_SHA512
#define HWCAP_SHA512 (1ul << 21)
#endif
static void add_arm_caps(json_t *caps)
{
    unsigned long hw = getauxval(AT_HWCAP);
    json_object_set_new(caps, "aes", json_boolean(hw & HWCAP_AES));
    json_object_set_new(caps, "pmull", json_boolean(hw & HWCAP_PMULL));
    json_object_set_new(caps, "sha1", json_boolean(hw & HWCAP_SHA1));
    json_object_set_new(caps, "sha2", json_boolean(hw & HWCAP_SHA2));
    json_object_set_new(caps, "sha512", json_boolean(hw & HWCAP_SHA512));
    json_object_set_new(caps, "sha3", json_boolean(hw & HWCAP_SHA3));
}
#endif

json_t *platform_crypto_caps(void)
{
    json_t *caps = json_object();
    if (!caps) return NULL;
#if defined(__x86_64__) || defined(__i386__)
    add_x86_caps(caps);
#elif defined(__aarch64__)
    add_arm_caps(caps);
#endif
    return caps;
}

typedef struct arm_core {
    unsigned implementer, part;
    const char *name;
} arm_core_t;

/* MIDR_EL1 implementer/part pairs of cores people run servers and boards on
 * (Graviton2 = Neoverse-N1, Graviton3 = V1, Graviton4 = V2, Raspberry Pi 4 =
 * Cortex-A72, Pi 5 = Cortex-A76). */
static const arm_core_t arm_cores[] = {
    {0x41, 0xd03, "ARM Cortex-A53"},
    {0x41, 0xd04, "ARM Cortex-A35"},
    {0x41, 0xd05, "ARM Cortex-A55"},
    {0x41, 0xd07, "ARM Cortex-A57"},
    {0x41, 0xd08, "ARM Cortex-A72"},
    {0x41, 0xd09, "ARM Cortex-A73"},
    {0x41, 0xd0a, "ARM Cortex-A75"},
    {0x41, 0xd0b, "ARM Cortex-A76"},
    {0x41, 0xd0c, "ARM Neoverse-N1"},
    {0x41, 0xd0d, "ARM Cortex-A77"},
    {0x41, 0xd40, "ARM Neoverse-V1"},
    {0x41, 0xd41, "ARM Cortex-A78"},
    {0x41, 0xd44, "ARM Cortex-X1"},
    {0x41, 0xd46, "ARM Cortex-A510"},
    {0x41, 0xd47, "ARM Cortex-A710"},
    {0x41, 0xd48, "ARM Cortex-X2"},
    {0x41, 0xd49, "ARM Neoverse-N2"},
    {0x41, 0xd4a, "ARM Neoverse-E1"},
    {0x41, 0xd4b, "ARM Cortex-A78C"},
    {0x41, 0xd4d, "ARM Cortex-A715"},
    {0x41, 0xd4e, "ARM Cortex-X3"},
    {0x41, 0xd4f, "ARM Neoverse-V2"},
    {0x41, 0xd80, "ARM Cortex-A520"},
    {0x41, 0xd81, "ARM Cortex-A720"},
    {0x41, 0xd82, "ARM Cortex-X4"},
    {0x41, 0xd84, "ARM Neoverse-V3"},
    {0x41, 0xd8e, "ARM Neoverse-N3"},
    {0x43, 0x0af, "Cavium ThunderX2"},
    {0x48, 0xd01, "HiSilicon Kunpeng-920"},
    {0xc0, 0xac3, "Ampere-1"},
    {0xc0, 0xac4, "Ampere-1a"},
};

static const char *arm_implementer_name(unsigned implementer)
{
    switch (implementer) {
    case 0x41:
        return "ARM";
    case 0x42:
        return "Broadcom";
    case 0x43:
        return "Cavium";
    case 0x48:
        return "HiSilicon";
    case 0x4e:
        return "NVIDIA";
    case 0x51:
        return "Qualcomm";
    case 0x61:
        return "Apple";
    case 0xc0:
        return "Ampere";
    default:
        return NULL;
    }
}

const char *platform_arm_core_name(unsigned implementer, unsigned part)
{
    for (size_t i = 0; i < sizeof arm_cores / sizeof arm_cores[0]; i++)
        if (arm_cores[i].implementer == implementer && arm_cores[i].part == part)
            return arm_cores[i].name;
    return NULL;
}

/* If `line` is "key<spaces/tabs>: value", return value (trimmed); else NULL. */
static const char *cpuinfo_value(const char *line, size_t linelen, const char *key, char *buf,
                                 size_t buflen)
{
    size_t klen = strlen(key);
    if (linelen < klen || strncmp(line, key, klen) != 0) return NULL;
    size_t i = klen;
    while (i < linelen && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (i >= linelen || line[i] != ':') return NULL;
    i++;
    while (i < linelen && (line[i] == ' ' || line[i] == '\t'))
        i++;
    size_t end = linelen;
    while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
        end--;
    size_t n = end - i < buflen - 1 ? end - i : buflen - 1;
    memcpy(buf, line + i, n);
    buf[n] = '\0';
    return buf;
}

/* Append `name` to the " + "-joined list in out unless already present
 * (big.LITTLE boards list two or three core types). */
static void append_unique(char *out, size_t outlen, const char *name)
{
    const char *p = out;
    size_t nlen = strlen(name);
    while ((p = strstr(p, name)) != NULL) {
        int starts = p == out || (p >= out + 3 && !strncmp(p - 3, " + ", 3));
        int ends = p[nlen] == '\0' || !strncmp(p + nlen, " + ", 3);
        if (starts && ends) return;
        p += nlen;
    }
    size_t used = strlen(out);
    snprintf(out + used, outlen - used, "%s%s", used ? " + " : "", name);
}

static void note_arm_core(char *cores, size_t coreslen, long implementer, unsigned part)
{
    char unknown[64];
    const char *name =
        implementer >= 0 ? platform_arm_core_name((unsigned)implementer, part) : NULL;
    if (!name) {
        const char *vendor = implementer >= 0 ? arm_implementer_name((unsigned)implementer) : NULL;
        if (vendor)
            snprintf(unknown, sizeof unknown, "%s part 0x%03x", vendor, part);
        else
            snprintf(unknown, sizeof unknown, "implementer 0x%02lx part 0x%03x",
                     (unsigned long)(implementer >= 0 ? implementer : 0), part);
        name = unknown;
    }
    append_unique(cores, coreslen, name);
}

void platform_cpu_model_from_cpuinfo(const char *cpuinfo, char *out, size_t outlen)
{
    char model[256] = "", hardware[256] = "", cores[256] = "", val[256];
    long implementer = -1;
    const char *line = cpuinfo ? cpuinfo : "";
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        if (cpuinfo_value(line, len, "model name", val, sizeof val)) {
            if (!model[0]) snprintf(model, sizeof model, "%s", val);
        } else if (cpuinfo_value(line, len, "Hardware", val, sizeof val)) {
            if (!hardware[0]) snprintf(hardware, sizeof hardware, "%s", val);
        } else if (cpuinfo_value(line, len, "CPU implementer", val, sizeof val)) {
            implementer = strtol(val, NULL, 0);
        } else if (cpuinfo_value(line, len, "CPU part", val, sizeof val)) {
            note_arm_core(cores, sizeof cores, implementer, (unsigned)strtoul(val, NULL, 0));
        }
        line += len + (nl ? 1 : 0);
    }
    /* On ARM "model name" is often a generic "ARMv8 Processor rev 1 (v8l)",
     * so the decoded core names win over it. */
    const char *best = cores[0] ? cores : model[0] ? model : hardware[0] ? hardware : "unknown";
    snprintf(out, outlen, "%s", best);
}

/* Read the whole of a /proc file (its size is reported as 0, so read until
 * EOF). Returns a malloc'd NUL-terminated string or NULL. */
static char *read_proc_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t cap = 64 * 1024, len = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0 || len >= CPUINFO_MAX) break;
        if (len == cap) {
            char *bigger = realloc(buf, cap * 2 + 1);
            if (!bigger) break;
            buf = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

static void set_env_copy(json_t *obj, const char *key, const char *var)
{
    const char *v = getenv(var);
    if (v) json_object_set_new(obj, key, json_string(v));
}

json_t *platform_json(void)
{
    json_t *p = json_object();
    if (!p) return NULL;
    struct utsname u;
    int have_uname = uname(&u) == 0;
    json_object_set_new(p, "arch", json_string(have_uname ? u.machine : "unknown"));

    char model[256];
    char *cpuinfo = read_proc_file("/proc/cpuinfo");
    platform_cpu_model_from_cpuinfo(cpuinfo, model, sizeof model);
    free(cpuinfo);
    json_object_set_new(p, "cpu_model", json_string(model));

    long online = sysconf(_SC_NPROCESSORS_ONLN);
    json_object_set_new(p, "cores", json_integer(online > 0 ? online : 0));
    /* What this process may run on (taskset, cgroup cpusets) can be fewer. */
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        json_object_set_new(p, "cpus_allowed", json_integer(CPU_COUNT(&set)));

    json_object_set_new(p, "openssl_version", json_string(OpenSSL_version(OPENSSL_VERSION)));
    json_object_set_new(p, "kernel", json_string(have_uname ? u.release : "unknown"));
    json_object_set_new(p, "crypto_caps", platform_crypto_caps());
    set_env_copy(p, "openssl_ia32cap", "OPENSSL_ia32cap");
    set_env_copy(p, "openssl_armcap", "OPENSSL_armcap");
    return p;
}
