/* peer_logged.c - nginx with an access log in a format of the test's
 * choosing: what nginx itself saw of every request (protocol, cipher,
 * resumption, connection numbers ...), as truth tlsprof did not compute. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

void logged_nginx_start(logged_nginx_t *n, const char *format, const char *server_conf,
                        const char *http_extra)
{
    memset(n, 0, sizeof *n);
    if (!nginx_binary()) {
        print_message("SKIPPED: %s\n", NGINX_MISSING_MESSAGE);
        skip();
    }
    n->dir = make_temp_dir("nginxlog");
    assert_non_null(n->dir);
    snprintf(n->log, sizeof n->log, "%s/access.log", n->dir);
    char http[2000];
    snprintf(http, sizeof http, "log_format tlsprof_test '%s'; access_log %s tlsprof_test; %s",
             format, n->log, http_extra ? http_extra : "");
    assert_int_equal(peer_start_nginx_ex(&n->p, server_conf, http), PEER_OK);
}

void logged_nginx_stop(logged_nginx_t *n)
{
    peer_stop(&n->p);
    if (n->dir) rm_rf(n->dir);
    free(n->dir);
    n->dir = NULL;
}

char *logged_nginx_text(const logged_nginx_t *n, int expect_lines)
{
    char *text = NULL;
    for (int tries = 0; tries < 300; tries++) {
        free(text);
        text = slurp_file(n->log, NULL);
        int lines = 0;
        for (const char *p = text; p && (p = strchr(p, '\n')); p++)
            lines++;
        if (lines >= expect_lines) break;
        usleep(10000);
    }
    return text ? text : strdup("");
}

int logged_nginx_lines(const logged_nginx_t *n, const char *needle, int expect_total)
{
    char *text = logged_nginx_text(n, expect_total);
    int match = 0;
    for (char *line = text, *next; *line; line = next) {
        next = strchr(line, '\n');
        if (!next) break;
        *next++ = '\0';
        if (!needle || strstr(line, needle)) match++;
    }
    free(text);
    return match;
}

void logged_nginx_clear(const logged_nginx_t *n)
{
    assert_int_equal(write_file(n->log, "", 0), 0);
}
