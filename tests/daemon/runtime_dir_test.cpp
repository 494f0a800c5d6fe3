#include "daemon/runtime_dir.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

namespace sv::daemon {
namespace {

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/sv-rt-XXXXXX";
        path = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

TEST(RuntimeDir, CreatedWithTheDocumentedMode) {
    TempDir t;
    auto r = prepare_runtime_dir(t.path + "/run");
    ASSERT_TRUE(r) << r.error().message();
    struct stat st {};
    ASSERT_EQ(lstat(r->c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, geteuid() == 0 ? 0755u : 0700u);
}

TEST(RuntimeDir, RefusesWritableByOthers) {
    TempDir t;
    std::string dir = t.path + "/open";
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(chmod(dir.c_str(), 0777), 0);
    auto r = prepare_runtime_dir(dir);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("writable by group or others"), std::string::npos);
}

TEST(RuntimeDir, RefusesASymlink) {
    TempDir t;
    std::string real = t.path + "/real", link = t.path + "/link";
    ASSERT_EQ(mkdir(real.c_str(), 0700), 0);
    ASSERT_EQ(symlink(real.c_str(), link.c_str()), 0);
    EXPECT_FALSE(prepare_runtime_dir(link));
}

TEST(RuntimeDir, RefusesAnotherUsersDirectory) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create a directory for another user";
    TempDir t;
    std::string dir = t.path + "/theirs";
    ASSERT_EQ(mkdir(dir.c_str(), 0700), 0);
    ASSERT_EQ(chown(dir.c_str(), 65534, 65534), 0);
    auto r = prepare_runtime_dir(dir);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("owned by uid 65534"), std::string::npos);
}

}  // namespace
}  // namespace sv::daemon
