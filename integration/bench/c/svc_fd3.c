/* On-demand service: serve "ok\n" to each connection on the listening socket
 * (fd 3 from LISTEN_FDS, or PATH which it binds itself).
 * svc_fd3 once [PATH]  -- one connection, then exit 0
 * svc_fd3 loop [PATH]  -- forever
 * With SVC_TALLY=DIR, each process keeps DIR/<pid> up to date with two counters,
 * "accepted answered": a connection counted in the first and not the second was
 * in this process's hands when it died (measure 7 tells those from the ones the
 * supervisor would have lost). */
#include "common.h"
#include <fcntl.h>

static int tally_fd = -1;
static unsigned long accepted, answered;

static void tally(void) {
    if (tally_fd < 0) return;
    char line[64];
    int n = snprintf(line, sizeof line, "%lu %lu\n", accepted, answered);
    if (pwrite(tally_fd, line, (size_t)n, 0) != n) die("pwrite tally");
}

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    int once = strcmp(argv[1], "once") == 0;
    int l = listener_from_env_or(argc > 2 ? argv[2] : NULL);
    const char* dir = getenv("SVC_TALLY");
    if (dir != NULL) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%d", dir, (int)getpid());
        tally_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (tally_fd < 0) die("open tally");
        tally();
    }
    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR) continue;
            die("accept");
        }
        accepted++;
        tally();
        write_all(c, "ok\n", 3);  /* queued: the client gets it even if we die now */
        answered++;
        tally();
        close(c);
        if (once) return 0;
    }
}
