// sockvisorctl: the control client. Talks to sockvisord's control socket.
#include <cstdio>

int main() {
    std::fputs("usage: sockvisorctl [--control PATH] [--json] status [UNIT]...\n"
               "       sockvisorctl [--control PATH] start|stop|restart UNIT...\n"
               "       sockvisorctl [--control PATH] reload\n", stderr);
    return 2;
}
