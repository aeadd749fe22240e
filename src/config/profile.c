/* profile.c - finding cipher profile files: name lookup, listing a
 * directory, and where the default directory is. Parsing is in
 * profile_parse.c. */
#include "config/profile.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSTALLED_DIR "/usr/local/share/tlsprof/ciphers"

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Names are file names without the suffix; keep them to characters that
 * need no quoting in a shell or a report. */
static int valid_name(const char *name, size_t len)
{
    if (len == 0 || len >= PROFILE_NAME_MAX || name[0] == '.') return 0;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '.' || c == '_' || c == '-' || c == '+';
        if (!ok) return 0;
    }
    return 1;
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *profile_default_dir(void)
{
    static _Thread_local char buf[PATH_MAX];
    const char *env = getenv("TLSPROF_CIPHERS_DIR");
    if (env && *env) return env;
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            static const char *const rel[] = {"../ciphers", "../share/tlsprof/ciphers"};
            for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
                char candidate[PATH_MAX];
                int w = snprintf(candidate, sizeof candidate, "%s/%s", exe, rel[i]);
                /* realpath: messages say /src/ciphers, not /src/build/../ciphers. */
                if (w > 0 && (size_t)w < sizeof candidate && is_dir(candidate))
                    return realpath(candidate, buf) ? buf : strcpy(buf, candidate);
            }
        }
    }
    snprintf(buf, sizeof buf, "%s", INSTALLED_DIR);
    return buf;
}

/* Read a whole file of at most PROFILE_FILE_MAX bytes into a malloc'd buffer. */
static char *read_small_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    struct stat st = {0};
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "%s: is a directory, not a profile file", path);
        fclose(f);
        return NULL;
    }
    /* Read one byte past the limit so "too large" is detected even where
     * st_size is 0 (pipes, /proc). */
    char *buf = malloc(PROFILE_FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, PROFILE_FILE_MAX + 1, f) : 0;
    int bad = !buf || ferror(f);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "%s: cannot read: %s", path, buf ? strerror(errno) : "out of memory");
        free(buf);
        return NULL;
    }
    if (n > PROFILE_FILE_MAX) {
        long long size = S_ISREG(st.st_mode) ? (long long)st.st_size : (long long)n;
        snprintf(err, errlen, "%s: file too large (%lld bytes, limit %d)", path, size,
                 PROFILE_FILE_MAX);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* "cipher profile 'x' not found" with the names that do exist. */
static void not_found(const char *name, const char *dir, const char *path, char *err, size_t errlen)
{
    char **names = NULL, listerr[256];
    size_t n = 0;
    if (profile_list(dir, &names, &n, listerr, sizeof listerr) != 0) {
        snprintf(err, errlen,
                 "cipher profile '%s' not found: %s (set TLSPROF_CIPHERS_DIR or give a path)", name,
                 listerr);
        return;
    }
    int w = snprintf(err, errlen, "cipher profile '%s' not found: no %s (available:", name, path);
    for (size_t i = 0; i < n && w > 0 && (size_t)w < errlen; i++)
        w += snprintf(err + w, errlen - (size_t)w, "%s %s", i ? "," : "", names[i]);
    if (w > 0 && (size_t)w < errlen) snprintf(err + w, errlen - (size_t)w, "%s)", n ? "" : " none");
    profile_list_free(names, n);
}

int profile_load(const char *name_or_path, const char *ciphers_dir, cipher_profile_t *out,
                 char *err, size_t errlen)
{
    char path[PATH_MAX];
    memset(out, 0, sizeof *out);
    int by_name = !strchr(name_or_path, '/') && !ends_with(name_or_path, PROFILE_SUFFIX);
    const char *dir = ciphers_dir ? ciphers_dir : profile_default_dir();
    if (by_name) {
        if (!valid_name(name_or_path, strlen(name_or_path))) {
            snprintf(err, errlen,
                     "invalid cipher profile name '%s' (1-%d letters, digits, '.', '_', '-', '+'; "
                     "or give a path)",
                     name_or_path, PROFILE_NAME_MAX - 1);
            return -1;
        }
        size_t dl = strlen(dir);
        const char *sep = dl && dir[dl - 1] == '/' ? "" : "/";
        int w = snprintf(path, sizeof path, "%s%s%s%s", dir, sep, name_or_path, PROFILE_SUFFIX);
        if (w < 0 || (size_t)w >= sizeof path) {
            snprintf(err, errlen, "cipher profile directory path too long: %s", dir);
            return -1;
        }
        if (access(path, F_OK) != 0 && errno == ENOENT) {
            not_found(name_or_path, dir, path, err, errlen);
            return -1;
        }
    } else if (snprintf(path, sizeof path, "%s", name_or_path) >= (int)sizeof path) {
        snprintf(err, errlen, "cipher profile path too long: %.64s...", name_or_path);
        return -1;
    }
    size_t len = 0;
    char *text = read_small_file(path, &len, err, errlen);
    if (!text) return -1;
    int rc = profile_parse(path, text, len, out, err, errlen);
    free(text);
    return rc;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int profile_list(const char *ciphers_dir, char ***names, size_t *n, char *err, size_t errlen)
{
    const char *dir = ciphers_dir ? ciphers_dir : profile_default_dir();
    *names = NULL;
    *n = 0;
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(err, errlen, "cannot list cipher profiles in %s: %s", dir, strerror(errno));
        return -1;
    }
    size_t cap = 0, count = 0, suffix = strlen(PROFILE_SUFFIX);
    char **list = NULL;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len <= suffix || !ends_with(e->d_name, PROFILE_SUFFIX)) continue;
        if (!valid_name(e->d_name, len - suffix)) continue; /* not loadable by name */
        char full[PATH_MAX];
        struct stat st;
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **bigger = realloc(list, ncap * sizeof *list);
            if (!bigger) {
                rc = -1;
                break;
            }
            list = bigger;
            cap = ncap;
        }
        list[count] = strndup(e->d_name, len - suffix);
        if (!list[count]) {
            rc = -1;
            break;
        }
        count++;
    }
    closedir(d);
    if (rc != 0) {
        profile_list_free(list, count);
        snprintf(err, errlen, "out of memory listing %s", dir);
        return -1;
    }
    if (count) qsort(list, count, sizeof *list, cmp_names);
    *names = list;
    *n = count;
    return 0;
}

void profile_list_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}
