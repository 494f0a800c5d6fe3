#include "daemon/inline_unit.hpp"

#include <gtest/gtest.h>

namespace sv::daemon {
namespace {

unit::LoadContext ctx() {
    return {"/run/sv-test", "/usr/bin:/bin"};
}

TEST(InlineUnit, NameIsTheCommandsBaseName) {
    InlineOptions in;
    in.command = {"/usr/bin/python3", "-m", "x"};
    EXPECT_EQ(inline_unit_name(in), "python3");
    in.command = {"weird name!"};
    EXPECT_EQ(inline_unit_name(in), "weird_name_");
}

TEST(InlineUnit, FlagsBecomeAValidUnit) {
    InlineOptions in;
    in.listen = {"app.sock", "tcp://127.0.0.1:9000"};
    in.mode = "0600";
    in.accept = true;
    in.command = {"cat"};
    unit::Diagnostics diags;
    // --mode applies to pathname sockets only: with a tcp listener it is an error,
    // exactly as the same key in a unit file would be.
    EXPECT_FALSE(load_inline_unit(in, ctx(), diags));
    ASSERT_FALSE(diags.empty());
    EXPECT_NE(diags.front().message.find("mode"), std::string::npos);

    in.listen = {"app.sock"};
    diags.clear();
    auto u = load_inline_unit(in, ctx(), diags);
    ASSERT_TRUE(u) << (diags.empty() ? "" : diags.front().render());
    EXPECT_EQ(u->name, "cat");
    EXPECT_EQ(u->listen.at(0).address.path, "/run/sv-test/app.sock");
    EXPECT_EQ(u->listen.at(0).mode, 0600u);
    EXPECT_TRUE(u->service.accept);
    EXPECT_EQ(u->service.exec.at(0), "/usr/bin/cat");
}

TEST(InlineUnit, ArgumentsWithQuotesSurviveTheRoundTrip) {
    InlineOptions in;
    in.listen = {"x.sock"};
    in.command = {"sh", "-c", "echo \"a'b\" \\ \n done"};
    unit::Diagnostics diags;
    auto u = load_inline_unit(in, ctx(), diags);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->service.exec.at(2), in.command.at(2));
}

TEST(InlineUnit, EveryByteOfAnArgumentSurvivesTheRoundTrip) {
    InlineOptions in;
    in.listen = {"x.sock"};
    in.name = "a\"b";
    in.command = {"cat", "tab\there", "ctl\x01\x1f\x7f", "caf\xc3\xa9 \\ \"q\"", "\r\n", ""};
    unit::Diagnostics diags;
    auto u = load_inline_unit(in, ctx(), diags);
    ASSERT_TRUE(u) << inline_unit_toml(in);
    EXPECT_EQ(std::vector<std::string>(u->service.exec.begin() + 1, u->service.exec.end()),
              std::vector<std::string>(in.command.begin() + 1, in.command.end()));
}

TEST(InlineUnit, BadModeIsADiagnostic) {
    InlineOptions in;
    in.listen = {"x.sock"};
    in.mode = "0999";
    in.command = {"cat"};
    unit::Diagnostics diags;
    EXPECT_FALSE(load_inline_unit(in, ctx(), diags));
    ASSERT_EQ(diags.size(), 1u);
}

}  // namespace
}  // namespace sv::daemon
