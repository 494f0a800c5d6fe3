// Owner, group and mode on disk, verified with lstat on this kernel: the root path
// (setfsuid/setfsgid + capset around bind), setgid parents, default ACLs, directory
// creation, and that the guard restores the process state.
#include <gtest/gtest.h>
#include <linux/capability.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

#include "net/creation_plan.hpp"
#include "net/fsid_guard.hpp"
#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;

unit::ListenSpec owned(const std::string& path, unsigned uid, unsigned gid, mode_t mode) {
    auto s = path_spec(path);
    s.owner = unit::Principal{std::to_string(uid), uid};
    s.group = unit::Principal{std::to_string(gid), gid};
    s.mode = mode;
    return s;
}

void expect_owned(const std::string& path, uid_t uid, gid_t gid, mode_t mode) {
    struct stat st = lstat_of(path);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_uid, uid);
    EXPECT_EQ(st.st_gid, gid);
    EXPECT_EQ(st.st_mode & 07777, mode);
}

unsigned effective_caps0() {
    __user_cap_header_struct h{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct d[2]{};
    ::syscall(SYS_capget, &h, d);
    return d[0].effective;
}

TEST(Ownership, NonRootOwnerAndGroupAtBirth) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    TempDir dir;  // 0700 root: the owner (65534) could not create here without the
                  // re-raised CAP_DAC_OVERRIDE, so this also tests the capset step.
    const std::string path = dir / "owned.sock";
    auto b = bind_listener(owned(path, 65534, 12345, 0640));
    ASSERT_TRUE(b.ok()) << b.error().message();
    expect_owned(path, 65534, 12345, 0640);
    sockaddr_un sa{};
    socklen_t len = sizeof sa;
    ::getsockname(b->fd.get(), reinterpret_cast<sockaddr*>(&sa), &len);
    EXPECT_EQ(std::string(sa.sun_path), path);
}

TEST(Ownership, GuardRestoresFsIdsUmaskAndCaps) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    const mode_t old_umask = ::umask(0027);
    const unsigned caps_before = effective_caps0();
    TempDir dir;
    auto b = bind_listener(owned(dir / "r.sock", 65534, 65534, 0600));
    ASSERT_TRUE(b.ok()) << b.error().message();
    EXPECT_EQ(::setfsuid(static_cast<uid_t>(-1)), 0);
    EXPECT_EQ(::setfsgid(static_cast<gid_t>(-1)), 0);
    EXPECT_EQ(::umask(old_umask), 0027u);
    EXPECT_EQ(effective_caps0(), caps_before);
}

TEST(Ownership, FsIdGuardRaisesDirectoryOverrideCaps) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    // Negative control for the capset step: after setfsuid(65534) the kernel drops
    // CAP_DAC_OVERRIDE from the effective set; the guard must have raised it again.
    FsIdGuard guard;
    ASSERT_TRUE(guard.enter(077, 65534, 65534).ok());
    EXPECT_TRUE(effective_caps0() & CAP_TO_MASK(CAP_DAC_OVERRIDE));
    EXPECT_TRUE(effective_caps0() & CAP_TO_MASK(CAP_CHOWN));
}

TEST(Ownership, ModesAreExactWhateverTheUmask) {
    TempDir dir;
    const mode_t old = ::umask(0777);  // would strip everything if it leaked into bind
    auto spec = path_spec(dir / "sub/deeper/m.sock");
    spec.mode = 0666;
    spec.directory_mode = 0751;
    auto b = bind_listener(spec);
    ::umask(old);
    ASSERT_TRUE(b.ok()) << b.error().message();
    EXPECT_EQ(lstat_of(dir / "sub/deeper/m.sock").st_mode & 07777, 0666u);
    EXPECT_EQ(lstat_of(dir / "sub").st_mode & 07777, 0751u);
    EXPECT_EQ(lstat_of(dir / "sub/deeper").st_mode & 07777, 0751u);
    EXPECT_EQ(lstat_of(dir / "sub").st_uid, ::geteuid());
}

TEST(Ownership, ExistingDirectoriesAreLeftAlone) {
    TempDir dir;
    ::mkdir((dir / "keep").c_str(), 0700);
    auto spec = path_spec(dir / "keep/k.sock");
    spec.directory_mode = 0755;
    ASSERT_TRUE(bind_listener(spec).ok());
    EXPECT_EQ(lstat_of(dir / "keep").st_mode & 07777, 0700u);
}

