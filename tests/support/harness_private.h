/* harness_private.h - helpers shared between the harness's own files only. */
#ifndef TLSPROF_TEST_HARNESS_PRIVATE_H
#define TLSPROF_TEST_HARNESS_PRIVATE_H

#include <sys/types.h>

/* fork+exec argv[0] (a path) in a new process group with PR_SET_PDEATHSIG set
 * to pdeathsig. The child's fds 0/1/2 become in_fd/out_fd/err_fd and every
 * other fd is closed. The child is registered for the atexit() cleanup.
 * Returns the pid, or -1 (reason printed). */
pid_t spawn_child(char *const argv[], int in_fd, int out_fd, int err_fd, int pdeathsig);

/* Forget a child that has been reaped (so atexit does not signal a reused pid). */
void forget_child(pid_t pid);

/* Remove dir at exit unless forget_dir() was called first (peer temp dirs). */
void remember_dir(const char *dir);
void forget_dir(const char *dir);

/* After a group's leader was reaped: SIGKILL and reap any member left (bounded). */
void sweep_group(pid_t pgid);

/* Sleep for ms milliseconds. */
void sleep_ms(int ms);

/* Milliseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
long long now_ms(void);

/* Decode a wait status into an exit code: WEXITSTATUS, or 128+signal. */
int exit_code_of(int status);

/* Reset *p, give it a fresh temp dir and log paths. 0 or -1 (reason printed). */
struct peer;
int peer_prepare(struct peer *p, int kind, const char *tag);

/* Start argv as p's server process, stdout/stderr to p's log files. 0 or -1. */
int peer_spawn(struct peer *p, char *const argv[], int pdeathsig);

/* Has p's server process exited? Looks without reaping it. */
int peer_exited(const struct peer *p);

#endif
