/* test_platform.c - the machine fingerprint matches what the kernel says.
 *
 * Independent truth: the capability flags and processor lines of
 * /proc/cpuinfo (the kernel's own CPUID/HWCAP decoding) and `uname -r`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "measure/platform.h"

/* The whitespace-separated word list following "key : " on the first line
 * that starts with key, e.g. "flags" on x86 or "Features" on ARM. */
static int cpuinfo_first_line(const char *key, char *out, size_t outlen)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f) return -1;
    char line[8192];
    int found = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, strlen(key)) != 0) continue;
        char *colon = strchr(line, ':');
        if (!colon) continue;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
            v++;
        v[strcspn(v, "\r\n")] = '\0';
        size_t n = strlen(v);
        while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
            v[--n] = '\0';
        snprintf(out, outlen, "%s", v);
        found = 0;
        break;
    }
    fclose(f);
    return found;
}

static int has_word(const char *list, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        int starts = p == list || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends) return 1;
    }
    return 0;
}

static void test_fields_present(void **state)
{
    json_t *p = platform_json();
    assert_non_null(p);
    const char *strings[] = {"arch", "cpu_model", "openssl_version", "kernel"};
    for (size_t i = 0; i < 4; i++) {
        json_t *v = json_object_get(p, strings[i]);
        assert_true(json_is_string(v));
        assert_true(strlen(json_string_value(v)) > 0);
    }
    assert_true(json_is_integer(json_object_get(p, "cores")));
    assert_true(json_integer_value(json_object_get(p, "cores")) >= 1);
    assert_true(json_is_object(json_object_get(p, "crypto_caps")));
    assert_non_null(strstr(json_string_value(json_object_get(p, "openssl_version")), "OpenSSL 3."));
    json_decref(p);
}

static void test_kernel_and_cores_match_system(void **state)
{
    json_t *p = platform_json();
    FILE *u = popen("uname -r", "r");
    assert_non_null(u);
    char release[256] = "";
    assert_non_null(fgets(release, sizeof release, u));
    pclose(u);
    release[strcspn(release, "\n")] = '\0';
    assert_string_equal(json_string_value(json_object_get(p, "kernel")), release);

    FILE *f = fopen("/proc/cpuinfo", "r");
    assert_non_null(f);
    char line[8192];
    long processors = 0;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, "processor", 9)) processors++;
    fclose(f);
    assert_int_equal(json_integer_value(json_object_get(p, "cores")), processors);
    json_decref(p);
}

/* Each capability must agree with the kernel's flag for it. */
static void test_caps_match_cpuinfo_flags(void **state)
{
    json_t *p = platform_json();
    json_t *caps = json_object_get(p, "crypto_caps");
    char flags[8192];
#if defined(__x86_64__)
    static const char *pairs[][2] = {
        {"aes_ni", "aes"},
        {"pclmulqdq", "pclmulqdq"},
        {"avx", "avx"},
        {"avx2", "avx2"},
        {"sha_ni", "sha_ni"},
        {"vaes", "vaes"},
        {"vpclmulqdq", "vpclmulqdq"},
        {"avx512f", "avx512f"},
    };
    assert_int_equal(cpuinfo_first_line("flags", flags, sizeof flags), 0);
    assert_string_equal(json_string_value(json_object_get(p, "arch")), "x86_64");
#elif defined(__aarch64__)
    static const char *pairs[][2] = {
        {"aes", "aes"},   {"pmull", "pmull"},   {"sha1", "sha1"},
        {"sha2", "sha2"}, {"sha512", "sha512"}, {"sha3", "sha3"},
    };
    assert_int_equal(cpuinfo_first_line("Features", flags, sizeof flags), 0);
    assert_string_equal(json_string_value(json_object_get(p, "arch")), "aarch64");
#else
    static const char *pairs[][2] = {{NULL, NULL}};
    skip();
#endif
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        json_t *cap = json_object_get(caps, pairs[i][0]);
        assert_true(json_is_boolean(cap));
        int want = has_word(flags, pairs[i][1]);
        if (json_is_true(cap) != want)
            fail_msg("crypto_caps.%s is %s but /proc/cpuinfo %s '%s'", pairs[i][0],
                     json_is_true(cap) ? "true" : "false", want ? "lists" : "lacks", pairs[i][1]);
    }
    json_decref(p);
}

