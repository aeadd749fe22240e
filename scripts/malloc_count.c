/* malloc_count.c - LD_PRELOAD shim that counts heap allocation calls.
 *
 * Counts every call of malloc, calloc, realloc, aligned_alloc,
 * posix_memalign and memalign (and free, for reference) in the whole process,
 * all threads, and prints the totals once at exit:
 *
 *   malloc_count: malloc 123 calloc 4 realloc 5 memalign 0 free 130 total 132
 *   malloc_count_by: tlsprof 3 libcrypto.so.3 117 libnghttp2.so.14 12
 *
 * "total" is every call that can allocate (all but free). The second line
 * splits that total by the object (executable or library) whose code called
 * the allocator: the caller's return address, resolved with dladdr at exit
 * (objects that allocated nothing are not listed). bench.sh prints the
 * difference of these per-object counts between its N and 2N runs, which
 * shows whose code allocates per request. The lines go to the file named by
 * $MALLOC_COUNT_FILE (appended) or else to stderr.
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
#include <stdarg.h>
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

/* Allocation calls per caller address: an open-addressing table filled
 * with compare-and-swap, so threads never block each other and nothing is
 * allocated. A full table counts the rest under "unattributed". */
#define SITES 8192
static uintptr_t site_addr[SITES];
static unsigned long site_count[SITES];
static unsigned long unattributed;

static void count_site(uintptr_t addr)
{
    size_t h = (size_t)((addr * 0x9e3779b97f4a7c15ull) >> 51) % SITES;
    for (size_t i = 0; i < SITES; i++, h = (h + 1) % SITES) {
        uintptr_t cur = __atomic_load_n(&site_addr[h], __ATOMIC_RELAXED);
        if (cur == 0) {
            uintptr_t expected = 0;
            if (!__atomic_compare_exchange_n(&site_addr[h], &expected, addr, 0, __ATOMIC_RELAXED,
                                             __ATOMIC_RELAXED))
                cur = expected;
            else
                cur = addr;
        }
        if (cur == addr) {
            __atomic_fetch_add(&site_count[h], 1, __ATOMIC_RELAXED);
            return;
        }
    }
    __atomic_fetch_add(&unattributed, 1, __ATOMIC_RELAXED);
}

/* Relaxed atomics: tlsprof has a main thread and worker threads; exact
 * totals matter, ordering does not. */
static inline void bump(int which, void *caller)
{
    __atomic_fetch_add(&counts[which], 1, __ATOMIC_RELAXED);
    if (which != C_FREE) count_site((uintptr_t)caller);
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
    bump(C_MALLOC, __builtin_return_address(0));
    return real_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    resolve();
    if (!real_malloc) return size && n > SIZE_MAX / size ? NULL : boot_alloc(n * size);
    bump(C_CALLOC, __builtin_return_address(0));
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
    bump(C_REALLOC, __builtin_return_address(0));
    return real_realloc(p, size);
}

void free(void *p)
{
    if (!p || in_boot(p)) return;
    resolve();
    bump(C_FREE, __builtin_return_address(0));
    real_free(p);
}

void *memalign(size_t align, size_t size)
{
    resolve();
    bump(C_MEMALIGN, __builtin_return_address(0));
    return real_memalign(align, size);
}

void *aligned_alloc(size_t align, size_t size)
{
    resolve();
    bump(C_MEMALIGN, __builtin_return_address(0));
    return real_aligned_alloc(align, size);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    resolve();
    bump(C_MEMALIGN, __builtin_return_address(0));
    return real_posix_memalign(out, align, size);
}

/* The object file an address belongs to, by its base name. */
static const char *object_of(uintptr_t addr)
{
    Dl_info info;
    if (!dladdr((void *)addr, &info) || !info.dli_fname || !*info.dli_fname) return "unknown";
    const char *slash = strrchr(info.dli_fname, '/');
    return slash ? slash + 1 : info.dli_fname;
}

/* Append to line[cap] at *used; output that does not fit is dropped, and
 * *used never passes cap - 1 (snprintf returns what it would have written). */
static void put(char *line, size_t cap, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(line + *used, cap - *used, fmt, ap);
    va_end(ap);
    if (k > 0) *used = *used + (size_t)k < cap ? *used + (size_t)k : cap - 1;
}

/* Runs after main returns or exit() is called; _exit() skips it, and the
 * line is then missing, which bench.sh reports as an error. Uses only
 * snprintf into stack buffers and write(), so reporting allocates nothing. */
__attribute__((destructor)) static void report(void)
{
    unsigned long m = counts[C_MALLOC], c = counts[C_CALLOC], r = counts[C_REALLOC];
    unsigned long a = counts[C_MEMALIGN], f = counts[C_FREE];
    char line[4096];
    int n = snprintf(
        line, sizeof line,
        "malloc_count: malloc %lu calloc %lu realloc %lu memalign %lu free %lu total %lu\n", m, c,
        r, a, f, m + c + r + a);
    if (n <= 0 || (size_t)n >= sizeof line) return;
    /* Sum the sites per object; at most 32 distinct objects are listed. */
    const char *obj[32];
    unsigned long objn[32];
    size_t nobj = 0;
    for (size_t i = 0; i < SITES; i++) {
        if (!site_addr[i] || !site_count[i]) continue;
        const char *o = object_of(site_addr[i]);
        size_t k = 0;
        while (k < nobj && strcmp(obj[k], o))
            k++;
        if (k == nobj) {
            if (nobj == 32) {
                unattributed += site_count[i];
                continue;
            }
            obj[nobj] = o;
            objn[nobj++] = 0;
        }
        objn[k] += site_count[i];
    }
    size_t used = (size_t)n;
    put(line, sizeof line, &used, "malloc_count_by:");
    for (size_t k = 0; k < nobj; k++)
        put(line, sizeof line, &used, " %s %lu", obj[k], objn[k]);
    if (unattributed) put(line, sizeof line, &used, " unattributed %lu", unattributed);
    /* A line cut short by very long object names still ends the line. */
    if (used == sizeof line - 1) used--;
    put(line, sizeof line, &used, "\n");
    const char *path = getenv("MALLOC_COUNT_FILE");
    int fd = 2;
    if (path && *path) fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t w = write(fd, line, used);
    (void)w;
    if (fd != 2) close(fd);
}
