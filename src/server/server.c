/* server.c - start and stop the server: listeners, one libev loop per
 * thread, accepting, counters. */
#include "server/server_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* Accepts per wake-up before the loop serves the open connections again. */
#define ACCEPT_BUDGET 256
/* Out of descriptors: retry accepting after this long instead of spinning
 * on a listener that stays readable. */
#define ACCEPT_PAUSE_S 0.1

/* 10,000 connections need more than the usual soft limit of 1024. */
static void raise_nofile_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
    worker_t *w = io->data;
    for (int i = 0; i < ACCEPT_BUDGET; i++) {
        int fd = accept4(w->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            conn_accept(w, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            mono_ns now = clock_now();
            if (now - w->last_emfile_log >= 1000000000ull) {
                w->last_emfile_log = now;
                fprintf(stderr,
                        "tlsprof serve: accept: %s (%d connections open); pausing accepts\n",
                        strerror(errno), (int)atomic_load(&w->counters.open));
            }
            ev_io_stop(loop, &w->accept_watcher);
            ev_timer_set(&w->accept_pause, ACCEPT_PAUSE_S, 0.);
            ev_timer_start(loop, &w->accept_pause);
            return;
        }
        fprintf(stderr, "tlsprof serve: accept: %s\n", strerror(errno));
        return;
    }
}

static void accept_resume_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
    worker_t *w = t->data;
    ev_io_start(loop, &w->accept_watcher);
}

static void stop_cb(struct ev_loop *loop, ev_async *a, int revents)
{
    worker_t *w = a->data;
    ev_io_stop(loop, &w->accept_watcher);
    ev_timer_stop(loop, &w->accept_pause);
    conn_close_all(w);
    ev_break(loop, EVBREAK_ALL);
}

static void *worker_main(void *arg)
{
    worker_t *w = arg;
    /* Signals belong to whoever embeds the server (serve_main sigwaits);
     * a blocked SIGPIPE turns writes to a closed peer into EPIPE. */
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, NULL);
    ev_run(w->loop, 0);
    return NULL;
}

