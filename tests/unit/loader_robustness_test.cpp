// The loader never throws and never crashes, whatever the bytes: every prefix
// of every good fixture, and every fixture with single bytes replaced by TOML
// punctuation, either loads or yields diagnostics.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "loader_support.hpp"
#include "unit/loader.hpp"

namespace sv::unit {
namespace {

using testing::fixtures;
using testing::kCtx;

std::vector<std::string> good_texts() {
    std::vector<std::string> texts;
    for (const auto& entry : std::filesystem::directory_iterator(fixtures("good"))) {
        std::ifstream in(entry.path());
        std::stringstream s;
        s << in.rdbuf();
        texts.push_back(s.str());
    }
    return texts;
}

void expect_outcome(const std::string& text) {
    Diagnostics d;
    std::optional<Unit> unit;
    EXPECT_NO_THROW(unit = parse_unit("fuzz.toml", text, kCtx, d));
    EXPECT_NE(unit.has_value(), !d.empty()) << "a unit xor diagnostics:\n" << text;
    for (const Diagnostic& x : d) EXPECT_FALSE(x.message.empty());
}

TEST(LoaderRobustness, EveryPrefixOfEveryGoodUnit) {
    for (const std::string& text : good_texts())
        for (std::size_t n = 0; n <= text.size(); n += 3) expect_outcome(text.substr(0, n));
}

TEST(LoaderRobustness, PunctuationReplacingEachByte) {
    for (const std::string& text : good_texts()) {
        for (std::size_t i = 0; i < text.size(); i += 2) {
            for (char c : {'[', '{', '"', '.', '=', '\n', '\0', '\xff'}) {
                std::string mutated = text;
                mutated[i] = c;
                expect_outcome(mutated);
            }
        }
    }
}

// Finding F2 (docs/security.md): inputs on which toml++ 3.3.0's parser asserts or
// "assumes" something about the text (parse_key, parse_value, parse_time) or reaches
// __builtin_unreachable() (a non-ASCII character outside a string). Each must give a
// diagnostic; this Debug + ASan/UBSan build would abort on the old behaviour.
TEST(LoaderRobustness, ShapesTomlppOnceAssumedAwayGiveDiagnostics) {
    for (std::string_view text :
         {"[=listen]]\n", "[[.listen]]\n", "[\nlisten]\n", "[[[[listen]]\n", "[}a]\n",
          "x = [}\n", "x = [1,\n}\n", "x = [#c\n}]\n", "x = 1979-05-27Tx07:00\n",
          "x = 1979-05-27t-07:00\n", "x = \xc3\xa9\n", "\xef\xbb\xbe = 1\n", "[a] \xc2\xa1\n"}) {
        Diagnostics d;
        std::optional<Unit> unit;
        EXPECT_NO_THROW(unit = parse_unit("f2.toml", std::string(text), kCtx, d));
        EXPECT_FALSE(unit.has_value()) << text;
        ASSERT_FALSE(d.empty()) << text;
        EXPECT_NE(d.front().message.find("TOML"), std::string::npos) << d.front().message;
    }
}

}  // namespace
}  // namespace sv::unit
