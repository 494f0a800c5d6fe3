#include "base/mode.hpp"

#include <gtest/gtest.h>

namespace sv {
namespace {

TEST(Mode, ParsesOctal) {
    EXPECT_EQ(parse_mode("0660", 0777), 0660u);
    EXPECT_EQ(parse_mode("660", 0777), 0660u);
    EXPECT_EQ(parse_mode("0", 0777), 0u);
    EXPECT_EQ(parse_mode("02775", 07777), 02775u);
}

TEST(Mode, RejectsBad) {
    for (const char* bad : {"", "0668", "0x1ff", "rw-", "-660", "000660", "01777"})
        EXPECT_FALSE(parse_mode(bad, 0777).has_value()) << bad;
}

TEST(Mode, Formats) {
    EXPECT_EQ(format_mode(0660), "0660");
    EXPECT_EQ(format_mode(0), "0000");
    EXPECT_EQ(format_mode(02775), "2775");
}

}  // namespace
}  // namespace sv
