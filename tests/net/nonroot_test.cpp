// Without root: a child drops to uid 65534 with a supplementary group and binds in a
// directory it owns. The socket must end owner 65534, the supplementary group, the
// declared mode; another owner or a foreign group is refused.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include "net/listener.hpp"
#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;

// Runs `body` as uid/gid 65534 with supplementary group 12345; returns its exit code.
template <class F>
int as_nobody(F body) {
    pid_t child = ::fork();
    if (child == 0) {
        gid_t groups[] = {65534, 12345};
        if (::setgroups(2, groups) < 0 || ::setresgid(65534, 65534, 65534) < 0 ||
            ::setresuid(65534, 65534, 65534) < 0)
            ::_exit(90);
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
}

TEST(NonRoot, SupplementaryGroupIsSetWithoutAWiderWindow) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to drop privileges";
    TempDir dir;
    const std::string sub = dir / "own";
    ::mkdir(sub.c_str(), 0755);
    ::chown(sub.c_str(), 65534, 65534);
    ::chmod(dir.path().c_str(), 0755);
    const std::string path = sub + "/n.sock";
    int rc = as_nobody([&] {
        auto spec = path_spec(path);
        spec.group = unit::Principal{"12345", 12345};
        spec.mode = 0660;
        auto b = bind_listener(spec);
        if (!b) return 1;
        b->fd.release();  // keep the file after exit
        auto other = path_spec(sub + "/o.sock");
        other.owner = unit::Principal{"root", 0};
        if (bind_listener(other).ok()) return 2;
        auto foreign = path_spec(sub + "/f.sock");
        foreign.group = unit::Principal{"4242", 4242};
        if (bind_listener(foreign).ok()) return 3;
        return 0;
    });
    ASSERT_EQ(rc, 0);
    struct stat st = lstat_of(path);
    EXPECT_EQ(st.st_uid, 65534u);
    EXPECT_EQ(st.st_gid, 12345u);
    EXPECT_EQ(st.st_mode & 07777, 0660u);
    EXPECT_FALSE(exists(sub + "/o.sock"));
    EXPECT_FALSE(exists(sub + "/f.sock"));
}

}  // namespace
}  // namespace sv::net
