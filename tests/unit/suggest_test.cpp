#include "unit/suggest.hpp"

#include <gtest/gtest.h>

#include <array>

#include "unit/keys.hpp"

namespace sv::unit {
namespace {

TEST(EditDistance, CountsSwapsAsOneEdit) {
    EXPECT_EQ(edit_distance("mode", "mode"), 0u);
    EXPECT_EQ(edit_distance("mdoe", "mode"), 1u);
    EXPECT_EQ(edit_distance("mod", "mode"), 1u);
    EXPECT_EQ(edit_distance("Mode", "mode"), 0u) << "case-insensitive";
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(ClosestMatch, OnlyWhenCloseEnough) {
    constexpr std::array<std::string_view, 3> words{"owner", "group", "mode"};
    EXPECT_EQ(closest_match("ownr", words), "owner");
    EXPECT_EQ(closest_match("gruop", words), "group");
    EXPECT_EQ(closest_match("colour", words), std::nullopt);
    EXPECT_EQ(closest_match("x", words), std::nullopt);
}

TEST(SuggestKey, PerSection) {
    EXPECT_EQ(suggest_key(Section::listen, "mdoe"), "mode");
    EXPECT_EQ(suggest_key(Section::listen, "recieve_buffer"), "receive_buffer");
    EXPECT_EQ(suggest_key(Section::service, "restartdelay"), "restart_delay");
    EXPECT_EQ(suggest_key(Section::service, "enviroment"), "environment");
    EXPECT_EQ(suggest_key(Section::service, "mode"), std::nullopt) << "mode is a listen key";
    EXPECT_EQ(suggest_key(Section::top, "services"), "service");
}

}  // namespace
}  // namespace sv::unit
