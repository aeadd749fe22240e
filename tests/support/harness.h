/* harness.h - what every integration and fault test uses: real servers to
 * profile (tlsprof's embedded server, nginx), a way to run the built tlsprof
 * and read its JSON report back, and small system helpers.
 *
 * Processes started here are always bounded and always cleaned up:
 *  - every child runs in its own process group, so stopping it also stops
 *    whatever it forked (nginx workers);
 *  - every child gets PR_SET_PDEATHSIG, so it dies with the test program even
 *    when that is killed with SIGKILL (a ctest timeout); note the signal fires
 *    when the *thread* that started the child exits, so start peers from the
 *    test's main thread;
 *  - peers still running when the test program exits normally are stopped
 *    by an atexit() handler;
 *  - every wait has a deadline, after which the child is killed.
 *
 * Not thread-safe: call from the test's main thread only. */
#ifndef TLSPROF_TEST_HARNESS_H
#define TLSPROF_TEST_HARNESS_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

/* ---- peers: servers the tests profile ----------------------------------- */

enum peer_kind { PEER_EMBEDDED = 1, PEER_NGINX = 2 };

/* Return codes of the peer_start_* functions. */
enum {
    PEER_OK = 0,
    PEER_ERROR = -1,      /* the peer could not be started; the reason was printed */
    PEER_UNAVAILABLE = 1, /* the server program is not installed: skip the test */
};

/* Size of the static file nginx serves at /body/1m (for throughput tests). */
#define PEER_BODY_SIZE (1024 * 1024)

typedef struct peer {
    enum peer_kind kind;
    pid_t pid;             /* the server process; also its process group id; 0 when stopped */
    int port;              /* loopback TCP port it listens on */
    char url[160];         /* "https://127.0.0.1:PORT/" */
    char cert_path[512];   /* PEM certificate the server presents (self-signed, usable as CA) */
    char key_path[512];    /* PEM private key (nginx only; empty for the embedded server) */
    char dir[400];         /* private temp dir: config, logs, cert; removed by peer_stop */
    char stdout_path[512]; /* the server's stdout and stderr, for post-mortems */
    char stderr_path[512];
    char conf_path[512]; /* nginx.conf (nginx only) */
    char error_log[512]; /* nginx's error log (nginx only) */
    char body_url[200];  /* URL of a PEER_BODY_SIZE byte file (nginx only) */
    char sleep_url[200]; /* nginx only, "" unless nginx's echo module is installed:
                          * append "?s=0.05" to get "ok\n" after 50 ms (an injected delay) */
} peer_t;

/* Start `tlsprof serve --listen 127.0.0.1:0 --write-cert DIR/cert.pem [extra_args]`
 * and wait (at most 10 s) for its stdout line "listening on https://127.0.0.1:PORT".
 * extra_args is split like run_tlsprof's arguments; NULL or "" for none. */
int peer_start_embedded(peer_t *p, const char *extra_args);

/* Start nginx (HTTP/2 over TLS 1.2/1.3, ECDSA P-256 self-signed certificate
 * for localhost and 127.0.0.1, tickets and a shared session cache on,
 * keepalive_requests 1000000 so pooled runs are never cut by GOAWAY) on a
 * free loopback port. `location /` returns 200 "ok\n"; /body/1m is a
 * PEER_BODY_SIZE byte file; /sleep?s=SECONDS answers late (see sleep_url).
 * extra_server_conf is inserted inside server{}, e.g. "ssl_early_data on;";
 * a directive it sets replaces the harness's default of the same name
 * (nginx refuses duplicates), e.g. "ssl_session_tickets off;" (it must not
 * define `location /` again). NULL or "" for none. Returns PEER_UNAVAILABLE
 * when nginx is not installed, PEER_ERROR (reason and logs printed) when it
 * did not start within 10 s. */
int peer_start_nginx(peer_t *p, const char *extra_server_conf);

/* As peer_start_nginx, with extra_http_conf inserted at http{} level too. */
int peer_start_nginx_ex(peer_t *p, const char *extra_server_conf, const char *extra_http_conf);

