// Every overwrite policy against every kind of pre-existing entry. A victim file
// outside the directory must keep inode, mode, owner and content in every case.
#include <gtest/gtest.h>

#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;
using unit::Overwrite;

enum class Kind { stale_socket, live_socket, regular_file, directory, symlink_to_victim, fifo };

const char* name_of(Kind k) {
    switch (k) {
        case Kind::stale_socket:
            return "stale_socket";
        case Kind::live_socket:
            return "live_socket";
        case Kind::regular_file:
            return "regular_file";
        case Kind::directory:
            return "directory";
        case Kind::symlink_to_victim:
            return "symlink_to_victim";
        case Kind::fifo:
            return "fifo";
    }
    return "?";
}

struct Case {
    Overwrite policy;
    Kind kind;
    bool replaced;        // the bind succeeds by removing the entry
    const char* message;  // a fragment of the error otherwise
};

// What BoundListener::replaced must say after a bind that removed the entry: the
// daemon logs it as "NAME: bound ... (replaced a stale socket)".
std::string replaced_text(const Case& c, const std::string& victim) {
    if (c.policy == Overwrite::stale) return "a stale socket";
    switch (c.kind) {
        case Kind::stale_socket:
        case Kind::live_socket:
            return "a socket";  // "always" does not probe, so it cannot say "stale"
        case Kind::regular_file:
            return "a regular file";
        case Kind::symlink_to_victim:
            return "a symbolic link to '" + victim + "'";
        case Kind::fifo:
            return "a FIFO";
        case Kind::directory:
            break;
    }
    return "?";
}

class StaleEntry : public ::testing::TestWithParam<Case> {};

