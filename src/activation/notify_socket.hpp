// NotifySocket: sockvisord's NOTIFY_SOCKET — one AF_UNIX datagram socket that every
// service sends sd_notify() messages to — and the receipt of one datagram with the
// kernel-attested sender and any fds it carried. Never parses the text, never
// decides whether the sender may speak (notify_message, notify_access do), never logs.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "base/fd.hpp"
#include "base/result.hpp"

namespace sv::activation {

// Who sent a datagram, from SCM_CREDENTIALS: filled in by the kernel (a sender can
// claim only its own pid/uid/gid unless it has CAP_SYS_ADMIN/CAP_SETUID/CAP_SETGID),
// translated into sockvisord's pid and user namespaces.
struct NotifySender {
    pid_t pid = 0;
    uid_t uid = 0;
    gid_t gid = 0;

    bool operator==(const NotifySender&) const = default;
};

enum class ReceiveOutcome {
    message,  // `text`, `sender` and `fds` are set
    drained,  // nothing left to read (EAGAIN): go back to the event loop
    dropped,  // a datagram was consumed but is unusable: `drop_reason` says why
};

struct NotifyReceipt {
    ReceiveOutcome outcome = ReceiveOutcome::drained;
    std::string text;                    // the datagram's bytes, as sent
    std::optional<NotifySender> sender;  // set for `message`; for `dropped` when known
    // fds passed with SCM_RIGHTS, already close-on-exec. They close when the receipt
    // is destroyed: a caller that stores them (FDSTORE=1) must move them out; every
    // other message's fds (BARRIER=1's, an unauthorised sender's) are closed by
    // simply dropping the receipt.
    std::vector<Fd> fds;
    std::string drop_reason;  // "larger than 4096 bytes", "no sender credentials", ...
};

class NotifySocket {
  public:
    // Creates the socket bound at `path` (a pathname in sockvisord's runtime dir),
    // non-blocking and close-on-exec, with SO_PASSCRED, mode 0666. A socket already
    // at `path` (left by a previous run) is replaced; anything else there is an error.
    static Result<NotifySocket> bind(const std::string& path);

    NotifySocket(NotifySocket&&) = default;
    NotifySocket& operator=(NotifySocket&&) = default;

    // Reads one datagram. Never blocks. An error is a failure of the socket itself
    // (not of a sender): the daemon logs it and keeps the socket.
    Result<NotifyReceipt> receive();

    int fd() const { return fd_.get(); }               // for epoll (EPOLLIN)
    const std::string& path() const { return path_; }  // the NOTIFY_SOCKET value
    // Removes the socket file if it is still ours (the daemon calls it at shutdown;
    // destroying the object only closes the fd, so a re-exec could keep the path).
    Status unlink_path() const;

  private:
    NotifySocket(Fd fd, std::string path, dev_t dev, ino_t ino)
        : fd_(std::move(fd)), path_(std::move(path)), dev_(dev), ino_(ino) {}

    Fd fd_;
    std::string path_;
    dev_t dev_ = 0;  // the socket file's identity as bound, so unlink_path() never
    ino_t ino_ = 0;  // removes a file someone else put at the path since
};

// The mode the notify socket gets. Connecting/sending to a Unix socket needs write
// permission on its inode; services run as any user, so everyone may write.
// Safe because every datagram is attributed by SCM_CREDENTIALS, not by who could
// reach the path (see docs/notify.md).
inline constexpr mode_t kNotifySocketMode = 0666;

}  // namespace sv::activation
