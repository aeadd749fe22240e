/* peer_nginx.c - nginx as a real-world test peer: HTTP/2 over TLS 1.2/1.3 with
 * an ECDSA P-256 certificate, session tickets and a shared session cache,
 * everything (config, pid, logs, temp paths) inside a private temp dir. */
#include "harness.h"
#include "harness_private.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define NGINX_DEFAULT_PATH "/usr/sbin/nginx"
#define NGINX_ECHO_MODULE "/usr/lib/nginx/modules/ngx_http_echo_module.so"
#define NGINX_START_TIMEOUT_MS 10000
#define NGINX_PORT_ATTEMPTS 3

int nginx_has_echo_module(void)
{
    return access(NGINX_ECHO_MODULE, R_OK) == 0;
}

const char *nginx_binary(void)
{
    const char *env = getenv("TLSPROF_NGINX");
    const char *path = (env && *env) ? env : NGINX_DEFAULT_PATH;
    return access(path, X_OK) == 0 ? path : NULL;
}

/* A default directive, left out when the caller's extra configuration sets
 * the same directive (nginx refuses duplicates rather than overriding). */
struct default_directive {
    const char *name;
    const char *text;
};

static const struct default_directive http_defaults[] = {
    {"access_log", "access_log off;"},
    {"default_type", "default_type application/octet-stream;"},
    {"keepalive_requests", "keepalive_requests 1000000;"}, /* HTTP/1.1 and, since 1.19.7, HTTP/2 */
    {"keepalive_timeout", "keepalive_timeout 300s;"},
    {"sendfile", "sendfile on;"},
};

static const struct default_directive server_defaults[] = {
    {"server_name", "server_name localhost;"},
    {"ssl_protocols", "ssl_protocols TLSv1.2 TLSv1.3;"},
    {"ssl_session_tickets", "ssl_session_tickets on;"},
    {"ssl_session_cache", "ssl_session_cache shared:SSL:10m;"},
    {"ssl_session_timeout", "ssl_session_timeout 1h;"},
};

/* Does conf contain `name` as a directive (at the start of a statement)? */
static int sets_directive(const char *conf, const char *name)
{
    size_t len = strlen(name);
    for (const char *s = conf; conf && (s = strstr(s, name)) != NULL; s += len) {
        char before = s == conf ? ';' : s[-1];
        char after = s[len];
        if ((before == ';' || before == '{' || before == '}' || before == ' ' || before == '\t' ||
             before == '\n') &&
            (after == ' ' || after == '\t' || after == '\n' || after == ';'))
            return 1;
    }
    return 0;
}

static void put_defaults(FILE *f, const struct default_directive *d, size_t n, const char *extra,
                         const char *indent)
{
    for (size_t i = 0; i < n; i++)
        if (!sets_directive(extra, d[i].name)) fprintf(f, "%s%s\n", indent, d[i].text);
}

