/* run.c - run the built tlsprof (or any program) with a deadline, capture
 * everything it prints and load the JSON report it wrote. */
#include "harness.h"
#include "harness_private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* After the program exits, how long to wait for its pipes to close (a
 * grandchild may still hold them). */
#define PIPE_DRAIN_GRACE_MS 2000

/* ---- argument splitting --------------------------------------------------- */

void free_args(char **argv)
{
    if (!argv) return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

int split_args(const char *s, char ***argv_out)
{
    size_t cap = 8, n = 0;
    char **argv = calloc(cap, sizeof *argv);
    char *word = malloc(strlen(s) + 1);
    if (!argv || !word) goto fail;
    const char *c = s;
    for (;;) {
        while (*c == ' ' || *c == '\t' || *c == '\n')
            c++;
        if (!*c) break;
        size_t len = 0;
        /* A word runs to the next unquoted blank; quotes group and are dropped. */
        while (*c && *c != ' ' && *c != '\t' && *c != '\n') {
            if (*c == '\'' || *c == '"') {
                char q = *c++;
                while (*c && *c != q)
                    word[len++] = *c++;
                if (*c != q) goto fail; /* unterminated quote */
                c++;
            } else {
                word[len++] = *c++;
            }
        }
        word[len] = '\0';
        if (n + 2 > cap) {
            char **bigger = realloc(argv, 2 * cap * sizeof *argv);
            if (!bigger) goto fail;
            argv = bigger;
            cap *= 2;
        }
        if (!(argv[n++] = strdup(word))) goto fail;
        argv[n] = NULL;
    }
    free(word);
    *argv_out = argv;
    return (int)n;
fail:
    free(word);
    if (argv) {
        argv[n] = NULL;
        free_args(argv);
    }
    *argv_out = NULL;
    return -1;
}

/* ---- running with capture ------------------------------------------------ */

struct buf {
    char *data;
    size_t len, cap;
};

static int buf_read(struct buf *b, int fd)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? b->cap * 2 : 16384;
        char *bigger = realloc(b->data, cap);
        if (!bigger) return -1;
        b->data = bigger;
        b->cap = cap;
    }
    ssize_t n = read(fd, b->data + b->len, b->cap - b->len - 1);
    if (n < 0) return (errno == EINTR || errno == EAGAIN) ? 1 : -1;
    b->len += (size_t)n;
    b->data[b->len] = '\0';
    return n == 0 ? 0 : 1;
}

static char *buf_finish(struct buf *b)
{
    if (!b->data) return strdup("");
    return b->data;
}

static char *join_args(char *const argv[])
{
    size_t len = 1;
    for (char *const *a = argv; *a; a++)
        len += strlen(*a) + 1;
    char *s = calloc(1, len);
    if (!s) return NULL;
    for (char *const *a = argv; *a; a++) {
        if (a != argv) strcat(s, " ");
        strcat(s, *a);
    }
    return s;
}

