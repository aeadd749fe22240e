/* events.h - the per-connection event log (--events FILE, JSON Lines).
 *
 * Each worker formats lines into its own 64 KiB buffer and hands full
 * buffers to the kernel with one write() on a file opened O_APPEND, so lines
 * never interleave and the hot path never waits on a lock. The file is
 * written under a temporary name and renamed when the run ends. */
#ifndef TLSPROF_EVENTS_H
#define TLSPROF_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/conn.h"
#include "engine/story.h"

#define EVENTS_BUF (64 * 1024)

typedef struct events_writer {
    int fd;        /* -1: no event log */
    double sample; /* fraction of connections logged */
    char *buf;
    size_t len;
    uint64_t lines;
    uint64_t write_errors;
} events_writer_t;

/* Main thread: open PATH.tmp.PID for writing. Returns the fd or -1 (err). */
int events_open(const char *path, char *tmp, size_t tmplen, char *err, size_t errlen);
/* Main thread, after the workers: rename the temporary file into place. */
int events_commit(int fd, const char *tmp, const char *path, char *err, size_t errlen);

int events_writer_init(events_writer_t *ew, int fd, double sample);
void events_writer_free(events_writer_t *ew);
/* Deterministic per connection, so a connection and its streams are logged
 * together and a rerun logs the same ids. */
bool events_sampled(double sample, uint64_t conn_id);
void events_connection(events_writer_t *ew, const conn_story_t *s, const char *remote);
void events_stream(events_writer_t *ew, const conn_t *c, const stream_t *st, const char *err_phase,
                   const char *err);
void events_flush(events_writer_t *ew);

#endif
