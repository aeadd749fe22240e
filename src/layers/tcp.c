/* tcp.c - non-blocking TCP connect and its error names. */
#include "layers/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

int tcp_socket(int family, const struct sockaddr_storage *bind_addr, socklen_t bind_len, int *err)
{
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (bind_addr && bind_len) {
        /* Let connect() pick the port: the 4-tuple, not the source address
         * alone, then limits how many connections fit. */
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        if (bind(fd, (const struct sockaddr *)bind_addr, bind_len) < 0) {
            *err = errno;
            close(fd);
            return -1;
        }
    }
    return fd;
}

int tcp_connect_start(int fd, const struct sockaddr *addr, socklen_t len)
{
    if (connect(fd, addr, len) == 0) return 0;
    return errno;
}

int tcp_connect_result(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

uint16_t tcp_local_port(int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0) return 0;
    if (ss.ss_family == AF_INET) return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6) return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return 0;
}

void tcp_set_linger_rst(int fd)
{
    struct linger l = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

const char *tcp_errno_reason(int err)
{
    switch (err) {
    case EADDRNOTAVAIL:
        return "ephemeral ports exhausted (EADDRNOTAVAIL)";
    case EMFILE:
        return "EMFILE (out of file descriptors)";
    case ENFILE:
        return "ENFILE (system file table full)";
    case ENOMEM:
        return "ENOMEM";
    case ETIMEDOUT:
        return "ETIMEDOUT";
    default: {
        const char *n = strerrorname_np(err);
        return n ? n : "unknown error";
    }
    }
}

void tcp_addr_label(const struct sockaddr *sa, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const void *)sa;
        inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
        snprintf(buf, len, "%s:%u", ip, ntohs(a->sin_port));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const void *)sa;
        inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
        snprintf(buf, len, "[%s]:%u", ip, ntohs(a->sin6_port));
    } else {
        snprintf(buf, len, "?");
    }
}