TEST_P(StaleEntry, PolicyIsApplied) {
    const Case c = GetParam();
    TempDir dir, outside;
    const std::string path = dir / "s.sock";
    const std::string victim = outside / "victim";
    write_file(victim, "precious");
    ::chmod(victim.c_str(), 0600);
    const struct stat victim_before = lstat_of(victim);

    Fd holder;  // a live listener, or a closed one leaving a stale socket file
    switch (c.kind) {
        case Kind::stale_socket:
        case Kind::live_socket: {
            holder = Fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
            socklen_t len = 0;
            sockaddr_un sa = unix_addr(path, false, len);
            ASSERT_EQ(::bind(holder.get(), reinterpret_cast<sockaddr*>(&sa), len), 0);
            ASSERT_EQ(::listen(holder.get(), 1), 0);
            if (c.kind == Kind::stale_socket) holder.reset();
            break;
        }
        case Kind::regular_file:
            write_file(path, "data");
            break;
        case Kind::directory:
            ::mkdir(path.c_str(), 0755);
            break;
        case Kind::symlink_to_victim:
            ::symlink(victim.c_str(), path.c_str());
            break;
        case Kind::fifo:
            ::mkfifo(path.c_str(), 0644);
            break;
    }
    const struct stat before = lstat_of(path);

    auto spec = path_spec(path);
    spec.overwrite = c.policy;
    spec.mode = 0666;
    auto b = bind_listener(spec);
    if (c.replaced) {
        ASSERT_TRUE(b.ok()) << b.error().message();
        EXPECT_EQ(b->replaced, replaced_text(c, victim));
        EXPECT_TRUE(S_ISSOCK(lstat_of(path).st_mode));
        // (ext4 may reuse the freed inode number at once, so compare reachability, not
        // inode numbers: the path now leads to our new listener.)
        Fd client;
        ASSERT_EQ(unix_connect(path, SOCK_STREAM, false, client), 0);
        Fd conn(::accept4(b->fd.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
        EXPECT_TRUE(conn.valid());
    } else {
        ASSERT_FALSE(b.ok());
        EXPECT_NE(b.error().message().find(c.message), std::string::npos) << b.error().message();
        EXPECT_EQ(lstat_of(path).st_ino, before.st_ino);  // left exactly as it was
    }
    const struct stat victim_after = lstat_of(victim);
    EXPECT_EQ(victim_after.st_ino, victim_before.st_ino);
    EXPECT_EQ(victim_after.st_mode, victim_before.st_mode);
    EXPECT_EQ(victim_after.st_uid, victim_before.st_uid);
    EXPECT_EQ(victim_after.st_gid, victim_before.st_gid);
    EXPECT_EQ(read_file(victim), "precious");
}

INSTANTIATE_TEST_SUITE_P(
    Policies, StaleEntry,
    ::testing::Values(
        Case{Overwrite::stale, Kind::stale_socket, true, ""},
        Case{Overwrite::stale, Kind::live_socket, false, "is a socket with a live listener (pid "},
        Case{Overwrite::stale, Kind::regular_file, false,
             "exists and is a regular file; not removing it (overwrite = \"stale\")"},
        Case{Overwrite::stale, Kind::directory, false, "exists and is a directory"},
        Case{Overwrite::stale, Kind::symlink_to_victim, false,
             "exists and is a symbolic link to '"},
        Case{Overwrite::stale, Kind::fifo, false, "exists and is a FIFO"},
        Case{Overwrite::leave, Kind::stale_socket, false,
             "exists and is a socket; not removing it (overwrite = \"leave\")"},
        Case{Overwrite::leave, Kind::live_socket, false, "(overwrite = \"leave\")"},
        Case{Overwrite::leave, Kind::regular_file, false, "is a regular file"},
        Case{Overwrite::leave, Kind::directory, false, "is a directory"},
        Case{Overwrite::leave, Kind::symlink_to_victim, false, "is a symbolic link"},
        Case{Overwrite::leave, Kind::fifo, false, "is a FIFO"},
        Case{Overwrite::always, Kind::stale_socket, true, ""},
        Case{Overwrite::always, Kind::live_socket, true, ""},
        Case{Overwrite::always, Kind::regular_file, true, ""},
        Case{Overwrite::always, Kind::directory, false, "a directory is never removed"},
        Case{Overwrite::always, Kind::symlink_to_victim, true, ""},
        Case{Overwrite::always, Kind::fifo, true, ""}),
    [](const auto& p) {
        return std::string(unit::to_string(p.param.policy)) + "_" + name_of(p.param.kind);
    });

TEST(StaleEntryReplaced, EmptyWhenNothingWasThere) {
    TempDir dir;
    auto fresh = bind_listener(path_spec(dir / "new.sock"));
    ASSERT_TRUE(fresh.ok()) << fresh.error().message();
    EXPECT_EQ(fresh->replaced, "");
    // The same path again after a clean release (the file is unlinked): still nothing.
    release_listener(fresh.value(), true);
    auto again = bind_listener(path_spec(dir / "new.sock"));
    ASSERT_TRUE(again.ok()) << again.error().message();
    EXPECT_EQ(again->replaced, "");
}

TEST(StaleEntryReplaced, SaysStaleAfterTheOwnerDiedWithoutUnlinking) {
    TempDir dir;
    const std::string path = dir / "dead.sock";
    auto first = bind_listener(path_spec(path));
    ASSERT_TRUE(first.ok()) << first.error().message();
    first->fd.reset();  // like a kill -9: the socket file stays, nobody listens
    auto second = bind_listener(path_spec(path));
    ASSERT_TRUE(second.ok()) << second.error().message();
    EXPECT_EQ(second->replaced, "a stale socket");
}

TEST(StaleEntryProbe, LiveDgramAndSeqpacketAreAlive) {
    for (auto type : {unit::SocketType::dgram, unit::SocketType::seqpacket}) {
        TempDir dir;
        const std::string path = dir / "l.sock";
        auto first = bind_listener(path_spec(path, type));
        ASSERT_TRUE(first.ok());
        auto second = bind_listener(path_spec(path, type));
        ASSERT_FALSE(second.ok());
        EXPECT_NE(second.error().message().find("live listener"), std::string::npos);
    }
}

TEST(StaleEntryProbe, ListenerOfAnotherTypeIsAlive) {
    TempDir dir;
    const std::string path = dir / "t.sock";
    auto first = bind_listener(path_spec(path, unit::SocketType::stream));
    ASSERT_TRUE(first.ok());
    // The probe uses the declared type (dgram): EPROTOTYPE, still alive.
    auto second = bind_listener(path_spec(path, unit::SocketType::dgram));
    ASSERT_FALSE(second.ok());
    EXPECT_TRUE(S_ISSOCK(lstat_of(path).st_mode));
}

TEST(ParentDirectories, SymlinkedParentIsRefusedAndNothingIsCreatedThere) {
    TempDir dir, outside;
    ::symlink(outside.path().c_str(), (dir / "link").c_str());
    auto spec = path_spec(dir / "link/x.sock");
    spec.owner = unit::Principal{"65534", 65534};
    auto b = bind_listener(spec);
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message().find("symbolic link"), std::string::npos) << b.error().message();
    EXPECT_FALSE(exists(outside / "x.sock"));
}

}  // namespace
}  // namespace sv::net
