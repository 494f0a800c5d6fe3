/* The one client every peer gets (benchmarks, not tests).
 *   client rate PATH THREADS SECONDS   connect, read to EOF, expect "ok\n"; per-
 *                                      connection latency; prints key=value
 *   client first PATH [-- CMD...]      time to the first byte of the first
 *                                      connection; with CMD, the clock starts
 *                                      before spawning CMD (which binds PATH
 *                                      itself) and connect is retried
 *   client xfer PATH MIB               send an 8-byte length + MIB MiB; wait "ok"
 *   client loop PATH SECONDS           sequential connections; report the
 *                                      largest gap between two served ones and
 *                                      the connections lost (no "ok") */
#include "common.h"
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
extern char** environ;

static const char* g_path;
static double g_secs;

/* 1: served "ok\n"; 0: connected but lost; -1: connect failed. */
static int one_connection(const char* path) {
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr*)&a, len) < 0) {
        close(fd);
        return -1;
    }
    char buf[16];
    size_t got = 0;
    for (;;) {
        ssize_t r = read(fd, buf + got, sizeof buf - got);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        got += (size_t)r;
        if (got == sizeof buf) break;
    }
    close(fd);
    return got == 3 && memcmp(buf, "ok\n", 3) == 0;
}

typedef struct {
    uint32_t* lat_us;
    size_t n, cap, errors;
} worker_t;

static void* rate_worker(void* arg) {
    worker_t* w = arg;
    uint64_t end = now_ns() + (uint64_t)(g_secs * 1e9);
    for (;;) {
        uint64_t t = now_ns();
        if (t >= end) break;
        int ok = one_connection(g_path);
        uint64_t d = now_ns() - t;
        if (ok != 1) {
            w->errors++;
            continue;
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 65536;
            w->lat_us = realloc(w->lat_us, w->cap * sizeof *w->lat_us);
        }
        w->lat_us[w->n++] = (uint32_t)(d / 1000);
    }
    return NULL;
}

static int cmp_u32(const void* a, const void* b) {
    uint32_t x = *(const uint32_t*)a, y = *(const uint32_t*)b;
    return x < y ? -1 : x > y;
}

static int cmd_rate(int threads, double secs) {
    g_secs = secs;
    pthread_t t[64];
    worker_t w[64] = {0};
    if (threads < 1 || threads > 64) return 2;
    uint64_t t0 = now_ns();
    for (int i = 0; i < threads; ++i) pthread_create(&t[i], NULL, rate_worker, &w[i]);
    size_t n = 0, errors = 0;
    for (int i = 0; i < threads; ++i) {
        pthread_join(t[i], NULL);
        n += w[i].n;
        errors += w[i].errors;
    }
    double elapsed = (now_ns() - t0) / 1e9;
    uint32_t* all = malloc((n ? n : 1) * sizeof *all);
    size_t k = 0;
    for (int i = 0; i < threads; ++i) {
        memcpy(all + k, w[i].lat_us, w[i].n * sizeof *all);
        k += w[i].n;
    }
    qsort(all, n, sizeof *all, cmp_u32);
    printf("conns=%zu errors=%zu secs=%.3f rate=%.1f p50_us=%u p99_us=%u\n", n, errors, elapsed,
           n / elapsed, n ? all[n / 2] : 0, n ? all[(size_t)(n * 0.99)] : 0);
    return n == 0;
}

static int cmd_first(char** cmd) {
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, g_path);
    pid_t pid = -1;
    uint64_t t0 = now_ns();
    if (cmd && (errno = posix_spawn(&pid, cmd[0], NULL, NULL, cmd, environ)) != 0) die(cmd[0]);
    int fd;
    for (;;) {
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(fd, (struct sockaddr*)&a, len) == 0) break;
        close(fd);
        if (!cmd || now_ns() - t0 > 10000000000ull) die("connect");
        /* the service has not bound yet: spin (sched_yield keeps it fair on 2 cores) */
        sched_yield();
    }
    char c;
    if (read(fd, &c, 1) != 1) die("read first byte");
    uint64_t t1 = now_ns();
    close(fd);
    if (pid > 0) waitpid(pid, NULL, 0);
    printf("first_us=%.1f\n", (t1 - t0) / 1e3);
    return 0;
}

static char xbuf[1 << 16];
static int cmd_xfer(uint64_t mib) {
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, g_path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    uint64_t total = mib << 20, sent = 0;
    uint64_t t0 = now_ns();
    if (connect(fd, (struct sockaddr*)&a, len) < 0) die("connect");
    if (write_all(fd, &total, 8) < 0) die("write");
    while (sent < total) {
        size_t n = total - sent < sizeof xbuf ? total - sent : sizeof xbuf;
        if (write_all(fd, xbuf, n) < 0) die("write");
        sent += n;
    }
    char r[4];
    ssize_t got = read(fd, r, sizeof r);
    double s = (now_ns() - t0) / 1e9;
    close(fd);
    if (got != 3) {
        fprintf(stderr, "bench: no ok after %llu bytes\n", (unsigned long long)total);
        return 1;
    }
    printf("bytes=%llu secs=%.4f mib_s=%.1f\n", (unsigned long long)total, s, mib / s);
    return 0;
}

static int cmd_loop(double secs) {
    uint64_t end = now_ns() + (uint64_t)(secs * 1e9);
    uint64_t last = now_ns(), max_gap = 0, gap_end = 0;
    size_t served = 0, lost = 0, refused = 0;
    while (now_ns() < end) {
        int r = one_connection(g_path);
        uint64_t t = now_ns();
        if (r == 1) {
            served++;
            if (t - last > max_gap) {
                max_gap = t - last;
                gap_end = t;
            }
            last = t;
        } else if (r == 0) {
            lost++;
        } else {
            refused++;
        }
    }
    printf("served=%zu lost=%zu refused=%zu max_gap_ms=%.3f gap_end_ns=%llu\n", served, lost,
           refused, max_gap / 1e6, (unsigned long long)gap_end);
    return 0;
}

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    if (argc < 3) return 2;
    g_path = argv[2];
    if (!strcmp(argv[1], "rate") && argc == 5) return cmd_rate(atoi(argv[3]), atof(argv[4]));
    if (!strcmp(argv[1], "first"))
        return cmd_first(argc > 4 && !strcmp(argv[3], "--") ? argv + 4 : NULL);
    if (!strcmp(argv[1], "xfer") && argc == 4) return cmd_xfer(strtoull(argv[3], NULL, 10));
    if (!strcmp(argv[1], "loop") && argc == 4) return cmd_loop(atof(argv[3]));
    fprintf(stderr, "usage: see the comment at the top of client.c\n");
    return 2;
}
