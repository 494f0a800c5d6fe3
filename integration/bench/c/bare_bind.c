/* The limit for start-up at scale: bind and listen N pathname sockets
 * DIR/uNNNNN.sock, send READY=1 to $NOTIFY_SOCKET, then wait for a signal.
 * bare_bind DIR N */
#include "common.h"
#include <signal.h>
int main(int argc, char** argv) {
    if (argc < 3) return 2;
    int n = atoi(argv[2]);
    char path[108];
    for (int i = 0; i < n; ++i) {
        snprintf(path, sizeof path, "%s/u%05d.sock", argv[1], i);
        listen_unix(path);
    }
    const char* ns = getenv("NOTIFY_SOCKET");
    if (ns) {
        struct sockaddr_un a;
        socklen_t len = unix_addr(&a, ns);
        int s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (sendto(s, "READY=1", 7, 0, (struct sockaddr*)&a, len) < 0) die("sendto");
        close(s);
    }
    pause();
    return 0;
}
