/* peer.c - what both kinds of test server share: a private temp dir, log
 * files, starting the process and stopping it without leaving anything. */
#include "harness.h"
#include "harness_private.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

int peer_prepare(peer_t *p, int kind, const char *tag)
{
    memset(p, 0, sizeof *p);
    p->kind = (enum peer_kind)kind;
    char *dir = make_temp_dir(tag);
    if (!dir) return -1;
    int n = snprintf(p->dir, sizeof p->dir, "%s", dir);
    free(dir);
    if (n < 0 || (size_t)n >= sizeof p->dir) {
        fprintf(stderr, "harness: temp dir path too long\n");
        rm_rf(p->dir);
        p->dir[0] = '\0';
        return -1;
    }
    remember_dir(p->dir);
    snprintf(p->stdout_path, sizeof p->stdout_path, "%s/stdout.log", p->dir);
    snprintf(p->stderr_path, sizeof p->stderr_path, "%s/stderr.log", p->dir);
    return 0;
}

int peer_spawn(peer_t *p, char *const argv[], int pdeathsig)
{
    /* Files, not pipes: a server that keeps logging can never block on a
     * pipe nobody reads, and the logs survive for peer_dump_logs. */
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int out = open(p->stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    int err = open(p->stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
    pid_t pid = -1;
    if (in >= 0 && out >= 0 && err >= 0)
        pid = spawn_child(argv, in, out, err, pdeathsig);
    else
        fprintf(stderr, "harness: opening log files in %s: %s\n", p->dir, strerror(errno));
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (err >= 0) close(err);
    if (pid < 0) return -1;
    p->pid = pid;
    return 0;
}

int peer_exited(const peer_t *p)
{
    siginfo_t info = {0};
    return p->pid > 0 && waitid(P_PID, (id_t)p->pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
           info.si_pid == p->pid;
}

void peer_stop(peer_t *p)
{
    if (!p) return;
    if (p->pid > 0) {
        int status = stop_process_group(p->pid, SIGTERM, 5000);
        if (status != -1 && WIFSIGNALED(status) && WTERMSIG(status) != SIGTERM)
            fprintf(stderr, "harness: peer %d died of signal %d\n", (int)p->pid, WTERMSIG(status));
        p->pid = 0;
    }
    if (p->dir[0]) {
        const char *keep = getenv("TLSPROF_KEEP_TEST_DIRS");
        if (keep && *keep && strcmp(keep, "0") != 0)
            fprintf(stderr, "harness: keeping %s (TLSPROF_KEEP_TEST_DIRS)\n", p->dir);
        else
            rm_rf(p->dir);
        forget_dir(p->dir);
        p->dir[0] = '\0';
    }
}

static void dump_tail(const char *label, const char *path)
{
    if (!path || !*path) return;
    size_t len = 0;
    char *text = slurp_file(path, &len);
    if (!text) return;
    const size_t max = 6000; /* the end is where the reason is */
    const char *start = len > max ? text + len - max : text;
    print_message("---- %s (%s)%s ----\n%s%s", label, path, len > max ? ", last part" : "", start,
                  (len && text[len - 1] != '\n') ? "\n" : "");
    free(text);
}

void peer_dump_logs(const peer_t *p)
{
    if (!p || !p->dir[0]) return;
    dump_tail("server stdout", p->stdout_path);
    dump_tail("server stderr", p->stderr_path);
    if (p->kind == PEER_NGINX) dump_tail("nginx error.log", p->error_log);
}
