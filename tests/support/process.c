/* process.c - starting and stopping child processes so that none outlives
 * the test: own process group, PR_SET_PDEATHSIG, an atexit() sweep, and
 * deadlines on every wait. */
#include "harness.h"
#include "harness_private.h"
#include "measure/clock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Children not yet reaped, for the atexit() sweep. Test programs are single
 * threaded, so a small fixed table without locking is enough. */
#define MAX_LIVE_CHILDREN 64
static pid_t live_children[MAX_LIVE_CHILDREN];
#define MAX_LIVE_DIRS 64
static char *live_dirs[MAX_LIVE_DIRS];
static int sweep_installed;

void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR) {
    }
}

long long now_ms(void)
{
    return (long long)(clock_now() / 1000000ull);
}

int exit_code_of(int status)
{
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

static void sweep_live_children(void)
{
    for (int i = 0; i < MAX_LIVE_CHILDREN; i++) {
        if (live_children[i] > 0) {
            fprintf(stderr, "harness: child %d still running at exit; stopping it\n",
                    (int)live_children[i]);
            stop_process_group(live_children[i], SIGTERM, 2000);
        }
    }
    for (int i = 0; i < MAX_LIVE_DIRS; i++) {
        if (live_dirs[i]) {
            rm_rf(live_dirs[i]);
            free(live_dirs[i]);
            live_dirs[i] = NULL;
        }
    }
}

static void install_sweep(void)
{
    if (!sweep_installed) {
        atexit(sweep_live_children);
        sweep_installed = 1;
    }
}

void remember_dir(const char *dir)
{
    install_sweep();
    for (int i = 0; i < MAX_LIVE_DIRS; i++) {
        if (!live_dirs[i]) {
            live_dirs[i] = strdup(dir);
            return;
        }
    }
}

void forget_dir(const char *dir)
{
    for (int i = 0; i < MAX_LIVE_DIRS; i++) {
        if (live_dirs[i] && strcmp(live_dirs[i], dir) == 0) {
            free(live_dirs[i]);
            live_dirs[i] = NULL;
        }
    }
}

static void remember_child(pid_t pid)
{
    install_sweep();
    for (int i = 0; i < MAX_LIVE_CHILDREN; i++) {
        if (live_children[i] == 0) {
            live_children[i] = pid;
            return;
        }
    }
    fprintf(stderr, "harness: more than %d live children; pid %d will not be swept at exit\n",
            MAX_LIVE_CHILDREN, (int)pid);
}

void forget_child(pid_t pid)
{
    for (int i = 0; i < MAX_LIVE_CHILDREN; i++)
        if (live_children[i] == pid) live_children[i] = 0;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void exec_child(char *const argv[], pid_t parent, int in_fd, int out_fd, int err_fd,
                       int pdeathsig)
{
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, pdeathsig);
    if (getppid() != parent) _exit(127); /* the parent died before prctl took effect */

    /* Undo anything the test program changed that exec would keep. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);

    int fds[3] = {in_fd, out_fd, err_fd};
    /* Move the sources above 2 first so dup2 cannot clobber one with another. */
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0 && fds[i] <= 2) fds[i] = fcntl(fds[i], F_DUPFD, 3);
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] < 0 || dup2(fds[i], i) < 0) _exit(126);
    }
    if (close_range(3, ~0U, 0) != 0) {
        int maxfd = (int)sysconf(_SC_OPEN_MAX);
        for (int fd = 3; fd < maxfd && fd < (1 << 20); fd++)
            close(fd);
    }

    execv(argv[0], argv);
    const char msg[] = "harness: exec failed\n";
    ssize_t ignored = write(2, msg, sizeof msg - 1);
    (void)ignored;
    _exit(127);
}

pid_t spawn_child(char *const argv[], int in_fd, int out_fd, int err_fd, int pdeathsig)
{
    /* Orphaned grandchildren (nginx workers whose master was killed) are
     * re-parented to us instead of init, so stop_process_group can reap them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (access(argv[0], X_OK) != 0) {
        fprintf(stderr, "harness: cannot execute %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    fflush(NULL); /* do not let the child inherit unflushed stdio buffers */
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "harness: fork for %s: %s\n", argv[0], strerror(errno));
        return -1;
    }
    if (pid == 0) exec_child(argv, parent, in_fd, out_fd, err_fd, pdeathsig);
    setpgid(pid, pid); /* also from here, so the group exists before we signal it */
    remember_child(pid);
    return pid;
}

int process_group_members(pid_t pgid, pid_t *out, int max)
{
    /* kill(-pgid, 0) also counts zombies; /proc shows only live processes. */
    DIR *d = opendir("/proc");
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while (n < max && (e = readdir(d)) != NULL) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') continue;
        char path[300];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        char *stat = slurp_file(path, NULL);
        if (!stat) continue;
        /* Fields after the parenthesised command name: state ppid pgrp ... */
        char *rparen = strrchr(stat, ')');
        char state = 0;
        int ppid = 0, pgrp = 0;
        if (rparen && sscanf(rparen + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 &&
            pgrp == (int)pgid && state != 'Z' && state != 'X') {
            if (out) out[n] = (pid_t)atoi(e->d_name);
            n++;
        }
        free(stat);
    }
    closedir(d);
    return n;
}

int process_group_alive(pid_t pgid)
{
    int n = process_group_members(pgid, NULL, 1);
    if (n < 0) return kill(-pgid, 0) == 0 || errno == EPERM;
    return n > 0;
}

/* Reap any exited members of group pgid that are our children (adopted
 * workers, see PR_SET_CHILD_SUBREAPER above). */
static void reap_group(pid_t pgid)
{
    int status;
    while (waitpid(-pgid, &status, WNOHANG) > 0) {
    }
}

void sweep_group(pid_t pgid)
{
    /* The leader is gone; make sure no member of its group (a worker) is left. */
    long long deadline = now_ms() + 3000;
    while (process_group_alive(pgid) && now_ms() < deadline) {
        kill(-pgid, SIGKILL);
        reap_group(pgid);
        sleep_ms(5);
    }
    reap_group(pgid);
}

int stop_process_group(pid_t pid, int sig, int grace_ms)
{
    if (pid <= 0) return -1;
    int status = 0;
    pid_t got = waitpid(pid, &status, WNOHANG);
    if (got == 0) {
        kill(-pid, sig);
        long long deadline = now_ms() + grace_ms;
        while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
            sleep_ms(5);
        if (got == 0) {
            if (sig != SIGKILL)
                fprintf(stderr, "harness: pid %d ignored signal %d for %d ms; sending SIGKILL\n",
                        (int)pid, sig, grace_ms);
            kill(-pid, SIGKILL);
            deadline = now_ms() + 5000;
            while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
                sleep_ms(5);
        }
    }
    forget_child(pid);
    sweep_group(pid);
    if (got <= 0) {
        fprintf(stderr, "harness: could not reap pid %d\n", (int)pid);
        return -1;
    }
    return status;
}
