// The inode a pathname socket is bound to, by ioctl(SIOCUNIXFILE) and by sock_diag, and
// the binder's use of it: a socket entry swapped in where ours should be is detected
// and left alone, with and without CAP_NET_ADMIN.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdio>

#include "base/syscalls.hpp"
#include "net/bound_inode.hpp"
#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;

Fd bound_socket(const std::string& path, int type = SOCK_STREAM) {
    Fd s(::socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
    socklen_t len = 0;
    sockaddr_un sa = unix_addr(path, false, len);
    if (::bind(s.get(), reinterpret_cast<sockaddr*>(&sa), len) < 0) return Fd();
    return s;
}

bool has_effective_net_admin() {
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct d[2]{};
    return ::syscall(SYS_capget, &h, d) == 0 && (d[0].effective & (1u << CAP_NET_ADMIN));
}

// Drops CAP_NET_ADMIN from the effective set (it stays permitted) for its lifetime, as
// for a sockvisord without it: SIOCUNIXFILE then fails with EPERM.
class WithoutNetAdmin {
  public:
    WithoutNetAdmin() {
        ok_ = ::syscall(SYS_capget, &h_, saved_) == 0;
        __user_cap_data_struct d[2] = {saved_[0], saved_[1]};
        d[0].effective &= ~(1u << CAP_NET_ADMIN);
        ok_ = ok_ && ::syscall(SYS_capset, &h_, d) == 0;
    }
    ~WithoutNetAdmin() { ::syscall(SYS_capset, &h_, saved_); }
    WithoutNetAdmin(const WithoutNetAdmin&) = delete;
    WithoutNetAdmin& operator=(const WithoutNetAdmin&) = delete;
    bool ok() const { return ok_; }

  private:
    __user_cap_header_struct h_{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct saved_[2]{};
    bool ok_ = false;
};

class BothWays : public ::testing::TestWithParam<bool> {
  protected:
    // true: ioctl(SIOCUNIXFILE); false: sock_diag.
    std::optional<InodeId> inode_of(int fd) {
        return GetParam() ? bound_path_inode_by_ioctl(fd) : bound_path_inode_by_sock_diag(fd);
    }
    void SetUp() override {
        if (GetParam() && !has_effective_net_admin())
            GTEST_SKIP() << "SIOCUNIXFILE needs CAP_NET_ADMIN";
        TempDir probe;
        Fd s = bound_socket(probe / "probe.sock");
        if (!GetParam() && !bound_path_inode_by_sock_diag(s.get()))
            GTEST_SKIP() << "no sock_diag for AF_UNIX here (CONFIG_UNIX_DIAG off?)";
    }
};

TEST_P(BothWays, AgreesWithLstatOfThePath) {
    TempDir dir;
    for (int type : {SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET}) {
        const std::string path = dir / ("t" + std::to_string(type) + ".sock");
        Fd s = bound_socket(path, type);
        ASSERT_TRUE(s.valid());
        auto id = inode_of(s.get());
        ASSERT_TRUE(id) << std::strerror(errno);
        const struct stat st = lstat_of(path);
        EXPECT_TRUE(id->refers_to(st));
        EXPECT_EQ(id->dev, st.st_dev);
        EXPECT_EQ(id->ino_low32_only, !GetParam());
        if (GetParam()) {
            EXPECT_EQ(id->ino, st.st_ino);
        }
    }
}

// What the binder's check rests on: the answer is the inode bind() created, not
// whatever is at the path now.
TEST_P(BothWays, ASocketSwappedInAtThePathIsNotOurs) {
    TempDir dir;
    const std::string path = dir / "s.sock";
    Fd ours = bound_socket(path);
    ASSERT_TRUE(ours.valid());
    ASSERT_EQ(::rename(path.c_str(), (dir / "moved.sock").c_str()), 0);
    Fd theirs = bound_socket(path);
    ASSERT_TRUE(theirs.valid());

    auto id = inode_of(ours.get());
    ASSERT_TRUE(id);
    EXPECT_FALSE(id->refers_to(lstat_of(path)));
    EXPECT_TRUE(id->refers_to(lstat_of(dir / "moved.sock")));
    auto other = inode_of(theirs.get());  // control: the same question can say yes
    ASSERT_TRUE(other);
    EXPECT_TRUE(other->refers_to(lstat_of(path)));
}

TEST_P(BothWays, NoPathNoInode) {
    Fd unbound(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_FALSE(inode_of(unbound.get()));
    Fd abstract(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    socklen_t len = 0;
    sockaddr_un sa = unix_addr("sv-bound-inode-" + std::to_string(::getpid()), true, len);
    ASSERT_EQ(::bind(abstract.get(), reinterpret_cast<sockaddr*>(&sa), len), 0);
    EXPECT_FALSE(inode_of(abstract.get()));
    EXPECT_FALSE(bound_path_inode(abstract.get()));
}

INSTANTIATE_TEST_SUITE_P(Ways, BothWays, ::testing::Values(true, false),
                         [](const auto& p) { return p.param ? "ioctl" : "sock_diag"; });

TEST(BoundInode, WithoutNetAdminFallsBackToSockDiag) {
    if (!has_effective_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN to drop it";
    TempDir dir;
    const std::string path = dir / "f.sock";
    Fd s = bound_socket(path);
    ASSERT_TRUE(s.valid());
    WithoutNetAdmin drop;
    ASSERT_TRUE(drop.ok());
    errno = 0;
    EXPECT_FALSE(bound_path_inode_by_ioctl(s.get()));
    EXPECT_EQ(errno, EPERM);
    auto id = bound_path_inode(s.get());
    if (!id) GTEST_SKIP() << "no sock_diag for AF_UNIX here";
    EXPECT_TRUE(id->ino_low32_only);
    EXPECT_TRUE(id->refers_to(lstat_of(path)));
}

// bind() resolves the path again; if the parent directory is swapped after the walk, our
// socket lands in the new directory while the directory we hold has someone else's
// socket under the name. The binder must notice and touch neither.
class SwapParentAtBind : public SysCalls {
  public:
    explicit SwapParentAtBind(const TempDir& dir) : dir_(dir) {}
    int bind(int fd, const sockaddr* addr, socklen_t len) override {
        ::rename((dir_ / "d").c_str(), (dir_ / "held").c_str());
        ::mkdir((dir_ / "d").c_str(), 0755);
        int rc = SysCalls::bind(fd, addr, len);
        int err = errno;
        intruder_ = bound_socket(dir_ / "held/x.sock");
        errno = err;
        return rc;
    }
    Fd intruder_;

  private:
    const TempDir& dir_;
};

void expect_swap_detected(const TempDir& dir) {
    ASSERT_EQ(::mkdir((dir / "d").c_str(), 0755), 0);
    SwapParentAtBind swap(dir);
    Result<BoundListener> b = [&] {
        ScopedSysCalls scope(swap);
        return bind_listener(path_spec(dir / "d/x.sock"));
    }();
    ASSERT_TRUE(swap.intruder_.valid());
    ASSERT_FALSE(b.ok());
    EXPECT_NE(b.error().message().find("the socket was bound to another inode than the one now "
                                       "at the path (the entry was replaced right after bind, or a "
                                       "parent directory was)"),
              std::string::npos)
        << b.error().message();
    // The intruder's entry is still there, unchanged (not chmod'ed, not removed).
    const struct stat st = lstat_of(dir / "held/x.sock");
    ASSERT_TRUE(S_ISSOCK(st.st_mode));
    auto theirs = bound_path_inode(swap.intruder_.get());
    ASSERT_TRUE(theirs);
    EXPECT_TRUE(theirs->refers_to(st));
}

TEST(UnixPathBinder, SwappedParentIsDetected) {
    TempDir dir;
    expect_swap_detected(dir);
}

TEST(UnixPathBinder, SwappedParentIsDetectedWithoutNetAdmin) {
    if (!has_effective_net_admin()) GTEST_SKIP() << "needs CAP_NET_ADMIN to drop it";
    TempDir probe;
    Fd s = bound_socket(probe / "probe.sock");
    if (!bound_path_inode_by_sock_diag(s.get())) GTEST_SKIP() << "no sock_diag for AF_UNIX here";
    WithoutNetAdmin drop;
    ASSERT_TRUE(drop.ok());
    TempDir dir;
    expect_swap_detected(dir);
}

}  // namespace
}  // namespace sv::net
