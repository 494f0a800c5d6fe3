#include "unit/nesting_scan.hpp"

#include <gtest/gtest.h>

namespace sv::unit {
namespace {

std::optional<std::pair<int, int>> at(std::string_view text, int max = 4) {
    auto pos = find_excess_nesting(text, max);
    if (!pos) return std::nullopt;
    return std::make_pair(pos->line, pos->column);
}

TEST(NestingScan, CountsDottedKeysAndBrackets) {
    EXPECT_EQ(at("a.b.c = 1"), std::nullopt);  // 3 parts
    EXPECT_EQ(at("a.b.c.d = 1"), std::nullopt);
    EXPECT_EQ(at("a.b.c.d.e = 1"), std::make_pair(1, 8));
    EXPECT_EQ(at("x = [[[1]]]"), std::nullopt);  // key + 3
    EXPECT_EQ(at("x = [[[[1]]]]"), std::make_pair(1, 8));
    EXPECT_EQ(at("x = {a = {b.c = 1}}"), std::nullopt);  // x, a, b, c
    EXPECT_EQ(at("x = {a = {b.c.d = 1}}"), std::make_pair(1, 14));
    EXPECT_EQ(at("[a.b]\n[[c.d]]\n"), std::nullopt);
    EXPECT_EQ(at("\n\n  x = [[[[1]]]]"), std::make_pair(3, 10));
}

TEST(NestingScan, SeparatorsResetDottedParts) {
    EXPECT_EQ(at("a.b = 1.5\nc.d = 2.5\n"), std::nullopt);
    EXPECT_EQ(at("x = [1.5, 2.5, 3.5, 4.5]"), std::nullopt);
    EXPECT_EQ(at("t = 1979-05-27T07:32:00.999"), std::nullopt);
}

TEST(NestingScan, IgnoresStringsAndComments) {
    EXPECT_EQ(at("x = \"[[[[[....\""), std::nullopt);
    EXPECT_EQ(at("x = '[[[[[....'"), std::nullopt);
    EXPECT_EQ(at("x = \"\"\"\n[[[[[\n\"\"\""), std::nullopt);
    EXPECT_EQ(at("x = '''\n[[[[[\n'''"), std::nullopt);
    EXPECT_EQ(at("# [[[[[.....\nx = 1"), std::nullopt);
    EXPECT_EQ(at("x = \"a\\\"[[[[[\""), std::nullopt) << "escaped quote does not end the string";
    EXPECT_EQ(at("x = \"\"\"a\"\"\"\"\" \ny = [[[[1]]]]"), std::make_pair(2, 8))
        << "quotes after a closing \"\"\" belong to the string";
    EXPECT_EQ(at("\"a\".\"b\".\"c\".\"d\".\"e\" = 1"), std::make_pair(1, 16));
}

TEST(NestingScan, ColumnsCountCodePoints) {
    EXPECT_EQ(at("é = [[[[1]]]]"), std::make_pair(1, 8));
}

TEST(NestingScan, NeverFailsOnGarbage) {
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
    (void)find_excess_nesting(garbage, 64);
    EXPECT_EQ(at("]]]]}}}}\"unterminated"), std::nullopt);
}

}  // namespace
}  // namespace sv::unit