static int write_conf(const peer_t *p, const char *server_extra, const char *http_extra,
                      int with_echo)
{
    FILE *f = fopen(p->conf_path, "w");
    if (!f) return -1;
    struct rlimit nofile = {0, 0};
    getrlimit(RLIMIT_NOFILE, &nofile);
    rlim_t worker_nofile = nofile.rlim_max > 65536 ? 65536 : nofile.rlim_max;

    fprintf(f, "# written by the tlsprof test harness (tests/support/peer_nginx.c)\n");
    if (with_echo) fprintf(f, "load_module %s;\n", NGINX_ECHO_MODULE);
    /* As root, nginx would drop its workers to "nobody", who cannot read our 0700 temp dir. */
    if (geteuid() == 0) fprintf(f, "user root;\n");
    fprintf(f,
            "daemon off;\n"
            "master_process on;\n"
            "worker_processes 1;\n"
            "worker_rlimit_nofile %llu;\n"
            "pid %s/nginx.pid;\n"
            "error_log %s warn;\n"
            "events { worker_connections 20000; }\n"
            "http {\n",
            (unsigned long long)worker_nofile, p->dir, p->error_log);
    put_defaults(f, http_defaults, sizeof http_defaults / sizeof *http_defaults, http_extra,
                 "    ");
    static const char *const temp_paths[] = {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"};
    for (size_t i = 0; i < sizeof temp_paths / sizeof *temp_paths; i++)
        fprintf(f, "    %s_temp_path %s/tmp/%s;\n", temp_paths[i], p->dir, temp_paths[i]);
    if (http_extra && *http_extra) fprintf(f, "    # extra http conf\n    %s\n", http_extra);
    fprintf(f,
            "    server {\n"
            "        listen 127.0.0.1:%d ssl http2;\n"
            "        ssl_certificate %s;\n"
            "        ssl_certificate_key %s;\n",
            p->port, p->cert_path, p->key_path);
    put_defaults(f, server_defaults, sizeof server_defaults / sizeof *server_defaults, server_extra,
                 "        ");
    fprintf(f,
            "        location / { return 200 \"ok\\n\"; }\n"
            "        location /body/ { root %s/www; }\n",
            p->dir);
    if (with_echo)
        fprintf(f,
                "        # /sleep?s=0.05 answers \"ok\" after the given seconds (injected delay)\n"
                "        location = /sleep { echo_sleep $arg_s; echo ok; }\n");
    if (server_extra && *server_extra)
        fprintf(f, "        # extra server conf\n        %s\n", server_extra);
    fprintf(f, "    }\n}\n");
    return fclose(f) == 0 ? 0 : -1;
}

/* The files nginx serves and needs: temp dirs and the PEER_BODY_SIZE body. */
static int make_tree(const peer_t *p)
{
    char path[600];
    snprintf(path, sizeof path, "%s/tmp", p->dir);
    if (mkdir(path, 0700) != 0) return -1;
    snprintf(path, sizeof path, "%s/www", p->dir);
    if (mkdir(path, 0755) != 0) return -1;
    snprintf(path, sizeof path, "%s/www/body", p->dir);
    if (mkdir(path, 0755) != 0) return -1;
    /* Incompressible pseudo-random bytes (xorshift), so a size is a size. */
    unsigned char *body = malloc(PEER_BODY_SIZE);
    if (!body) return -1;
    uint64_t x = 0x2545f4914f6cdd1dull;
    for (size_t i = 0; i < PEER_BODY_SIZE; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        body[i] = (unsigned char)x;
    }
    snprintf(path, sizeof path, "%s/www/body/1m", p->dir);
    int rc = write_file(path, body, PEER_BODY_SIZE);
    free(body);
    return rc;
}

static int error_log_mentions(const peer_t *p, const char *what)
{
    char *log = slurp_file(p->error_log, NULL);
    int found = log && strstr(log, what);
    free(log);
    return found;
}

/* One attempt on a fresh port: 0 started, 1 port was taken (retry), -1 failed. */
static int start_on_free_port(peer_t *p, const char *nginx, const char *server_extra,
                              const char *http_extra, int with_echo)
{
    p->port = free_loopback_port();
    if (p->port <= 0) {
        fprintf(stderr, "harness: no free loopback port for nginx\n");
        return -1;
    }
    if (write_conf(p, server_extra, http_extra, with_echo) != 0) {
        fprintf(stderr, "harness: could not write %s\n", p->conf_path);
        return -1;
    }
    remove(p->error_log);
    char *argv[] = {(char *)nginx, "-c", p->conf_path, "-p", p->dir, "-e", p->error_log, NULL};
    /* SIGTERM on test death: the master then stops its workers too. */
    if (peer_spawn(p, argv, SIGTERM) != 0) return -1;
    if (wait_port_accepts("127.0.0.1", p->port, NGINX_START_TIMEOUT_MS, p->pid) == 0 &&
        !peer_exited(p))
        return 0;
    int port_taken = error_log_mentions(p, "Address already in use");
    if (!port_taken) {
        fprintf(stderr, "harness: nginx did not start on 127.0.0.1:%d (config %s)\n", p->port,
                p->conf_path);
        peer_dump_logs(p);
    }
    stop_process_group(p->pid, SIGTERM, 2000);
    p->pid = 0;
    return port_taken ? 1 : -1;
}

int peer_start_nginx_ex(peer_t *p, const char *extra_server_conf, const char *extra_http_conf)
{
    const char *nginx = nginx_binary();
    if (!nginx) {
        memset(p, 0, sizeof *p);
        return PEER_UNAVAILABLE;
    }
    if (peer_prepare(p, PEER_NGINX, "nginx") != 0) return PEER_ERROR;
    snprintf(p->cert_path, sizeof p->cert_path, "%s/cert.pem", p->dir);
    snprintf(p->key_path, sizeof p->key_path, "%s/key.pem", p->dir);
    snprintf(p->conf_path, sizeof p->conf_path, "%s/nginx.conf", p->dir);
    snprintf(p->error_log, sizeof p->error_log, "%s/error.log", p->dir);
    if (make_tree(p) != 0 || make_selfsigned_cert(p->cert_path, p->key_path) != 0) {
        fprintf(stderr, "harness: could not prepare nginx files in %s\n", p->dir);
        peer_stop(p);
        return PEER_ERROR;
    }
    int with_echo = nginx_has_echo_module();
    int rc = 1;
    for (int attempt = 0; attempt < NGINX_PORT_ATTEMPTS && rc == 1; attempt++)
        rc = start_on_free_port(p, nginx, extra_server_conf, extra_http_conf, with_echo);
    if (rc != 0) {
        if (rc == 1) fprintf(stderr, "harness: every port tried for nginx was taken\n");
        peer_stop(p);
        return PEER_ERROR;
    }
    snprintf(p->url, sizeof p->url, "https://127.0.0.1:%d/", p->port);
    snprintf(p->body_url, sizeof p->body_url, "https://127.0.0.1:%d/body/1m", p->port);
    if (with_echo)
        snprintf(p->sleep_url, sizeof p->sleep_url, "https://127.0.0.1:%d/sleep", p->port);
    return PEER_OK;
}

int peer_start_nginx(peer_t *p, const char *extra_server_conf)
{
    return peer_start_nginx_ex(p, extra_server_conf, NULL);
}
