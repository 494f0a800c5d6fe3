/* On-demand service: serve "ok\n" to each connection on the listening socket
 * (fd 3 from LISTEN_FDS, or PATH which it binds itself).
 * svc_fd3 once [PATH]  -- one connection, then exit 0
 * svc_fd3 loop [PATH]  -- forever */
#include "common.h"

int main(int argc, char** argv) {
    if (argc < 2) return 2;
    int once = strcmp(argv[1], "once") == 0;
    int l = listener_from_env_or(argc > 2 ? argv[2] : NULL);
    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR) continue;
            die("accept");
        }
        write_all(c, "ok\n", 3);  /* queued: the client gets it even if we die now */
        close(c);
        if (once) return 0;
    }
}
