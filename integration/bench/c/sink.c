/* Data-path service: for each connection read an 8-byte length N, then N bytes,
 * then answer "ok\n". Listens on fd 3 (LISTEN_FDS) or binds PATH itself. */
#include "common.h"
static char buf[1 << 18];
int main(int argc, char** argv) {
    int l = listener_from_env_or(argc > 1 ? argv[1] : NULL);
    for (;;) {
        int c = accept4(l, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            if (errno == EINTR) continue;
            die("accept");
        }
        uint64_t want = 0, got = 0;
        size_t hdr = 0;
        while (hdr < 8) {
            ssize_t r = read(c, (char*)&want + hdr, 8 - hdr);
            if (r <= 0) break;
            hdr += (size_t)r;
        }
        while (hdr == 8 && got < want) {
            ssize_t r = read(c, buf, sizeof buf);
            if (r <= 0) break;
            got += (uint64_t)r;
        }
        if (hdr == 8 && got == want) write_all(c, "ok\n", 3);
        close(c);
    }
}
