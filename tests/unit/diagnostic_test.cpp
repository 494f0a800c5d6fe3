#include "unit/diagnostic.hpp"

#include <gtest/gtest.h>

#include "unit/loader.hpp"

namespace sv::unit {
namespace {

TEST(Diagnostic, RendersFileLineColumn) {
    Diagnostic d{"units/web.toml", {4, 11}, "unknown key 'mdoe'"};
    EXPECT_EQ(d.render(), "units/web.toml:4:11: unknown key 'mdoe'");
    Diagnostic whole{"units/web.toml", {}, "file is too large"};
    EXPECT_EQ(whole.render(), "units/web.toml:1:1: file is too large");
}

TEST(Diagnostic, ControlBytesCannotForgeALine) {
    Diagnostic d{"a.toml", {1, 1}, "address 'x\na.toml:9:9: forged\x1b[31m' is bad"};
    EXPECT_EQ(d.render(), "a.toml:1:1: address 'x\\na.toml:9:9: forged\\x1b[31m' is bad");
}

// The case the fuzzer found (docs/security.md, F1), end to end through the loader.
TEST(Diagnostic, AddressWithANewlineStaysOnOneLine) {
    Diagnostics out;
    LoadContext ctx{"/run/sv-test", "/usr/bin:/bin"};
    std::string text =
        "[[listen]]\naddress = \"tcp://x\\nweb.toml:1:1: forged\\u001b[31m:80\"\n"
        "[service]\nexec = [\"/bin/cat\"]\n";
    EXPECT_FALSE(parse_unit("web.toml", text, ctx, out));
    ASSERT_FALSE(out.empty());
    for (const auto& d : out) {
        std::string line = d.render();
        EXPECT_EQ(line.find('\n'), std::string::npos) << line;
        EXPECT_EQ(line.find('\x1b'), std::string::npos) << line;
    }
}

}  // namespace
}  // namespace sv::unit