int run_command(run_result_t *r, int timeout_s, char *const argv[])
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    r->cmdline = join_args(argv);
    struct buf out = {0}, err = {0};
    int out_pipe[2] = {-1, -1}, err_pipe[2] = {-1, -1};
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t pid = -1;
    if (in >= 0 && pipe2(out_pipe, O_CLOEXEC) == 0 && pipe2(err_pipe, O_CLOEXEC) == 0)
        pid = spawn_child(argv, in, out_pipe[1], err_pipe[1], SIGKILL);
    if (in >= 0) close(in);
    if (out_pipe[1] >= 0) close(out_pipe[1]);
    if (err_pipe[1] >= 0) close(err_pipe[1]);
    if (pid < 0) {
        fprintf(stderr, "harness: could not start %s\n", argv[0]);
        if (out_pipe[0] >= 0) close(out_pipe[0]);
        if (err_pipe[0] >= 0) close(err_pipe[0]);
        r->out = strdup("");
        r->err = strdup("");
        return -1;
    }

    long long start = now_ms(), deadline = start + (long long)timeout_s * 1000;
    long long exited_at = 0;
    int status = 0, timed_out = 0, exited = 0;
    struct pollfd pfd[2] = {{.fd = out_pipe[0], .events = POLLIN},
                            {.fd = err_pipe[0], .events = POLLIN}};
    struct buf *bufs[2] = {&out, &err};
    while (pfd[0].fd >= 0 || pfd[1].fd >= 0 || !exited) {
        long long now = now_ms();
        if (now >= deadline) {
            timed_out = 1;
            break;
        }
        if (!exited && waitpid(pid, &status, WNOHANG) == pid) {
            exited = 1;
            exited_at = now;
        }
        if (exited && now - exited_at > PIPE_DRAIN_GRACE_MS) break; /* a grandchild holds them */
        int poll_ms = exited ? 50 : 20; /* bounded, so waitpid is polled too */
        if (poll(pfd, 2, poll_ms) < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (buf_read(bufs[i], pfd[i].fd) <= 0) {
                close(pfd[i].fd);
                pfd[i].fd = -1;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (pfd[i].fd >= 0) close(pfd[i].fd);
    r->wall_s = (double)(now_ms() - start) / 1000.0;
    r->out = buf_finish(&out);
    r->err = buf_finish(&err);

    if (timed_out || !exited) {
        /* Stop the whole group (the program and anything it forked). */
        int st = stop_process_group(pid, SIGKILL, 0);
        if (timed_out) {
            size_t elen = strlen(r->err);
            fprintf(stderr,
                    "harness: TIMEOUT: `%s` still running after %d s; killed it.\n"
                    "---- its stderr (last part) ----\n%s\n",
                    r->cmdline ? r->cmdline : argv[0], timeout_s,
                    elen > 4000 ? r->err + elen - 4000 : r->err);
            return -1;
        }
        r->exit_code = exit_code_of(st);
        return 0;
    }
    forget_child(pid);
    sweep_group(pid); /* anything it forked into its group and left running */
    r->exit_code = exit_code_of(status);
    if (WIFSIGNALED(status))
        fprintf(stderr, "harness: `%s` was killed by signal %d\n",
                r->cmdline ? r->cmdline : argv[0], WTERMSIG(status));
    return 0;
}

/* ---- tlsprof ------------------------------------------------------------- */

/* Does this command line profile a URL (and so accept --json)? Other
 * subcommands (serve, ciphers, compare, ...) get no --json added. */
static int is_profiling_run(char **args, int n)
{
    if (n == 0) return 0;
    const char *first = args[0];
    if (strcmp(first, "run") == 0 || strstr(first, "://")) return 1;
    static const char *const not_runs[] = {"-h", "--help", "-V", "--version"};
    for (size_t i = 0; i < sizeof not_runs / sizeof *not_runs; i++)
        if (strcmp(first, not_runs[i]) == 0) return 0;
    return first[0] == '-';
}

/* The file named by --json FILE or --json=FILE, "" when --json has no
 * argument, NULL when there is no --json. */
static const char *json_arg(char **args, int n)
{
    for (int i = 0; i < n; i++) {
        if (strcmp(args[i], "--json") == 0) return i + 1 < n ? args[i + 1] : "";
        if (strncmp(args[i], "--json=", 7) == 0) return args[i] + 7;
    }
    return NULL;
}

static json_t *load_report(const char *path, const char *stdout_text)
{
    json_error_t jerr;
    json_t *report;
    if (strcmp(path, "-") == 0) {
        report = json_loads(stdout_text, 0, &jerr);
    } else {
        struct stat st;
        if (stat(path, &st) != 0) return NULL; /* tlsprof wrote no report */
        report = json_load_file(path, 0, &jerr);
    }
    if (!report)
        fprintf(stderr, "harness: report %s is not valid JSON: line %d column %d: %s\n", path,
                jerr.line, jerr.column, jerr.text);
    return report;
}

int run_tlsprof_v(run_result_t *r, int timeout_s, const char *fmt, va_list ap)
{
    memset(r, 0, sizeof *r);
    r->exit_code = -1;
    char *line = NULL;
    char **args = NULL;
    if (vasprintf(&line, fmt, ap) < 0) return -1;
    int n = split_args(line, &args);
    if (n < 0) {
        fprintf(stderr, "harness: unbalanced quotes in tlsprof arguments: %s\n", line);
        free(line);
        r->out = strdup("");
        r->err = strdup("");
        return -1;
    }
    free(line);

    const char *report_path = json_arg(args, n);
    char *tmpdir = NULL, tmp_report[600] = "";
    if (!report_path && is_profiling_run(args, n) && (tmpdir = make_temp_dir("report"))) {
        snprintf(tmp_report, sizeof tmp_report, "%s/report.json", tmpdir);
        report_path = tmp_report;
    }
    char **argv = calloc((size_t)n + 4, sizeof *argv);
    int rc = -1;
    if (argv) {
        argv[0] = TLSPROF_BIN;
        for (int i = 0; i < n; i++)
            argv[i + 1] = args[i];
        if (tmp_report[0]) {
            argv[n + 1] = "--json";
            argv[n + 2] = tmp_report;
        }
        rc = run_command(r, timeout_s, argv);
        if (rc == 0 && report_path && *report_path) r->report = load_report(report_path, r->out);
        free(argv);
    }
    if (tmpdir) {
        rm_rf(tmpdir);
        free(tmpdir);
    }
    free_args(args);
    return rc;
}

int run_tlsprof(run_result_t *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = run_tlsprof_v(r, RUN_TLSPROF_DEFAULT_TIMEOUT_S, fmt, ap);
    va_end(ap);
    return rc;
}

int run_tlsprof_timeout(run_result_t *r, int timeout_s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = run_tlsprof_v(r, timeout_s, fmt, ap);
    va_end(ap);
    return rc;
}

void run_result_free(run_result_t *r)
{
    if (!r) return;
    json_decref(r->report);
    free(r->out);
    free(r->err);
    free(r->cmdline);
    memset(r, 0, sizeof *r);
}
