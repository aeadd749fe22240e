/* malloc_count.c - LD_PRELOAD shim that counts heap allocation calls.
 *
 * Counts every call of malloc, calloc, realloc, aligned_alloc,
 * posix_memalign and memalign (and free, for reference) in the whole process,
 * all threads, and prints the totals once at exit:
 *
 *   malloc_count: malloc 123 calloc 4 realloc 5 memalign 0 free 130 total 132
 *
 * "total" is every call that can allocate (all but free). The line goes to
 * the file named by $MALLOC_COUNT_FILE (appended) or else to stderr.
 * scripts/bench.sh runs the same workload with N and 2N requests: the
 * difference of the totals divided by N is the allocations per request,
 * with start-up and shut-down costs cancelled out.
 *
 * Build: cc -O2 -shared -fPIC -o malloc_count.so scripts/malloc_count.c -ldl
 * Use:   LD_PRELOAD=./malloc_count.so tlsprof ...
 *
 * It forwards to the next definition in the lookup order (dlsym RTLD_NEXT),
 * so it works over glibc's malloc and over a replacement such as jemalloc
 * (Debian's h2load links jemalloc). dlsym itself may allocate before the real
 * functions are known: those few early requests are served from a static
 * buffer, and free() ignores pointers into it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef void *(*malloc_fn)(size_t);
typedef void *(*calloc_fn)(size_t, size_t);
typedef void *(*realloc_fn)(void *, size_t);
typedef void (*free_fn)(void *);
typedef void *(*memalign_fn)(size_t, size_t);
typedef int (*posix_memalign_fn)(void **, size_t, size_t);

static malloc_fn real_malloc;
static calloc_fn real_calloc;
static realloc_fn real_realloc;
static free_fn real_free;
static memalign_fn real_memalign, real_aligned_alloc;
static posix_memalign_fn real_posix_memalign;

enum { C_MALLOC, C_CALLOC, C_REALLOC, C_MEMALIGN, C_FREE, C_N };
static unsigned long counts[C_N];

/* Relaxed atomics: tlsprof has a main thread and worker threads; exact
 * totals matter, ordering does not. */
static inline void bump(int which)
{
    __atomic_fetch_add(&counts[which], 1, __ATOMIC_RELAXED);
}

/* Bootstrap buffer for allocations made while dlsym runs. */
static _Alignas(16) unsigned char boot[64 * 1024];
static size_t boot_used;
static int resolving;

static void *boot_alloc(size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (boot_used + size > sizeof boot) return NULL;
    void *p = boot + boot_used;
    boot_used += size;
    return p; /* static storage: already zero, as calloc needs */
}

static int in_boot(const void *p)
{
    return (const unsigned char *)p >= boot && (const unsigned char *)p < boot + sizeof boot;
}

static void resolve(void)
{
    if (real_malloc || resolving) return;
    resolving = 1;
    real_calloc = (calloc_fn)dlsym(RTLD_NEXT, "calloc");
    real_realloc = (realloc_fn)dlsym(RTLD_NEXT, "realloc");
    real_free = (free_fn)dlsym(RTLD_NEXT, "free");
    real_memalign = (memalign_fn)dlsym(RTLD_NEXT, "memalign");
    real_aligned_alloc = (memalign_fn)dlsym(RTLD_NEXT, "aligned_alloc");
    real_posix_memalign = (posix_memalign_fn)dlsym(RTLD_NEXT, "posix_memalign");
    real_malloc = (malloc_fn)dlsym(RTLD_NEXT, "malloc"); /* last: it is the "ready" flag */
    resolving = 0;
}

void *malloc(size_t size)
{
    resolve();
    if (!real_malloc) return boot_alloc(size);
    bump(C_MALLOC);
    return real_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    resolve();
    if (!real_malloc) return size && n > SIZE_MAX / size ? NULL : boot_alloc(n * size);
    bump(C_CALLOC);
    return real_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    resolve();
    if (!real_malloc || in_boot(p)) {
        /* Only reachable during start-up: move out of the boot buffer. We
         * do not know the old size, so copy at most what is left of it. */
        void *q = real_malloc ? real_malloc(size) : boot_alloc(size);
        if (q && p) {
            size_t room = (size_t)(boot + sizeof boot - (unsigned char *)p);
            memcpy(q, p, size < room ? size : room);
        }
        return q;
    }
    bump(C_REALLOC);
    return real_realloc(p, size);
}

void free(void *p)
{
    if (!p || in_boot(p)) return;
    resolve();
    bump(C_FREE);
    real_free(p);
}

void *memalign(size_t align, size_t size)
{
    resolve();
    bump(C_MEMALIGN);
    return real_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    resolve();
    bump(C_MEMALIGN);
    return real_aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    resolve();
    bump(C_MEMALIGN);
    return real_posix_memalign(out, align, size);
}

/* Runs after main returns or exit() is called; _exit() skips it, and the
 * line is then missing, which bench.sh reports as an error. Uses only
 * snprintf into a stack buffer and write(), so reporting allocates nothing. */
__attribute__((destructor)) static void report(void)
{
    unsigned long m = counts[C_MALLOC], c = counts[C_CALLOC], r = counts[C_REALLOC];
    unsigned long a = counts[C_MEMALIGN], f = counts[C_FREE];
    char line[256];
    int n = snprintf(
        line, sizeof line,
        "malloc_count: malloc %lu calloc %lu realloc %lu memalign %lu free %lu total %lu\n", m, c,
        r, a, f, m + c + r + a);
    if (n <= 0 || (size_t)n >= sizeof line) return;
    const char *path = getenv("MALLOC_COUNT_FILE");
    int fd = 2;
    if (path && *path) fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t w = write(fd, line, (size_t)n);
    (void)w;
    if (fd != 2) close(fd);
}
