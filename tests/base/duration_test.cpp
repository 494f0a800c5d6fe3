#include "base/duration.hpp"

#include <gtest/gtest.h>

namespace sv {
namespace {

TEST(Duration, ParsesUnits) {
    EXPECT_EQ(parse_duration("250ms"), Duration(250));
    EXPECT_EQ(parse_duration("10s"), Duration(10000));
    EXPECT_EQ(parse_duration("1.5s"), Duration(1500));
    EXPECT_EQ(parse_duration("2min"), Duration(120000));
    EXPECT_EQ(parse_duration("1h"), Duration(3600000));
    EXPECT_EQ(parse_duration("3"), Duration(3000));
    EXPECT_EQ(parse_duration("0"), Duration(0));
}

TEST(Duration, RejectsGarbage) {
    for (const char* bad : {"", "s", "10x", "-1s", "1..2s", ".", "10 s", "1e3", "25h"})
        EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
}

TEST(Duration, FromSeconds) {
    EXPECT_EQ(duration_from_seconds(1.5), Duration(1500));
    EXPECT_EQ(duration_from_seconds(0.0004), Duration(0));
    EXPECT_EQ(duration_from_seconds(0.0006), Duration(1));
    EXPECT_EQ(duration_from_seconds(2.9996), Duration(3000));
    EXPECT_FALSE(duration_from_seconds(-0.1).has_value());
    EXPECT_FALSE(duration_from_seconds(1e12).has_value());
}

TEST(Duration, Formats) {
    EXPECT_EQ(format_duration(Duration(100)), "100ms");
    EXPECT_EQ(format_duration(Duration(10000)), "10s");
    EXPECT_EQ(format_duration(Duration(120000)), "2min");
    EXPECT_EQ(format_duration(Duration(3600000)), "1h");
    EXPECT_EQ(format_duration(Duration(0)), "0s");
}

}  // namespace
}  // namespace sv
