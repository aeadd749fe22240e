/* tcp.h - the transport: non-blocking sockets, connect, names for errno. */
#ifndef TLSPROF_TCP_H
#define TLSPROF_TCP_H

#include <stdint.h>
#include <stddef.h>
#include <sys/socket.h>

/* Non-blocking, close-on-exec, TCP_NODELAY; bound to bind_addr (port 0)
 * when given. Returns the fd, or -1 with *err set. */
int tcp_socket(int family, const struct sockaddr_storage *bind_addr, socklen_t bind_len, int *err);
/* 0 (connected at once), EINPROGRESS, or another errno. */
int tcp_connect_start(int fd, const struct sockaddr *addr, socklen_t len);
/* SO_ERROR once the socket is writable: 0 when connected. */
int tcp_connect_result(int fd);
uint16_t tcp_local_port(int fd);
/* Abortive close: the next close() sends RST and leaves no TIME_WAIT. */
void tcp_set_linger_rst(int fd);
/* "ECONNREFUSED", "ephemeral ports exhausted (EADDRNOTAVAIL)", ... */
const char *tcp_errno_reason(int err);
/* "127.0.0.1:8443" / "[::1]:8443" */
void tcp_addr_label(const struct sockaddr *sa, char *buf, size_t len);

#endif
