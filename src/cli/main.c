/* main.c - subcommand dispatch only. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config/config.h"
#include "config/exit_codes.h"
#include "layers/tls_mem.h"

static const struct {
    const char *name;
    int (*fn)(int, char **);
} commands[] = {
    {"run", run_main},         {"serve", serve_main},
    {"demo", demo_main},       {"bench-crypto", bench_crypto_main},
    {"ciphers", ciphers_main}, {"compare", compare_main},
    {"merge", merge_main},
};

int main(int argc, char **argv)
{
    /* Before anything can allocate through OpenSSL (tls_mem.h). If it fails
     * OpenSSL keeps using malloc: slower, not wrong. */
    tls_mem_install();
    if (argc < 2) {
        config_usage(stderr);
        return EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("tlsprof %s\n", TLSPROF_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].fn(argc - 1, argv + 1);
    /* `tlsprof URL [options]` is `tlsprof run URL [options]`. */
    return run_main(argc, argv);
}
