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

}  // namespace
}  // namespace sv::unit
