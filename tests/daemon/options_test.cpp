#include "daemon/options.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sv::daemon {
namespace {

ParsedArgs parse(std::vector<std::string> words) {
    std::vector<char*> argv;
    static std::vector<std::string> storage;
    storage = std::move(words);
    storage.insert(storage.begin(), "sockvisord");
    for (auto& w : storage) argv.push_back(w.data());
    return parse_args(static_cast<int>(argv.size()), argv.data());
}

TEST(Options, UnitsAndRuntimeDir) {
    auto p = parse({"--units", "a", "--units", "b", "--runtime-dir", "/tmp/x", "--strict"});
    ASSERT_TRUE(p.options);
    EXPECT_EQ(p.options->unit_dirs, (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(p.options->runtime_dir, "/tmp/x");
    EXPECT_TRUE(p.options->strict);
    EXPECT_FALSE(p.options->inline_unit);
}

TEST(Options, InlineCommandKeepsItsOwnFlags) {
    auto p = parse(
        {"--listen", "x.sock", "--eager", "--restart", "no", "--", "prog", "--units", "--", "z"});
    ASSERT_TRUE(p.options);
    ASSERT_TRUE(p.options->inline_unit);
    EXPECT_EQ(p.options->inline_unit->command,
              (std::vector<std::string>{"prog", "--units", "--", "z"}));
    EXPECT_TRUE(p.options->inline_unit->eager);
    EXPECT_EQ(p.options->inline_unit->restart, "no");
    EXPECT_TRUE(p.options->unit_dirs.empty());
}

TEST(Options, UsageErrorsExit2) {
    EXPECT_EQ(parse({"--bogus"}).exit_code, 2);
    EXPECT_EQ(parse({"--log-level", "loud"}).exit_code, 2);
    EXPECT_EQ(parse({"--listen", "x.sock"}).exit_code, 2);  // no command
    EXPECT_EQ(parse({"--", "prog"}).exit_code, 2);          // no --listen
    EXPECT_EQ(parse({"--eager"}).exit_code, 2);             // inline flag alone
    EXPECT_EQ(parse({"--listen", "x", "--restart", "sometimes", "--", "p"}).exit_code, 2);
}

TEST(Options, HelpExits0) {
    auto p = parse({"--help"});
    EXPECT_FALSE(p.options);
    EXPECT_EQ(p.exit_code, 0);
}

}  // namespace
}  // namespace sv::daemon