static void test_cpu_model_matches_cpuinfo(void **state)
{
#if defined(__x86_64__)
    char model[256];
    assert_int_equal(cpuinfo_first_line("model name", model, sizeof model), 0);
    json_t *p = platform_json();
    assert_string_equal(json_string_value(json_object_get(p, "cpu_model")), model);
    json_decref(p);
#else
    skip();
#endif
}

static void check_model(const char *cpuinfo, const char *want)
{
    char out[256];
    platform_cpu_model_from_cpuinfo(cpuinfo, out, sizeof out);
    assert_string_equal(out, want);
}

static void test_cpu_model_parsing(void **state)
{
    /* Graviton2, trimmed from a real /proc/cpuinfo. */
    check_model("processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd aes pmull sha1 sha2\n"
                "CPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\n"
                "CPU part\t: 0xd0c\nCPU revision\t: 1\n\n"
                "processor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd0c\n",
                "ARM Neoverse-N1");
    check_model("CPU implementer\t: 0x41\nCPU part\t: 0xd40\n", "ARM Neoverse-V1");
    check_model("CPU implementer\t: 0x41\nCPU part\t: 0xd49\n", "ARM Neoverse-N2");
    check_model("CPU implementer\t: 0x41\nCPU part\t: 0xd4f\n", "ARM Neoverse-V2");
    /* Raspberry Pi 4 in 32-bit mode: generic model name loses to the part. */
    check_model("processor\t: 0\nmodel name\t: ARMv7 Processor rev 3 (v7l)\n"
                "CPU implementer\t: 0x41\nCPU part\t: 0xd08\nHardware\t: BCM2711\n",
                "ARM Cortex-A72");
    /* big.LITTLE: both core types, each once, in order of appearance. */
    check_model("CPU implementer\t: 0x41\nCPU part\t: 0xd05\nCPU implementer\t: 0x41\n"
                "CPU part\t: 0xd05\nCPU implementer\t: 0x41\nCPU part\t: 0xd0b\n",
                "ARM Cortex-A55 + ARM Cortex-A76");
    check_model("CPU implementer\t: 0x41\nCPU part\t: 0xd99\n", "ARM part 0xd99");
    check_model("CPU implementer\t: 0x99\nCPU part\t: 0x001\n", "implementer 0x99 part 0x001");
    check_model("Hardware\t: Generic DT based system\n", "Generic DT based system");
    check_model("processor\t: 0\nmodel\t\t: 1\nmodel name\t: AMD EPYC 7R13 Processor  \r\n",
                "AMD EPYC 7R13 Processor");
    check_model("", "unknown");
    check_model(NULL, "unknown");
    assert_null(platform_arm_core_name(0x41, 0xfff));
    assert_string_equal(platform_arm_core_name(0x41, 0xd0c), "ARM Neoverse-N1");
}

static void test_ia32cap_env_is_reported(void **state)
{
    setenv("OPENSSL_ia32cap", "~0x200000200000000", 1);
    json_t *p = platform_json();
    assert_string_equal(json_string_value(json_object_get(p, "openssl_ia32cap")),
                        "~0x200000200000000");
    json_decref(p);
    unsetenv("OPENSSL_ia32cap");
    p = platform_json();
    assert_null(json_object_get(p, "openssl_ia32cap"));
    json_decref(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_present),
        cmocka_unit_test(test_kernel_and_cores_match_system),
        cmocka_unit_test(test_caps_match_cpuinfo_flags),
        cmocka_unit_test(test_cpu_model_matches_cpuinfo),
        cmocka_unit_test(test_cpu_model_parsing),
        cmocka_unit_test(test_ia32cap_env_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
