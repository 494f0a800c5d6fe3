#include "unit/toml_prescan.hpp"

#include <gtest/gtest.h>

namespace sv::unit {
namespace {

std::optional<std::pair<int, int>> at(std::string_view text, int max = 4) {
    auto trap = prescan_toml(text, max);
    if (!trap) return std::nullopt;
    return std::make_pair(trap->pos.line, trap->pos.column);
}

TEST(TomlPrescanNesting, CountsDottedKeysAndBrackets) {
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

TEST(TomlPrescanNesting, SeparatorsResetDottedParts) {
    EXPECT_EQ(at("a.b = 1.5\nc.d = 2.5\n"), std::nullopt);
    EXPECT_EQ(at("x = [1.5, 2.5, 3.5, 4.5]"), std::nullopt);
    EXPECT_EQ(at("t = 1979-05-27T07:32:00.999"), std::nullopt);
}

TEST(TomlPrescanNesting, IgnoresStringsAndComments) {
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

TEST(TomlPrescanNesting, ColumnsCountCodePoints) {
    EXPECT_EQ(at("\"é\" = [[[[1]]]]"), std::make_pair(1, 10));
}

TEST(TomlPrescanNesting, NeverFailsOnGarbage) {
    std::string garbage;
    for (int i = 0; i < 4096; ++i) garbage += static_cast<char>((i * 7919) % 256);
    (void)prescan_toml(garbage, 64);
    EXPECT_EQ(at("]]]]}}}}\"unterminated"), std::nullopt);
}

// Finding F2 (docs/security.md): toml++ 3.3.0 reaches __builtin_unreachable() on
// a non-ASCII character outside a string (found by fuzzing it from its headers).
std::string message(std::string_view text) {
    auto trap = prescan_toml(text, 64);
    return trap ? trap->message : "";
}

TEST(TomlPrescanNonAscii, OnlyInStringsAndComments) {
    for (std::string_view bad : {"x = \xc3\xa9", "\xc3\xa9 = 1", "x = 1 \xc3\xa9", "[a] \xc2\xa1",
                                 "x = [\xc3\xa9]", "x = \xef\xbb\xbe", "\xef\xbb\xbf\xef\xbb\xbfx = 1",
                                 "x = 1 \xc2\xa0", "x = 1\n\xff", "x = 5\"\xc3\xa9\"",
                                 "x = 1979-05-27 \"\xc3\xa9\"", "x = 1_979-05-27 \"\xc3\xa9\"",
                                 "x = 4t.op\\0pc[[[[s[\"\xd1\x9e\"", "x = [1\"\xc3\xa9\"]"})
        EXPECT_EQ(message(bad),
                  "invalid TOML: a non-ASCII character may appear only in a string or a comment")
            << bad;
    EXPECT_EQ(at("x = 1\ny = \xc3\xa9", 64), std::make_pair(2, 5));
    // toml++ issue #190: the same check after a line-ending backslash in a string.
    for (std::string_view bad : {"s = \"\"\"\\\n\xc2\xa7\"\"\"", "s = \"\"\"a \\  \r\n \n  \xc2\xa7\"\"\"",
                                 "s = \"\"\"\\\xc2\xa7\"\"\"", "[\"\"\"\\\xef\xba\xbf\"\"\"]",
                                 "\"\"\"a\\ \xcd\x8b\"\"\" = 1"})
        EXPECT_TRUE(message(bad).starts_with("a non-ASCII character after a backslash in a multi"))
            << bad;
    for (std::string_view ok : {"x = \"\xc3\xa9\"", "x = '\xc3\xa9'", "x = \"\"\"\n\xc3\xa9\n\"\"\"",
                                "# \xc3\xa9\nx = 1", "\"\xc3\xa9\" = 1", "[\"\xc3\xa9\"]",
                                "\xef\xbb\xbfx = 1", "# c\n\"\xc3\xa9\" = 1", "x = [\n  \"\xc3\xa9\",\n]",
                                "x = {a = '\xc3\xa9'}", "s = \"\"\"\\\n a\xc2\xa7\"\"\"",
                                "s = \"\\\xc2\xa7\"", "a.\"\xc3\xa9\" = 1", "[a.\"\xc3\xa9\"]",
                                "x = 1979-05-27 # \xc3\xa9", "x = [1, \"\xc3\xa9\"]",
                                "x = {a = 1, b = \"\xc3\xa9\"}", "[[a]]\nb = \"\xc3\xa9\""})
        EXPECT_EQ(at(ok, 64), std::nullopt) << ok;
}

}  // namespace
}  // namespace sv::unit
