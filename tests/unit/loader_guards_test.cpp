// The guards that run before toml++ sees a file: size and nesting. toml++ 3.3.0
// overflows the stack on deep nesting, so these inputs must never reach it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "base/limits.hpp"
#include "loader_support.hpp"
#include "unit/loader.hpp"

namespace sv::unit {
namespace {

using testing::kCtx;
using testing::rendered;
using testing::TempDir;

constexpr const char* kValidTail =
    "\n[[listen]]\naddress = \"x.sock\"\n[service]\nexec = [\"/bin/true\"]\n";

std::vector<std::string> parse_errors(const std::string& text) {
    Diagnostics d;
    EXPECT_FALSE(parse_unit("deep.toml", text, kCtx, d));
    return rendered(d);
}

TEST(LoaderGuards, DottedKeyOf62KilobytesIsRefusedNotACrash) {
    // ~31,000 parts, ~62 KB: crashes toml++ 3.3.0 when handed over.
    std::string text = "a";
    while (text.size() < 62 * 1024) text += ".a";
    text += " = 1\n";
    EXPECT_EQ(parse_errors(text),
              (std::vector<std::string>{"deep.toml:1:128: nesting is deeper than 64 levels of "
                                        "tables, arrays and dotted-key parts"}));
}

TEST(LoaderGuards, DeepArraysAndInlineTablesAreRefused) {
    std::string arrays = "x = " + std::string(30000, '[') + std::string(30000, ']') + "\n";
    EXPECT_EQ(parse_errors(arrays),
              (std::vector<std::string>{"deep.toml:1:68: nesting is deeper than 64 levels of "
                                        "tables, arrays and dotted-key parts"}));
    std::string tables = "x = ";
    for (int i = 0; i < 20000; ++i) tables += "{a=";
    tables += "1" + std::string(20000, '}') + "\n";
    EXPECT_EQ(parse_errors(tables),
              (std::vector<std::string>{"deep.toml:1:194: nesting is deeper than 64 levels of "
                                        "tables, arrays and dotted-key parts"}));
}

TEST(LoaderGuards, DeepHeaderIsRefusedFromAFile) {
    TempDir dir;
    std::string header = "[t";
    for (int i = 0; i < 30000; ++i) header += ".t";
    const std::string file = dir.write("deep.toml", header + "]\nx = 1\n" + kValidTail);
    Diagnostics d;
    EXPECT_FALSE(load_unit_file(file, kCtx, d));
    ASSERT_EQ(d.size(), 1u);
    EXPECT_EQ(d[0].message,
              "nesting is deeper than 64 levels of tables, arrays and dotted-key parts");
}

TEST(LoaderGuards, NestingUpToTheLimitIsParsed) {
    // The key plus 63 arrays: 64 levels exactly. toml++ copes, and the loader then
    // reports the unknown key, which proves the text was parsed.
    std::string text = "x = " + std::string(63, '[') + std::string(63, ']') + "\n" + kValidTail;
    EXPECT_EQ(parse_errors(text),
              (std::vector<std::string>{"deep.toml:1:1: unknown key 'x' in the top level"}));
}

TEST(LoaderGuards, BracketsAndDotsInStringsAndCommentsDoNotCount) {
    std::string text = "description = \"" + std::string(200, '[') + std::string(200, '.') +
                       "\"\n# " + std::string(200, '{') + "\nx = '''\n" + std::string(200, '.') +
                       "'''\n" + kValidTail;
    EXPECT_EQ(parse_errors(text),
              (std::vector<std::string>{"deep.toml:3:1: unknown key 'x' in the top level"}));
}

TEST(LoaderGuards, OversizedFileIsRefusedBeforeParsing) {
    TempDir dir;
    // Not even valid TOML: it must never be parsed.
    std::string text(limits::kMaxUnitFileBytes + 1, '[');
    const std::string file = dir.write("big.toml", text);
    Diagnostics d;
    EXPECT_FALSE(load_unit_file(file, kCtx, d));
    EXPECT_EQ(
        rendered(d, dir.path() + "/"),
        (std::vector<std::string>{
            "big.toml:1:1: file is 1048577 bytes; a unit file may be at most 1048576 bytes"}));
    Diagnostics from_text;
    EXPECT_FALSE(parse_unit("big.toml", text, kCtx, from_text));
    EXPECT_EQ(rendered(from_text), rendered(d, dir.path() + "/"));
}

TEST(LoaderGuards, FileOfExactlyTheLimitIsParsed) {
    std::string text = kValidTail;
    text += "# " + std::string(limits::kMaxUnitFileBytes - text.size() - 3, 'x') + "\n";
    ASSERT_EQ(text.size(), limits::kMaxUnitFileBytes);
    Diagnostics d;
    EXPECT_TRUE(parse_unit("big.toml", text, kCtx, d));
    EXPECT_TRUE(d.empty());
}

TEST(LoaderGuards, UnreadableFiles) {
    TempDir dir;
    ::mkdir((dir.path() + "/dir.toml").c_str(), 0755);
    Diagnostics d;
    EXPECT_FALSE(load_unit_file(dir.path() + "/missing.toml", kCtx, d));
    EXPECT_FALSE(load_unit_file(dir.path() + "/dir.toml", kCtx, d));
    EXPECT_EQ(rendered(d, dir.path() + "/"),
              (std::vector<std::string>{
                  "missing.toml:1:1: cannot read unit file: No such file or directory",
                  "dir.toml:1:1: unit file is not a regular file"}));
}

TEST(LoaderGuards, NulInAKeyIsShownEscaped) {
    Diagnostics d;
    EXPECT_FALSE(parse_unit("nul.toml", std::string("\"a\\u0000b\" = 1\n") + kValidTail, kCtx, d));
    EXPECT_EQ(rendered(d),
              (std::vector<std::string>{"nul.toml:1:1: unknown key 'a\\0b' in the top level"}));
}

}  // namespace
}  // namespace sv::unit
