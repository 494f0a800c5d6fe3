// Peer identity: SO_PEERCRED and SO_PEERGROUPS over a real socketpair, and the
// /proc/PID/status "Groups:" parser.
#include "control/peer.hpp"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>

#include "base/fd.hpp"

namespace sv::control {
namespace {

TEST(ParseStatusGroups, ReadsTheGroupsLine) {
    EXPECT_EQ(parse_status_groups("Name:\tbash\nUid:\t1000\t1000\t1000\t1000\n"
                                  "Groups:\t4 24 27 1000 \nNStgid:\t1\n"),
              (std::vector<gid_t>{4, 24, 27, 1000}));
    EXPECT_EQ(parse_status_groups("Groups:\t\n"), std::vector<gid_t>{});
    EXPECT_EQ(parse_status_groups("Groups:"), std::vector<gid_t>{});
    EXPECT_EQ(parse_status_groups("Groups:\t4294967294"), std::vector<gid_t>{4294967294u});
}

TEST(ParseStatusGroups, RejectsMissingOrGarbledLines) {
    EXPECT_EQ(parse_status_groups(""), std::nullopt);
    EXPECT_EQ(parse_status_groups("Name:\tx\n"), std::nullopt);
    EXPECT_EQ(parse_status_groups("XGroups:\t1\n"), std::nullopt);  // not at a line start
    EXPECT_EQ(parse_status_groups("Groups:\t1 x 2\n"), std::nullopt);
    EXPECT_EQ(parse_status_groups("Groups:\t12a\n"), std::nullopt);
    EXPECT_EQ(parse_status_groups("Groups:\t-1\n"), std::nullopt);
    EXPECT_EQ(parse_status_groups("Groups:\t99999999999\n"), std::nullopt);  // past gid_t
}

TEST(PeerCred, SocketpairShowsOurOwnIdentity) {
    int sv[2];
    ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    Fd a(sv[0]), b(sv[1]);
    auto cred = read_peer_cred(a.get());
    ASSERT_TRUE(cred) << cred.error().message();
    EXPECT_EQ(cred->pid, getpid());
    EXPECT_EQ(cred->uid, geteuid());
    EXPECT_EQ(cred->gid, getegid());

    auto groups = read_peer_groups(a.get());
    ASSERT_TRUE(groups) << groups.error().message();
    std::vector<gid_t> ours(static_cast<std::size_t>(getgroups(0, nullptr)));
    ASSERT_EQ(getgroups(static_cast<int>(ours.size()), ours.data()), static_cast<int>(ours.size()));
    std::sort(ours.begin(), ours.end());
    std::sort(groups->begin(), groups->end());
    EXPECT_EQ(*groups, ours);
}

TEST(PeerCred, NotASocketIsAnErrorValue) {
    auto cred = read_peer_cred(-1);
    ASSERT_FALSE(cred);
    EXPECT_EQ(cred.error().message(),
              "cannot read SO_PEERCRED of 'control client': Bad file descriptor");
}

TEST(ProcGroups, OwnProcessMatchesGetgroups) {
    auto groups = read_proc_groups(getpid());
    ASSERT_TRUE(groups) << groups.error().message();
    std::vector<gid_t> ours(static_cast<std::size_t>(getgroups(0, nullptr)));
    getgroups(static_cast<int>(ours.size()), ours.data());
    std::sort(ours.begin(), ours.end());
    std::sort(groups->begin(), groups->end());
    EXPECT_EQ(*groups, ours);
}

TEST(ProcGroups, MissingProcessNamesThePath) {
    auto groups = read_proc_groups(0x7ffffff0);
    ASSERT_FALSE(groups);
    EXPECT_EQ(groups.error().message(),
              "cannot open '/proc/2147483632/status': No such file or directory");
}

}  // namespace
}  // namespace sv::control
