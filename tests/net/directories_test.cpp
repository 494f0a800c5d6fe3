// open_parent_directory: the one-syscall path for an existing parent and the walk it
// falls back to must refuse a symlink in any component alike, and say which one.
#include "net/directories.hpp"

#include <gtest/gtest.h>

#include "net_test_support.hpp"

namespace sv::net {
namespace {
using namespace testing;

bool same_inode(int fd, const std::string& path) {
    struct stat a {
    }, b{};
    return ::fstat(fd, &a) == 0 && ::lstat(path.c_str(), &b) == 0 && a.st_dev == b.st_dev &&
           a.st_ino == b.st_ino;
}

TEST(OpenParentDirectory, ExistingParentIsOpenedAsADirectory) {
    TempDir dir;
    ASSERT_EQ(::mkdir((dir / "a").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((dir / "a/b").c_str(), 0755), 0);
    auto fd = open_parent_directory(dir / "a/b/x.sock", std::nullopt);
    ASSERT_TRUE(fd.ok()) << fd.error().message();
    EXPECT_TRUE(same_inode(fd->get(), dir / "a/b"));
    EXPECT_EQ(::fcntl(fd->get(), F_GETFD), FD_CLOEXEC);

    auto root = open_parent_directory("/x.sock", std::nullopt);
    ASSERT_TRUE(root.ok());
    EXPECT_TRUE(same_inode(root->get(), "/"));
}

TEST(OpenParentDirectory, MissingComponentsAreCreatedOrReported) {
    TempDir dir;
    auto missing = open_parent_directory(dir / "m/n/x.sock", std::nullopt);
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().err, ENOENT);
    auto created = open_parent_directory(dir / "m/n/x.sock", 0750);
    ASSERT_TRUE(created.ok()) << created.error().message();
    EXPECT_TRUE(same_inode(created->get(), dir / "m/n"));
    EXPECT_EQ(lstat_of(dir / "m/n").st_mode & 07777, 0750u);
}

// Every component exists, so the one-syscall path is taken first; a symlink anywhere
// must still be refused, with the walk's message naming it.
TEST(OpenParentDirectory, SymlinkInAnyComponentIsRefused) {
    TempDir dir, outside;
    ASSERT_EQ(::mkdir((outside / "sub").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((dir / "real").c_str(), 0755), 0);
    ASSERT_EQ(::symlink(outside.path().c_str(), (dir / "link").c_str()), 0);
    ASSERT_EQ(::symlink((dir / "real").c_str(), (dir / "real-link").c_str()), 0);
    for (const std::string& path :
         {dir / "link/sub/x.sock", dir / "link/x.sock", dir / "real-link/x.sock"}) {
        auto fd = open_parent_directory(path, 0755);
        ASSERT_FALSE(fd.ok()) << path;
        const std::string msg = fd.error().message();
        EXPECT_NE(msg.find("it is a symbolic link; sockvisor never follows a symlink"),
                  std::string::npos)
            << msg;
        EXPECT_NE(msg.find(path.substr(0, path.find("link") + 4)), std::string::npos) << msg;
    }
    EXPECT_FALSE(exists(outside / "sub/x.sock"));
}

TEST(OpenParentDirectory, AFileInThePathIsNotADirectory) {
    TempDir dir;
    write_file(dir / "file", "x");
    auto fd = open_parent_directory(dir / "file/x.sock", 0755);
    ASSERT_FALSE(fd.ok());
    EXPECT_EQ(fd.error().err, ENOTDIR);
}

TEST(OpenParentDirectory, RelativePathIsRefused) {
    auto fd = open_parent_directory("run/x.sock", std::nullopt);
    ASSERT_FALSE(fd.ok());
    EXPECT_NE(fd.error().message().find("not an absolute path"), std::string::npos);
}

}  // namespace
}  // namespace sv::net
