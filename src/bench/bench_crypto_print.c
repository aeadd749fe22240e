/* bench_crypto_print.c - a crypto benchmark result as a table (one line per
 * item), as `tlsprof bench-crypto` prints it. */
#include "bench/bench_crypto.h"

static void print_caps(FILE *f, const json_t *caps)
{
    const char *key;
    json_t *v;
    int have = 0, lack = 0;
    fprintf(f, "crypto caps: ");
    json_object_foreach((json_t *)caps, key, v)
    {
        if (json_is_true(v)) fprintf(f, "%s%s", have++ ? " " : "", key);
    }
    fprintf(f, "%s; absent: ", have ? "" : "(none)");
    json_object_foreach((json_t *)caps, key, v)
    {
        if (!json_is_true(v)) fprintf(f, "%s%s", lack++ ? " " : "", key);
    }
    fprintf(f, "%s\n", lack ? "" : "(none)");
}

void bench_crypto_print(FILE *f, const json_t *platform, const json_t *result)
{
    if (platform) {
        fprintf(f, "%s, %s, %lld cores, %s\n", json_string_value(json_object_get(platform, "arch")),
                json_string_value(json_object_get(platform, "cpu_model")),
                (long long)json_integer_value(json_object_get(platform, "cores")),
                json_string_value(json_object_get(platform, "openssl_version")));
        print_caps(f, json_object_get(platform, "crypto_caps"));
    }
    fprintf(f, "%.3g s per item; rates per second of thread CPU time\n\n",
            json_number_value(json_object_get(result, "seconds_per_item")));
    fprintf(f, "%-30s %12s %10s %10s %6s\n", "item", "ops/s", "MB/s", "us/op", "cpu%");
    const char *key;
    json_t *it;
    json_object_foreach(json_object_get(result, "items"), key, it)
    {
        const char *label = json_string_value(json_object_get(it, "label"));
        json_t *error = json_object_get(it, "error");
        if (error) {
            fprintf(f, "%-30s ERROR: %s\n", label, json_string_value(error));
            continue;
        }
        json_t *mb = json_object_get(it, "mb_per_s");
        char mbtext[32] = "-";
        if (mb) snprintf(mbtext, sizeof mbtext, "%.1f", json_number_value(mb));
        fprintf(f, "%-30s %12.0f %10s %10.2f %6.0f\n", label,
                json_number_value(json_object_get(it, "ops_per_s")), mbtext,
                json_number_value(json_object_get(it, "us_per_op")),
                100.0 * json_number_value(json_object_get(it, "cpu_share")));
    }
}
