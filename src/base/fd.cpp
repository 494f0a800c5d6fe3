#include "base/fd.hpp"

#include <unistd.h>

namespace sv {

void Fd::reset(int fd) {
    // close() errors are not actionable here: Linux releases the descriptor even
    // when close reports EINTR/EIO, so retrying would close someone else's fd.
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

}  // namespace sv