TEST(Ownership, SetgidParentStillEndsWithDeclaredGroup) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    TempDir dir;
    const std::string sub = dir / "sgid";
    ::mkdir(sub.c_str(), 0755);
    ::chown(sub.c_str(), 0, 4242);
    ::chmod(sub.c_str(), 02775);
    // The kernel would give the socket gid 4242 (inode_init_owner): the plan must see it.
    DirectoryFacts facts;
    facts.gid = 4242;
    facts.setgid = true;
    auto plan = plan_creation(owned(sub + "/s.sock", 65534, 12345, 0660), current_credentials(),
                              facts, "x");
    ASSERT_TRUE(plan.ok());
    EXPECT_TRUE(plan->fix_after);
    EXPECT_EQ(plan->create_mode, 0600u);  // born without group bits: 4242 gets nothing

    auto b = bind_listener(owned(sub + "/s.sock", 65534, 12345, 0660));
    ASSERT_TRUE(b.ok()) << b.error().message();
    expect_owned(sub + "/s.sock", 65534, 12345, 0660);
}

TEST(Ownership, DefaultAclOnParentIsNeutralised) {
    TempDir dir;
    const std::string sub = dir / "acl";
    ::mkdir(sub.c_str(), 0755);
    // A default ACL granting user 4321 rwx (binary xattr format, version 2):
    // USER_OBJ rwx, USER 4321 rwx, GROUP_OBJ r-x, MASK rwx, OTHER r-x.
    struct Entry {
        uint16_t tag, perm;
        uint32_t id;
    } __attribute__((packed));
    struct {
        uint32_t version = 2;
        Entry e[5] = {
            {0x01, 7, ~0u}, {0x02, 7, 4321}, {0x04, 5, ~0u}, {0x10, 7, ~0u}, {0x20, 5, ~0u}};
    } __attribute__((packed)) acl;
    if (::setxattr(sub.c_str(), "system.posix_acl_default", &acl, sizeof acl, 0) < 0)
        GTEST_SKIP() << "no POSIX ACLs here: " << std::strerror(errno);
    auto spec = path_spec(sub + "/a.sock");
    spec.mode = 0660;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok()) << b.error().message();
    EXPECT_EQ(lstat_of(sub + "/a.sock").st_mode & 07777, 0660u);
    // The inherited access ACL (which would give uid 4321 access) is gone.
    EXPECT_LT(::lgetxattr((sub + "/a.sock").c_str(), "system.posix_acl_access", nullptr, 0), 0);
}

TEST(KernelClaims, FchmodOnSocketFdDoesNotChangeThePath) {
    // Why ownership must be right at bind(): fchmod/fchown on the socket fd act on the
    // sockfs inode, not on the filesystem entry.
    TempDir dir;
    auto spec = path_spec(dir / "f.sock");
    spec.mode = 0600;
    auto b = bind_listener(spec);
    ASSERT_TRUE(b.ok());
    ::fchmod(b->fd.get(), 0666);
    EXPECT_EQ(lstat_of(dir / "f.sock").st_mode & 07777, 0600u);
}

TEST(KernelClaims, DgramSocketReceivesAsSoonAsBound) {
    // Why options (and ownership) go in before bind(): nothing separates bind from
    // delivery for a datagram socket; there is no listen() step.
    TempDir dir;
    auto b = bind_listener(path_spec(dir / "d.sock", unit::SocketType::dgram));
    ASSERT_TRUE(b.ok());
    Fd c;
    ASSERT_EQ(unix_connect(dir / "d.sock", SOCK_DGRAM, false, c), 0);
    EXPECT_EQ(::send(c.get(), "z", 1, 0), 1);
}

TEST(CreationPlan, NonRootRules) {
    Credentials c;
    c.euid = 1000;
    c.rgid = c.egid = c.sgid = 1000;
    c.supplementary = {1000, 27};
    DirectoryFacts d;
    auto spec = path_spec("/tmp/x.sock");
    spec.mode = 0660;
    spec.group = unit::Principal{"sudo", 27};
    auto p = plan_creation(spec, c, d, "/tmp/x.sock");
    ASSERT_TRUE(p.ok());
    EXPECT_TRUE(p->fix_after);
    EXPECT_EQ(p->create_mode, 0600u);
    EXPECT_FALSE(p->fsgid.has_value());

    spec.group = unit::Principal{"other", 99};
    EXPECT_FALSE(plan_creation(spec, c, d, "x").ok());
    spec.group.reset();
    spec.owner = unit::Principal{"root", 0};
    EXPECT_FALSE(plan_creation(spec, c, d, "x").ok());
    spec.owner = unit::Principal{"me", 1000};
    p = plan_creation(spec, c, d, "x");
    ASSERT_TRUE(p.ok());
    EXPECT_FALSE(p->fix_after);
    EXPECT_EQ(p->create_mode, 0660u);
}

}  // namespace
}  // namespace sv::net
