/* Time from exec to READY=1: raise RLIMIT_NOFILE, bind a notify socket, spawn
 * CMD with NOTIFY_SOCKET set, wait for a datagram containing READY=1, print
 * "ready_ms=X", then SIGTERM the child, wait, print "stop_ms=Y".
 * launch_ready NOTIFY_PATH -- CMD [ARG]... */
#include "common.h"
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
extern char** environ;
int main(int argc, char** argv) {
    if (argc < 4 || strcmp(argv[2], "--") != 0) return 2;
    /* 65536 fds, or the hard limit when raising it is not allowed (container). */
    struct rlimit rl = {65536, 65536};
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        if (getrlimit(RLIMIT_NOFILE, &rl) < 0) die("getrlimit");
        rl.rlim_cur = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &rl) < 0) die("setrlimit");
    }
    struct sockaddr_un a;
    socklen_t len = unix_addr(&a, argv[1]);
    int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    unlink(argv[1]);
    if (bind(s, (struct sockaddr*)&a, len) < 0) die("bind notify");
    setenv("NOTIFY_SOCKET", argv[1], 1);
    pid_t pid;
    uint64_t t0 = now_ns();
    if ((errno = posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ)) != 0) die(argv[3]);
    char buf[4097];
    int ready = 0;
    uint64_t give_up = t0 + 120000000000ull;
    while (!ready) {
        struct pollfd p = {s, POLLIN, 0};
        int st;
        if (poll(&p, 1, 50) == 0) {
            if (waitpid(pid, &st, WNOHANG) == pid) {
                fprintf(stderr, "bench: %s exited (status %d) before READY=1\n", argv[3], st);
                return 1;
            }
            if (now_ns() > give_up) {
                fprintf(stderr, "bench: no READY=1 within 120 s\n");
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                return 1;
            }
            continue;
        }
        ssize_t r = recv(s, buf, sizeof buf - 1, 0);
        if (r < 0) die("recv");
        buf[r] = 0;
        ready = strstr(buf, "READY=1") != NULL;
    }
    uint64_t t1 = now_ns();
    printf("ready_ms=%.3f\n", (t1 - t0) / 1e6);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
    printf("stop_ms=%.3f\n", (now_ns() - t1) / 1e6);
    unlink(argv[1]);
    return 0;
}
