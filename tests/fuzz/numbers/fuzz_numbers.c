/* fuzz_numbers.c - numbers, durations and sizes of command-line options
 * (src/config/parse.c).
 *
 * Each accepted string is checked against an independent reading of the
 * documented grammar (parse.h): digits only for whole numbers; a decimal
 * number and one of the listed units for durations; digits and one of the
 * listed suffixes for sizes, the product exact; every value within the
 * range asked for. Every rejection must name the option and be printable. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <strings.h>

#include "config/parse.h"
#include "fuzz_check.h"

/* Digits only, and their value when it fits in 64 bits (*fits = 0 if not). */
static int all_digits(const char *s, size_t n, uint64_t *value, int *fits)
{
    uint64_t v = 0;
    *fits = 1;
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i])) return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10) *fits = 0;
        v = v * 10 + d;
    }
    *value = v;
    return 1;
}

static void check_uint(const char *s, uint64_t min, uint64_t max)
{
    char err[256];
    uint64_t v = 0, expect = 0;
    int fits;
    int ok = all_digits(s, strlen(s), &expect, &fits) && fits && expect >= min && expect <= max;
    if (parse_uint("--num", s, min, max, &v, err, sizeof(err)) == 0) {
        FUZZ_CHECK(ok, "'%s' accepted as a whole number in [%llu, %llu]", s,
                   (unsigned long long)min, (unsigned long long)max);
        FUZZ_CHECK(v == expect, "'%s' read as %llu", s, (unsigned long long)v);
    } else {
        FUZZ_CHECK(!ok, "'%s' rejected: %s", s, err);
        fuzz_check_message(err, sizeof(err), "--num");
    }
}

/* [digits][.digits][e[+-]digits] with at least one digit before the exponent. */
static size_t decimal_prefix(const char *s)
{
    size_t i = 0, digits = 0;
    while (isdigit((unsigned char)s[i]))
        i++, digits++;
    if (s[i] == '.') {
        i++;
        while (isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (!digits) return 0;
    if (s[i] == 'e' || s[i] == 'E') {
        size_t j = i + 1;
        if (s[j] == '+' || s[j] == '-') j++;
        if (isdigit((unsigned char)s[j])) {
            while (isdigit((unsigned char)s[j]))
                j++;
            i = j;
        }
    }
    return i;
}

static void check_duration(const char *s, double min, double max)
{
    char err[256];
    double v = -1;
    size_t n = decimal_prefix(s);
    const char *unit = s + n;
    static const struct {
        const char *name;
        double mult;
    } units[] = {{"", 1},   {"s", 1},    {"ms", 1e-3}, {"us", 1e-6},
                 {"m", 60}, {"min", 60}, {"h", 3600}};
    double mult = -1;
    for (size_t i = 0; n && i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(unit, units[i].name) == 0) mult = units[i].mult;
    if (parse_duration("--dur", s, min, max, &v, err, sizeof(err)) == 0) {
        FUZZ_CHECK(mult > 0, "'%s' accepted as a duration", s);
        FUZZ_CHECK(v >= min && v <= max && isfinite(v), "'%s' gave %g outside [%g, %g]", s, v, min,
                   max);
        double expect = strtod(s, NULL) * mult;
        FUZZ_CHECK(fabs(v - expect) <= 1e-9 * fabs(expect), "'%s' read as %g, expected %g", s, v,
                   expect);
    } else {
        errno = 0;
        double read = strtod(s, NULL);
        /* Underflow ("1e-400") may be refused: strtod itself reports it. */
        if (mult > 0 && errno != ERANGE) {
            double expect = read * mult;
            FUZZ_CHECK(!(expect >= min && expect <= max), "'%s' (%g s) rejected: %s", s, expect,
                       err);
        }
        fuzz_check_message(err, sizeof(err), "--dur");
    }
}

static void check_size(const char *s, uint64_t max)
{
    char err[256];
    uint64_t v = 0;
    static const struct {
        const char *suffix;
        uint64_t mult;
    } units[] = {{"", 1},          {"b", 1},           {"k", 1000},       {"kb", 1000},
                 {"ki", 1024},     {"kib", 1024},      {"m", 1000000},    {"mb", 1000000},
                 {"mi", 1u << 20}, {"mib", 1u << 20},  {"g", 1000000000}, {"gb", 1000000000},
                 {"gi", 1u << 30}, {"gib", 1ull << 30}};
    size_t n = strspn(s, "0123456789");
    uint64_t digits = 0, mult = 0;
    int fits = 0;
    if (n && all_digits(s, n, &digits, &fits)) {
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
            if (strcasecmp(s + n, units[i].suffix) == 0) mult = units[i].mult;
    }
    int ok = mult && fits && digits <= max / mult;
    if (parse_size("--size", s, max, &v, err, sizeof(err)) == 0) {
        FUZZ_CHECK(ok, "'%s' accepted as a size up to %llu", s, (unsigned long long)max);
        FUZZ_CHECK(v == digits * mult && v <= max, "'%s' read as %llu", s, (unsigned long long)v);
    } else {
        FUZZ_CHECK(!ok, "'%s' rejected: %s", s, err);
        fuzz_check_message(err, sizeof(err), "--size");
    }
}

static void check_double(const char *s, double min, double max)
{
    char err[256];
    double v = NAN;
    if (parse_double("--real", s, min, max, &v, err, sizeof(err)) == 0) {
        FUZZ_CHECK(isfinite(v) && v >= min && v <= max, "'%s' gave %g outside [%g, %g]", s, v, min,
                   max);
        /* Only plain decimal notation, optionally signed. */
        const char *p = s + (*s == '-' || *s == '+');
        FUZZ_CHECK(decimal_prefix(p) == strlen(p), "'%s' accepted as a decimal number", s);
    } else {
        fuzz_check_message(err, sizeof(err), "--real");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstring(data, size);
    /* The ranges config.c and cmd_demo.c use, and the extremes. */
    check_uint(s, 1, 1000000);
    check_uint(s, 0, 10000);
    check_uint(s, 1, UINT64_MAX / 2);
    check_uint(s, 0, UINT64_MAX);
    check_duration(s, 0.001, 7 * 86400);
    check_duration(s, 0, 86400);
    check_duration(s, 0.01, 3600);
    check_size(s, UINT64_MAX);
    check_size(s, 1ull << 40);
    check_double(s, 1e-6, 1.0);
    check_double(s, 0.001, 10000000);
    check_double(s, -1e300, 1e300);
    free(s);
    return 0;
}
