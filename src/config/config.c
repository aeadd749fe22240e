/* config.c - `tlsprof run`'s configuration: defaults, then the option table
 * (run_options.c) through the shared parser, then what follows from the
 * options (config_resolve), then the rules between them (config_validate).
 * Each step is separate so the cipher matrix can parse run's options beside
 * its own and still resolve and validate them the same way. */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "config/opt_table.h"
#include "config/profile.h"

const char *mode_name(run_mode m)
{
    return m == MODE_FRESH ? "fresh" : "pooled";
}

const char *close_mode_name(close_mode m)
{
    return m == CLOSE_CLIENT ? "client" : m == CLOSE_SERVER ? "server" : "rst";
}

void config_defaults(run_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->mode = MODE_FRESH;
    c->connections = 1;
    c->streams = 1;
    c->threads = 1;
    c->method = "GET";
    c->connect_timeout_ms = 10000;
    c->handshake_timeout_ms = 10000;
    c->request_timeout_ms = 30000;
    c->grace_ms = 5000;
    c->resume = RESUME_TICKET;
    c->close = CLOSE_CLIENT;
    c->events_sample = 1.0;
    c->interval_s = 1.0;
    c->slowest = 10;
    c->ramp = 100;
    c->tls.alpn = "h2";
}

void config_free(run_config_t *c)
{
    profile_free(&c->profile);
}

void config_usage(FILE *out)
{
    opt_print_help(out, &config_run_options);
}

int config_url_arg(int argc, char **argv, int first, const char **url, char *err, size_t errlen)
{
    if (first >= argc) {
        snprintf(err, errlen,
                 "missing URL (usage: tlsprof [run] https://HOST[:PORT][/PATH] [options])");
        return -1;
    }
    if (first + 1 < argc) {
        snprintf(err, errlen, "unexpected argument '%s' after the URL", argv[first + 1]);
        return -1;
    }
    *url = argv[first];
    return 0;
}

int config_resolve(run_config_t *c, const char *url, const opt_bind_t *run, char *err,
                   size_t errlen)
{
    if (url_parse(url, &c->url, err, errlen)) return -1;
    c->head = !strcmp(c->method, "HEAD");

    /* A profile sets the TLS options; those given on the command line win. */
    if (c->profile_name) {
        tls_opts_t given = c->tls;
        profile_free(&c->profile);
        if (profile_load(c->profile_name, profile_default_dir(), &c->profile, err, errlen))
            return -1;
        c->tls = c->profile.tls;
        if (!c->tls.alpn) c->tls.alpn = "h2";
        if (opt_given(run, "tls-min")) c->tls.min_version = given.min_version;
        if (opt_given(run, "tls-max")) c->tls.max_version = given.max_version;
        if (opt_given(run, "tls13-ciphers")) c->tls.tls13_ciphers = given.tls13_ciphers;
        if (opt_given(run, "ciphers")) c->tls.ciphers = given.ciphers;
        if (opt_given(run, "groups")) c->tls.groups = given.groups;
        if (opt_given(run, "sigalgs")) c->tls.sigalgs = given.sigalgs;
        if (opt_given(run, "alpn")) c->tls.alpn = given.alpn;
    }
    /* Whatever a profile offers: --h1 speaks only this. */
    if (c->h1 && !opt_given(run, "alpn")) c->tls.alpn = "http/1.1";

    if (!c->sni_set && !c->url.host_is_ip) snprintf(c->sni, sizeof c->sni, "%s", c->url.host);
    if (!c->keylog_path) {
        const char *env = getenv("SSLKEYLOGFILE");
        if (env && *env) c->keylog_path = env;
    }
    if (!opt_given(run, "requests") && c->duration_s == 0) c->requests = 1;
    if (c->connections > 0 && c->threads > c->connections) c->threads = c->connections;
    return 0;
}

/* Bad cipher lists, groups, signature algorithms, CA files or client
 * certificates are usage errors: find them now, with the same code the
 * workers use, instead of as failed connections once the run has started. */
static int check_tls_settings(const run_config_t *c, char *err, size_t errlen)
{
    SSL_CTX *scratch = SSL_CTX_new(TLS_client_method());
    if (!scratch) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = tls_opts_apply(scratch, &c->tls, err, errlen);
    if (rc == 0 && c->cacert && SSL_CTX_load_verify_locations(scratch, c->cacert, NULL) != 1) {
        snprintf(err, errlen, "--cacert %s: no PEM certificate could be loaded from it", c->cacert);
        rc = -1;
    }
    if (rc == 0 && c->client_cert && c->client_key)
        rc = tls_opts_load_identity(scratch, c->client_cert, c->client_key, err, errlen);
    ERR_clear_error();
    SSL_CTX_free(scratch);
    return rc < 0 ? -1 : 0;
}

int config_validate(const run_config_t *c, const opt_bind_t *run, char *err, size_t errlen)
{
    unsigned char alpn_wire[256];
    if (tls_alpn_encode(c->tls.alpn, alpn_wire, sizeof alpn_wire) < 0) {
        snprintf(err, errlen, "--alpn: expected a comma-separated list of protocol names, got '%s'",
                 c->tls.alpn);
        return -1;
    }
    if (check_tls_settings(c, err, errlen) < 0) return -1;
    if (c->tls.min_version && c->tls.max_version && c->tls.min_version > c->tls.max_version) {
        snprintf(err, errlen, "--tls-min %s is above --tls-max %s",
                 tls_version_to_string(c->tls.min_version),
                 tls_version_to_string(c->tls.max_version));
        return -1;
    }
    if ((c->client_cert != NULL) != (c->client_key != NULL)) {
        snprintf(err, errlen, "--cert and --key go together");
        return -1;
    }
    if (c->reuse_ticket && c->resume == RESUME_OFF) {
        snprintf(err, errlen, "--reuse-ticket needs --resume ticket");
        return -1;
    }
    if (c->h1 && c->streams > 1) {
        snprintf(err, errlen,
                 "--streams %u: --h1 sends one request at a time per connection (no pipelining); "
                 "use more connections (-c)",
                 c->streams);
        return -1;
    }
    if (c->h1 && c->strict_h2) {
        snprintf(err, errlen, "--strict-h2 checks HTTP/2 responses; it does not go with --h1");
        return -1;
    }
    if (c->mode == MODE_FRESH && c->streams > 1) {
        snprintf(err, errlen,
                 "--streams %u: fresh mode sends one request per connection; use --mode pooled",
                 c->streams);
        return -1;
    }
    bool bounded = c->duration_s > 0 || opt_given(run, "requests");
    if (c->warmup_s > 0 && !bounded) {
        snprintf(err, errlen, "--warmup needs -D or -n");
        return -1;
    }
    if (c->rate > 0 && !bounded) {
        snprintf(err, errlen, "--rate needs -D or -n");
        return -1;
    }
    return 0;
}

int config_parse(run_config_t *c, int argc, char **argv, char *err, size_t errlen)
{
    config_defaults(c);
    opt_bind_t run = {.table = &config_run_options, .target = c};
    const char *url;
    int first;
    int rc = opt_parse(&run, 1, argc, argv, &first, err, errlen);
    if (rc != 0) return rc;
    if (config_url_arg(argc, argv, first, &url, err, errlen) < 0) return -1;
    if (config_resolve(c, url, &run, err, errlen) < 0) return -1;
    return config_validate(c, &run, err, errlen);
}
