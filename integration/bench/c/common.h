/* Shared helpers of the benchmark programs (not product code): monotonic
 * clock, Unix socket address, loud failure. Benchmarks only; never a test. */
#pragma once
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline void die(const char* what) {
    fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
    exit(111);
}

static inline socklen_t unix_addr(struct sockaddr_un* a, const char* path) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof a->sun_path) {
        errno = ENAMETOOLONG;
        die(path);
    }
    strcpy(a->sun_path, path);
    return (socklen_t)sizeof *a;
}

/* Bind and listen on a pathname stream socket (unlinking a leftover first). */
static inline int listen_unix(const char* path) {
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    unlink(path);
    if (bind(fd, (struct sockaddr*)&a, len) < 0) die(path);
    if (listen(fd, SOMAXCONN) < 0) die("listen");
    return fd;
}

/* The listening socket: fd 3 when started with LISTEN_FDS, else bind PATH. */
static inline int listener_from_env_or(const char* path) {
    const char* n = getenv("LISTEN_FDS");
    if (n && atoi(n) >= 1) return 3;
    if (!path) {
        fprintf(stderr, "bench: no LISTEN_FDS and no path\n");
        exit(2);
    }
    return listen_unix(path);
}

static inline int write_all(int fd, const void* buf, size_t n) {
    const char* p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}
