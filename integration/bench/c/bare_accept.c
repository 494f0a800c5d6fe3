/* The limit for accept mode: bind, then accept -> fork -> exec SVC with the
 * connection on stdin/stdout, children auto-reaped (SA_NOCLDWAIT). No limits,
 * no bookkeeping, no logging: what any inetd-style supervisor does at least.
 * bare_accept PATH SVC */
#include "common.h"
#include <signal.h>
int main(int argc, char** argv) {
    if (argc < 3) return 2;
    struct sigaction sa = {0};
    sa.sa_handler = SIG_IGN;
    sa.sa_flags = SA_NOCLDWAIT;
    sigaction(SIGCHLD, &sa, NULL);
    int l = listen_unix(argv[1]);
    char* const args[] = {argv[2], NULL};
    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            die("accept");
        }
        pid_t pid = fork();
        if (pid == 0) {
            dup2(c, 0);
            dup2(c, 1);
            signal(SIGCHLD, SIG_DFL);
            execv(args[0], args);
            _exit(127);
        }
        close(c);
    }
}
