/* option_tables.c - the list of every command's option table (option_tables.h). */
#include "cli/option_tables.h"

#include "config/config.h"

const cli_table_t cli_tables[] = {
    {"--help", &config_run_options},
    {"ciphers https://127.0.0.1:1/ --help", &ciphers_matrix_options},
    {"demo --help", &demo_options},
    {NULL, NULL},
};
