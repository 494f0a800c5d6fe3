#include "unit/exec_path.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "loader_support.hpp"

namespace sv::unit {
namespace {

using testing::TempDir;

TEST(FindInPath, FirstExecutableRegularFile) {
    TempDir dir;
    dir.write("a/prog", "#!/bin/sh\n");  // not executable: skipped
    dir.write("b/prog", "#!/bin/sh\n");
    dir.write("c/prog", "#!/bin/sh\n");
    ::chmod((dir.path() + "/b/prog").c_str(), 0755);
    ::chmod((dir.path() + "/c/prog").c_str(), 0755);
    ::mkdir((dir.path() + "/d").c_str(), 0755);
    ::mkdir((dir.path() + "/d/sub").c_str(), 0755);  // a directory named like the program
    const std::string p = dir.path();
    EXPECT_EQ(find_in_path("prog", p + "/a:" + p + "/b:" + p + "/c"), p + "/b/prog");
    EXPECT_EQ(find_in_path("sub", p + "/d"), std::nullopt);
    EXPECT_EQ(find_in_path("prog", "::relative:" + p + "/c/"), p + "/c/prog")
        << "empty and relative entries skipped; trailing slash fine";
    EXPECT_EQ(find_in_path("prog", ""), std::nullopt);
    EXPECT_EQ(find_in_path("true", "/usr/bin:/bin"), "/usr/bin/true");
}

}  // namespace
}  // namespace sv::unit