static int open_listener(const server_config_t *c, int port, int reuseport, char *err,
                         size_t errlen)
{
    struct sockaddr_storage ss;
    socklen_t len;
    memset(&ss, 0, sizeof ss);
    int v6 = strchr(c->host, ':') != NULL;
    if (v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        inet_pton(AF_INET6, c->host, &a->sin6_addr);
        len = sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        inet_pton(AF_INET, c->host, &a->sin_addr);
        len = sizeof *a;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "--listen %s: socket: %s", c->host, strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (v6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    /* Only with several threads: otherwise a second server on the same port
     * would silently share it instead of failing to bind. */
    if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one)) {
        snprintf(err, errlen, "--threads: SO_REUSEPORT: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&ss, len)) {
        snprintf(err, errlen, "--listen %s%s%s:%d: bind: %s", v6 ? "[" : "", c->host, v6 ? "]" : "",
                 port, strerror(errno));
        close(fd);
        return -1;
    }
    /* The kernel caps the backlog at net.core.somaxconn. */
    if (listen(fd, 65535)) {
        snprintf(err, errlen, "--listen %s:%d: listen: %s", c->host, port, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int bound_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len)) return -1;
    return ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                    : ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* Clients are pointed at the loopback address when the server binds the
 * unspecified one. */
static void make_url(server_t *s)
{
    const char *h = s->cfg.host;
    if (!strcmp(h, "0.0.0.0"))
        h = "127.0.0.1";
    else if (!strcmp(h, "::"))
        h = "::1";
    int v6 = strchr(h, ':') != NULL;
    snprintf(s->url, sizeof s->url, "https://%s%s%s:%d", v6 ? "[" : "", h, v6 ? "]" : "", s->port);
}

static int start_workers(server_t *s, char *err, size_t errlen)
{
    int reuseport = s->nworkers > 1;
    for (int i = 0; i < s->nworkers; i++) {
        worker_t *w = &s->workers[i];
        w->srv = s;
        w->index = i;
        w->listen_fd =
            open_listener(&s->cfg, i == 0 ? s->cfg.port : s->port, reuseport, err, errlen);
        if (w->listen_fd < 0) return -1;
        if (i == 0) s->port = bound_port(w->listen_fd);
        w->loop = ev_loop_new(EVFLAG_AUTO);
        if (!w->loop) {
            snprintf(err, errlen, "libev: cannot create an event loop");
            return -1;
        }
        ev_io_init(&w->accept_watcher, accept_cb, w->listen_fd, EV_READ);
        w->accept_watcher.data = w;
        ev_io_start(w->loop, &w->accept_watcher);
        ev_init(&w->accept_pause, accept_resume_cb);
        w->accept_pause.data = w;
        ev_async_init(&w->stop_watcher, stop_cb);
        w->stop_watcher.data = w;
        ev_async_start(w->loop, &w->stop_watcher);
    }
    for (int i = 0; i < s->nworkers; i++) {
        worker_t *w = &s->workers[i];
        int rc = pthread_create(&w->thread, NULL, worker_main, w);
        if (rc) {
            snprintf(err, errlen, "--threads %d: pthread_create: %s", s->nworkers, strerror(rc));
            return -1;
        }
        w->thread_started = 1;
    }
    return 0;
}

static void server_free(server_t *s)
{
    for (int i = 0; s->workers && i < s->nworkers; i++) {
        worker_t *w = &s->workers[i];
        if (w->loop) {
            conn_close_all(w); /* threads are joined: safe from here */
            ev_loop_destroy(w->loop);
        }
        if (w->listen_fd >= 0) close(w->listen_fd);
    }
    free(s->workers);
    SSL_CTX_free(s->ssl_ctx);
    EVP_CIPHER_free(s->ticket_key.cipher);
    OPENSSL_cleanse(&s->ticket_key, sizeof s->ticket_key);
    server_h2_free(s);
    free(s->cert_pem);
    free(s->huge_header);
    free(s);
}

server_t *server_start(const server_config_t *c, char *err, size_t errlen)
{
    raise_nofile_limit();
    server_t *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    s->cfg = *c;
    s->port = c->port;
    s->nworkers = c->threads > 0 ? c->threads : 1;
    s->alpn_len = tls_alpn_encode(c->tls.alpn ? c->tls.alpn : "h2", s->alpn, sizeof s->alpn);
    if (s->alpn_len <= 0) {
        snprintf(err, errlen, "--alpn '%s': not a valid protocol list", c->tls.alpn);
        goto fail;
    }
    for (int i = 0; i < s->alpn_len; i += 1 + s->alpn[i])
        if (s->alpn[i] == 2 && !memcmp(&s->alpn[i + 1], "h2", 2)) s->alpn_has_h2 = 1;
    if (c->ticket_key_file) {
        if (server_load_ticket_key(c->ticket_key_file, &s->ticket_key, err, errlen)) goto fail;
        s->have_ticket_key = 1;
    }
    s->ssl_ctx = server_tls_ctx_new(s, err, errlen);
    if (!s->ssl_ctx) goto fail;
    if (server_h2_init(s, err, errlen)) goto fail;
    snprintf(s->content_length, sizeof s->content_length, "%llu", (unsigned long long)c->body_size);
    if (c->fault == FAULT_HUGE_HEADERS) {
        s->huge_header = malloc((size_t)c->fault_arg);
        if (!s->huge_header) {
            snprintf(err, errlen, "--fault huge-headers:%llu: out of memory",
                     (unsigned long long)c->fault_arg);
            goto fail;
        }
        memset(s->huge_header, 'x', (size_t)c->fault_arg);
    }
    s->workers = calloc((size_t)s->nworkers, sizeof *s->workers);
    if (!s->workers) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    for (int i = 0; i < s->nworkers; i++)
        s->workers[i].listen_fd = -1;
    if (start_workers(s, err, errlen)) goto fail;
    make_url(s);
    return s;
fail:
    server_halt(s);
    server_free(s);
    return NULL;
}

void server_halt(server_t *s)
{
    for (int i = 0; s->workers && i < s->nworkers; i++)
        if (s->workers[i].thread_started)
            ev_async_send(s->workers[i].loop, &s->workers[i].stop_watcher);
    for (int i = 0; s->workers && i < s->nworkers; i++) {
        if (!s->workers[i].thread_started) continue;
        pthread_join(s->workers[i].thread, NULL);
        s->workers[i].thread_started = 0;
    }
}

void server_stop(server_t *s)
{
    if (!s) return;
    server_halt(s);
    server_free(s);
}

int server_port(const server_t *s)
{
    return s->port;
}

const char *server_url(const server_t *s)
{
    return s->url;
}

const char *server_cert_pem(const server_t *s)
{
    return s->cert_pem;
}

int server_threads(const server_t *s)
{
    return s->nworkers;
}

static void add_counters(server_stats_t *o, const worker_counters_t *k)
{
#define ADD(field, counter) o->field += atomic_load_explicit(&k->counter, memory_order_relaxed)
    ADD(connections_accepted, accepted);
    ADD(connections_open, open);
    ADD(handshakes_full, full);
    ADD(handshakes_resumed, resumed);
    ADD(handshake_failures, hs_failures);
    ADD(early_data_accepted, early_accepted);
    ADD(early_data_rejected, early_rejected);
    ADD(requests, requests);
    ADD(early_requests, early_requests);
    ADD(faults_injected, faults);
    ADD(protocol_errors, protocol_errors);
    ADD(io_errors, io_errors);
    ADD(idle_closed, idle_closed);
#undef ADD
    o->errors = o->handshake_failures + o->protocol_errors + o->io_errors;
}

void server_thread_stats(const server_t *s, int thread, server_stats_t *out)
{
    memset(out, 0, sizeof *out);
    if (thread >= 0 && thread < s->nworkers) add_counters(out, &s->workers[thread].counters);
}

void server_stats(const server_t *s, server_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s->nworkers; i++)
        add_counters(out, &s->workers[i].counters);
}
