/* config.h - everything `tlsprof run` was asked to do, parsed and validated
 * once before any thread starts; read-only afterwards. */
#ifndef TLSPROF_CONFIG_H
#define TLSPROF_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "config/opt_table.h"
#include "config/profile.h"
#include "config/tls_opts.h"
#include "config/url.h"

#define CONFIG_MAX_HEADERS 32
#define CONFIG_MAX_BIND 16
#define CONFIG_MAX_TARGETS 16

typedef enum run_mode { MODE_FRESH, MODE_POOLED } run_mode;
typedef enum close_mode { CLOSE_CLIENT, CLOSE_SERVER, CLOSE_RST } close_mode;
typedef enum resume_mode { RESUME_OFF, RESUME_TICKET } resume_mode;

typedef struct header_kv {
    char name[64]; /* lower-cased, as HTTP/2 requires */
    char value[512];
} header_kv;

typedef struct run_config {
    url_t url;
    run_mode mode;
    uint32_t connections; /* -c: concurrent connections */
    uint64_t requests;    /* -n: 0 = unbounded (duration mode) */
    double duration_s;    /* -D: 0 = until -n is done */
    double warmup_s;
    uint32_t streams; /* -m: max concurrent streams per connection */
    uint32_t threads; /* -t */
    uint32_t ramp;    /* --ramp: pooled connections set up at once per thread (0 = all) */
    double rate;      /* --rate: 0 = closed loop; requests/s pooled, connections/s fresh */

    bool insecure;
    const char *cacert;
    char sni[256]; /* empty: no SNI (IP literal without --sni) */
    bool sni_set;
    /* --connect-to, repeatable: connections go round-robin over these
     * addresses (each its own ticket store and resumption tally). None:
     * connect to the URL's host and port. */
    struct connect_to {
        char host[256];
        int port;
    } connect_to[CONFIG_MAX_TARGETS];
    size_t n_connect_to;
    const char *method;
    bool head;      /* -X HEAD: responses carry no body whatever their content-length */
    bool strict_h2; /* --strict-h2: nghttp2's full RFC 9113 response header checks */
    bool h1;        /* --h1: HTTP/1.1 instead of HTTP/2 */
    header_kv headers[CONFIG_MAX_HEADERS];
    size_t n_headers;

    uint32_t connect_timeout_ms;
    uint32_t handshake_timeout_ms;
    uint32_t request_timeout_ms;
    uint32_t grace_ms; /* on stop: how long in-flight requests may finish */

    tls_opts_t tls;
    const char *profile_name;
    /* The --profile file's settings: tls points into its strings. Owned by
     * this config (config_free); a copy of the config borrows them. */
    cipher_profile_t profile;
    const char *client_cert, *client_key;
    const char *keylog_path; /* --keylog or SSLKEYLOGFILE */
    resume_mode resume;
    bool reuse_ticket;
    /* --ticket-scope host: one ticket store for all --connect-to backends */
    bool ticket_scope_host;
    bool early_data;

    close_mode close;
    struct sockaddr_storage bind_addrs[CONFIG_MAX_BIND];
    socklen_t bind_lens[CONFIG_MAX_BIND];
    size_t n_bind;

    const char *json_path; /* "-" = stdout */
    const char *events_path;
    double events_sample; /* fraction of connections logged, (0,1] */
    const char *html_path;
    double interval_s;
    uint32_t slowest;
    bool crypto_bench; /* --crypto-bench: measure this machine's AEAD/ECDH speed too */
    bool quiet;
    bool no_text; /* --json - implies no text report on stdout */
} run_config_t;

/* `run`'s option table (run_options.c): the parser's rows and the --help text. */
extern const opt_table_t config_run_options;

/* Parse `run` options (argv[0] is the subcommand name or program name):
 * config_defaults, opt_parse over config_run_options, the one URL,
 * config_resolve, config_validate. Returns 0; 1 when --help was printed;
 * -1 with a message in err. Call config_free before parsing into c again. */
int config_parse(run_config_t *c, int argc, char **argv, char *err, size_t errlen);
void config_defaults(run_config_t *c);
void config_usage(FILE *out);
/* Free what the config owns (the profile's strings). Safe on defaults. */
void config_free(run_config_t *c);

/* The steps after opt_parse, for a command that parses run's table beside
 * its own (`tlsprof ciphers URL`); `run` is the bind that parsed it.
 *
 * The URL among the other arguments argv[first..argc-1]: exactly one. */
int config_url_arg(int argc, char **argv, int first, const char **url, char *err, size_t errlen);
/* Fill in what follows from the options: the URL, the profile (under the
 * TLS options given explicitly), ALPN for --h1, SNI from the URL's host,
 * SSLKEYLOGFILE, -n 1 without -n or -D, no more threads than connections. */
int config_resolve(run_config_t *c, const char *url, const opt_bind_t *run, char *err,
                   size_t errlen);
/* Rules between options, and TLS settings OpenSSL must accept, checked
 * once everything is known: -m only pooled and without --h1, --cert with
 * --key, --reuse-ticket with tickets, --warmup and --rate with -D or -n... */
int config_validate(const run_config_t *c, const opt_bind_t *run, char *err, size_t errlen);

const char *mode_name(run_mode m);
const char *close_mode_name(close_mode m);

#endif
