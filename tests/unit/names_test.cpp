#include "unit/names.hpp"

#include <gtest/gtest.h>

namespace sv::unit {
namespace {

TEST(UnitName, FromFile) {
    EXPECT_EQ(unit_name_from_file("units/web.toml"), "web");
    EXPECT_EQ(unit_name_from_file("/etc/sockvisor/units/a.b-c_d.toml"), "a.b-c_d");
    EXPECT_EQ(unit_name_from_file("inline"), "inline");
}

TEST(UnitName, Validity) {
    EXPECT_TRUE(is_valid_unit_name("web"));
    EXPECT_TRUE(is_valid_unit_name("A-z_0.9"));
    EXPECT_TRUE(is_valid_unit_name(std::string(64, 'n')));
    EXPECT_FALSE(is_valid_unit_name(std::string(65, 'n')));
    for (const char* bad : {"", ".", "..", "a b", "a/b", "a@b", "é"})
        EXPECT_FALSE(is_valid_unit_name(bad)) << bad;
}

TEST(FdName, SystemdRules) {
    EXPECT_TRUE(is_valid_fd_name("http"));
    EXPECT_TRUE(is_valid_fd_name("with space"));
    EXPECT_TRUE(is_valid_fd_name(std::string(255, '~')));
    EXPECT_FALSE(is_valid_fd_name(std::string(256, 'x')));
    EXPECT_FALSE(is_valid_fd_name(""));
    EXPECT_FALSE(is_valid_fd_name("a:b"));
    EXPECT_FALSE(is_valid_fd_name("a\nb"));
    EXPECT_FALSE(is_valid_fd_name("a\tb"));
    EXPECT_FALSE(is_valid_fd_name("caf\xc3\xa9"));
    EXPECT_FALSE(is_valid_fd_name(std::string("a\0b", 3)));
}

TEST(EnvName, Validity) {
    EXPECT_TRUE(is_valid_env_name("PATH"));
    EXPECT_TRUE(is_valid_env_name("_x1"));
    for (const char* bad : {"", "1A", "A-B", "A B", "A=B"}) EXPECT_FALSE(is_valid_env_name(bad));
    EXPECT_TRUE(is_reserved_env_name("LISTEN_FDS"));
    EXPECT_TRUE(is_reserved_env_name("NOTIFY_SOCKET"));
    EXPECT_FALSE(is_reserved_env_name("LISTEN"));
}

TEST(Escaped, ControlCharactersAndLength) {
    EXPECT_EQ(escaped("plain"), "plain");
    EXPECT_EQ(escaped(std::string("a\0b\n\t\x1b", 6)), "a\\0b\\n\\t\\x1b");
    EXPECT_EQ(escaped("caf\xc3\xa9"), "caf\xc3\xa9") << "UTF-8 kept";
    EXPECT_EQ(escaped(std::string(100, 'x')), std::string(80, 'x') + "...");
}

}  // namespace
}  // namespace sv::unit
