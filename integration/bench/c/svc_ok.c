/* The tiny per-connection service every accept-mode peer runs: the connection
 * is stdout (inetd style); write "ok\n" and exit. */
#include <unistd.h>
int main(void) { return write(1, "ok\n", 3) == 3 ? 0 : 1; }