/* SIGTERM the peer's process group, wait at most 5 s (then SIGKILL), reap it
 * and remove its temp dir. Safe to call twice and on a zeroed peer_t. */
void peer_stop(peer_t *p);

/* Print the peer's logs (stdout, stderr, nginx error log) through
 * print_message, for a failing test's post-mortem. */
void peer_dump_logs(const peer_t *p);

/* Path of the nginx binary ($TLSPROF_NGINX, else /usr/sbin/nginx) or NULL
 * when it is not installed. */
const char *nginx_binary(void);
/* Is nginx's echo module (libnginx-mod-http-echo) installed? peer_start_nginx
 * loads it, and sets sleep_url, only then. */
int nginx_has_echo_module(void);
#define NGINX_ECHO_MISSING_MESSAGE "nginx echo module not installed (libnginx-mod-http-echo)"

#define NGINX_MISSING_MESSAGE "nginx not installed: run scripts/test.sh which installs nginx-light"

/* Start nginx into *p or skip the current cmocka test when nginx is missing
 * (include <cmocka.h> before this header to use it). */
#define START_NGINX_OR_SKIP(p, extra_server_conf)                                                  \
    do {                                                                                           \
        int start_rc_ = peer_start_nginx((p), (extra_server_conf));                                \
        if (start_rc_ == PEER_UNAVAILABLE) {                                                       \
            print_message("SKIPPED: %s\n", NGINX_MISSING_MESSAGE);                                 \
            skip();                                                                                \
        }                                                                                          \
        assert_int_equal(start_rc_, PEER_OK);                                                      \
    } while (0)

/* As START_NGINX_OR_SKIP, and skip too when nginx has no echo module, which
 * the tests that need an injected delay (sleep_url) or echo's own
 * responses cannot do without. */
#define START_NGINX_ECHO_OR_SKIP(p, extra_server_conf)                                             \
    do {                                                                                           \
        START_NGINX_OR_SKIP(p, extra_server_conf);                                                 \
        if (!(p)->sleep_url[0]) {                                                                  \
            peer_stop(p);                                                                          \
            print_message("SKIPPED: %s\n", NGINX_ECHO_MISSING_MESSAGE);                            \
            skip();                                                                                \
        }                                                                                          \
    } while (0)

/* nginx with an access log of the test's format (peer_logged.c): one line
 * per request nginx answered, as it saw it. */
typedef struct logged_nginx {
    peer_t p;
    char *dir; /* ours, outlives the peer's dir */
    char log[600];
} logged_nginx_t;

/* Start it (format: an nginx log_format string); skips the test without nginx. */
void logged_nginx_start(logged_nginx_t *n, const char *format, const char *server_conf,
                        const char *http_extra);
void logged_nginx_stop(logged_nginx_t *n);
/* The log's text once it has expect_lines lines, or after 3 s (nginx logs
 * a request when its stream closes, which can be just after the client has
 * the answer). The caller frees it; never NULL. */
char *logged_nginx_text(const logged_nginx_t *n, int expect_lines);
/* Lines containing needle (NULL: all), after waiting for expect_total lines. */
int logged_nginx_lines(const logged_nginx_t *n, const char *needle, int expect_total);
/* Empty the log between runs (nginx appends with O_APPEND). */
void logged_nginx_clear(const logged_nginx_t *n);

/* ---- running tlsprof ----------------------------------------------------- */

typedef struct run_result {
    int exit_code;  /* exit status; 128+N when killed by signal N; -1 when it could not run */
    json_t *report; /* the --json report, or NULL when absent or not valid JSON */
    char *out;      /* everything it wrote to stdout / stderr (never NULL after a run) */
    char *err;
    double wall_s; /* how long it ran */
    char *cmdline; /* the arguments as run, for messages */
} run_result_t;

#define RUN_TLSPROF_DEFAULT_TIMEOUT_S 120

/* Run TLSPROF_BIN with the printf-formatted arguments, split on spaces
 * ('single' or "double" quotes group words; no escapes). Stdin is /dev/null.
 * For a profiling run (first word "run", a URL, or an option) without --json,
 * `--json TMPFILE` is appended; a report named with `--json FILE` is loaded
 * too (`--json -` parses stdout). Returns 0 when tlsprof ran to completion
 * (whatever its exit code), -1 when it could not be started or overran the
 * timeout (it is then killed and the reason printed loudly). */
