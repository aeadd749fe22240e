/* ciphers.c - `tlsprof ciphers`: list the cipher profiles with their
 * descriptions, or show what one profile sets. Every profile listed is
 * loaded, so the command doubles as a check of a profile directory.
 * With a URL, `tlsprof ciphers` is the cipher matrix instead, which lives in
 * ciphers_matrix.c; this stays the subcommand's entry point. */
#include <stdio.h>
#include <string.h>

#include "cli/ciphers_matrix.h"
#include "cli/commands.h"
#include "config/exit_codes.h"
#include "config/profile.h"

static const char usage[] =
    "usage: tlsprof ciphers [--list] [--dir DIR] [NAME|PATH ...]\n"
    "       tlsprof ciphers https://HOST[:PORT]/ [run options] [--profiles A,B] [--json FILE]\n"
    "\n"
    "Without names: list the cipher profiles in DIR (default: $TLSPROF_CIPHERS_DIR,\n"
    "else ciphers/ beside the executable's directory, else an installed share/ dir).\n"
    "With names: show the settings of each profile. Exit code 2 when a profile\n"
    "does not load. Format and shipped profiles: ciphers/README.md, docs/ciphers.md.\n"
    "With a URL: run every profile against it and print a comparison table\n"
    "(`tlsprof ciphers https://HOST/ --help` lists the matrix options).\n";

static const char *or_default(const char *s)
{
    return s ? s : "(OpenSSL default)";
}

static void show(FILE *f, const cipher_profile_t *p)
{
    fprintf(f, "%s (%s)\n", p->name, p->path);
    if (p->description[0]) fprintf(f, "  description    %s\n", p->description);
    fprintf(f, "  tls_min        %s\n",
            p->tls.min_version ? tls_version_to_string(p->tls.min_version) : "(OpenSSL default)");
    fprintf(f, "  tls_max        %s\n",
            p->tls.max_version ? tls_version_to_string(p->tls.max_version) : "(OpenSSL default)");
    fprintf(f, "  tls13_ciphers  %s\n", or_default(p->tls.tls13_ciphers));
    fprintf(f, "  ciphers        %s\n", or_default(p->tls.ciphers));
    fprintf(f, "  groups         %s\n", or_default(p->tls.groups));
    fprintf(f, "  sigalgs        %s\n", or_default(p->tls.sigalgs));
    fprintf(f, "  alpn           %s\n", p->tls.alpn ? p->tls.alpn : "(client default h2)");
}

static int list_dir(const char *dir)
{
    char err[1024], **names = NULL;
    size_t n = 0;
    if (profile_list(dir, &names, &n, err, sizeof err) != 0) {
        fprintf(stderr, "tlsprof ciphers: %s\n", err);
        return EXIT_USAGE;
    }
    printf("cipher profiles in %s:\n", dir);
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        cipher_profile_t p;
        if (profile_load(names[i], dir, &p, err, sizeof err) != 0) {
            printf("  %-28s ERROR\n", names[i]);
            fprintf(stderr, "tlsprof ciphers: %s\n", err);
            bad++;
            continue;
        }
        printf("  %-28s %s\n", p.name, p.description);
        profile_free(&p);
    }
    if (n == 0) printf("  (none)\n");
    profile_list_free(names, n);
    return bad ? EXIT_USAGE : EXIT_OK;
}

int ciphers_main(int argc, char **argv)
{
    if (ciphers_matrix_wanted(argc, argv)) return ciphers_matrix_main(argc, argv);
    const char *dir = NULL;
    int first_name = 0, names = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--list")) {
            continue;
        } else if (!strcmp(argv[i], "--dir")) {
            if (i + 1 >= argc) {
                fprintf(stderr, "tlsprof ciphers: --dir needs a value\n%s", usage);
                return EXIT_USAGE;
            }
            dir = argv[++i];
        } else if (!strncmp(argv[i], "--dir=", 6)) {
            dir = argv[i] + 6;
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "tlsprof ciphers: unknown option '%s'\n%s", argv[i], usage);
            return EXIT_USAGE;
        } else {
            if (!names++) first_name = i;
        }
    }
    if (!dir) dir = profile_default_dir();
    if (!names) return list_dir(dir);

    int rc = EXIT_OK;
    for (int i = first_name; i < argc; i++) {
        if (argv[i][0] == '-') {
            if (!strcmp(argv[i], "--dir")) i++;
            continue;
        }
        char err[1024];
        cipher_profile_t p;
        if (profile_load(argv[i], dir, &p, err, sizeof err) != 0) {
            fprintf(stderr, "tlsprof ciphers: %s\n", err);
            rc = EXIT_USAGE;
            continue;
        }
        show(stdout, &p);
        profile_free(&p);
    }
    return rc;
}