int run_tlsprof(run_result_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int run_tlsprof_timeout(run_result_t *r, int timeout_s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int run_tlsprof_v(run_result_t *r, int timeout_s, const char *fmt, va_list ap);
void run_result_free(run_result_t *r);

/* Run argv[0] (a path) with argv, capturing stdout/stderr into r (r->report
 * stays NULL). Same return convention as run_tlsprof. */
int run_command(run_result_t *r, int timeout_s, char *const argv[]);

/* Split s into a NULL-terminated argv (quotes as for run_tlsprof). Returns the
 * word count, or -1 on an unterminated quote. Free with free_args(). */
int split_args(const char *s, char ***argv_out);
void free_args(char **argv);

/* ---- reading JSON reports ----------------------------------------------- */

/* Follow a dotted path: "phases.ttfb.count", "errors.tcp_connect.ECONNREFUSED",
 * "slowest.0.hints" (numbers index arrays). Keys that themselves contain dots
 * ("tls.versions.TLSv1.3") are found too. */
json_t *jget(const json_t *root, const char *dotted_path);
/* The number at path (true/false read as 1/0), or NAN when missing or not a number. */
double jnum(const json_t *root, const char *dotted_path);
/* The string at path, or NULL when missing or not a string. */
const char *jstr(const json_t *root, const char *dotted_path);

/* ---- system helpers ------------------------------------------------------ */

/* A TCP port on 127.0.0.1 that was bindable a moment ago, chosen at random
 * below the ephemeral range so outgoing connections of concurrent tests do
 * not take it. -1 on failure. */
int free_loopback_port(void);

/* Wait until ip:port accepts a TCP connection; 0 when it did, -1 after timeout_ms.
 * If pid > 0 gives up early (returns -1) once that child has exited. */
int wait_port_accepts(const char *ip, int port, int timeout_ms, pid_t pid);

/* Number of TIME_WAIT sockets whose `side` ("dst": the remote end, a
 * client's sockets; "src": the local end, a server's) is ip:port, as counted
 * by `ss -Htan state time-wait SIDE IP:PORT` (an independent check of
 * tlsprof's sock_diag numbers); -1 when ss could not be run. */
int count_time_wait_ss_side(const char *side, const char *ip, int port);
/* count_time_wait_ss_side("dst", ...): a client's TIME_WAIT towards dst_ip:dst_port. */
int count_time_wait_ss(const char *dst_ip, int dst_port);

/* mkdtemp() a fresh directory $TMPDIR/tlsprof-TAG-XXXXXX; caller frees. NULL on error. */
char *make_temp_dir(const char *tag);
/* Remove dir and everything below it without following symlinks; 0 on success
 * (also when dir does not exist). */
int rm_rf(const char *dir);
/* Read a whole file into a NUL-terminated heap string (NULL on error); *len optional. */
char *slurp_file(const char *path, size_t *len);
/* Create/truncate path with exactly these bytes; 0 on success. */
int write_file(const char *path, const void *data, size_t len);

/* Write a self-signed ECDSA P-256 certificate (SAN DNS:localhost, IP:127.0.0.1, IP:::1,
 * valid from yesterday for 30 days) and its private key as PEM. 0 on success. */
int make_selfsigned_cert(const char *cert_path, const char *key_path);

/* ---- process helpers (used by the above; exposed for tests) ------------- */

/* Live (not zombie) processes in process group pgid, from /proc: their pids
 * go to out (may be NULL) and the count, at most max, is returned; -1 when
 * /proc cannot be read. */
int process_group_members(pid_t pgid, pid_t *out, int max);
/* Is any live (not zombie) process still in process group pgid? */
int process_group_alive(pid_t pgid);
/* Signal a child's process group, wait at most grace_ms for the child to
 * exit, then SIGKILL the group; reaps the child. Returns its wait status, or
 * -1 if it was not our child. */
int stop_process_group(pid_t pid, int sig, int grace_ms);

#endif
