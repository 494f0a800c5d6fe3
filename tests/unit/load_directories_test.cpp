// Directories of units: file order, unreadable directories, and the cross-unit
// checks (the same address or unit name declared twice).
#include <gtest/gtest.h>

#include "loader_support.hpp"
#include "unit/loader.hpp"

namespace sv::unit {
namespace {

using testing::kCtx;
using testing::rendered;
using testing::TempDir;

std::string unit_text(const std::string& listen, const std::string& extra = {}) {
    return listen + extra + "\n[service]\nexec = [\"/bin/true\"]\n";
}
std::string listen_on(const std::string& address) {
    return "[[listen]]\naddress = \"" + address + "\"\n";
}

std::vector<std::string> names(const LoadResult& r) {
    std::vector<std::string> out;
    for (const Unit& u : r.units) out.push_back(u.name);
    return out;
}

TEST(LoadDirectories, LoadsEveryTomlFileSortedByName) {
    TempDir dir;
    dir.write("b.toml", unit_text(listen_on("b.sock")));
    dir.write("a.toml", unit_text(listen_on("a.sock")));
    dir.write("notes.txt", "not a unit");
    dir.write("c.toml.disabled", "not a unit either");
    auto result = load_directories({dir.path()}, kCtx);
    EXPECT_EQ(rendered(result.diagnostics), std::vector<std::string>{});
    EXPECT_EQ(names(result), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(result.units[0].file, dir.path() + "/a.toml");
}

TEST(LoadDirectories, MissingDirectoryIsADiagnosticAndTheRestLoads) {
    TempDir dir;
    dir.write("a.toml", unit_text(listen_on("a.sock")));
    auto result = load_directories({dir.path() + "/nope", dir.path() + "/"}, kCtx);
    EXPECT_EQ(rendered(result.diagnostics, dir.path() + "/"),
              (std::vector<std::string>{"nope:1:1: unit directory does not exist"}));
    EXPECT_EQ(names(result), (std::vector<std::string>{"a"}));
    EXPECT_EQ(result.units[0].file, dir.path() + "/a.toml") << "no double slash";
}

TEST(LoadDirectories, SameAddressAcrossTwoDirectoriesRejectsTheLaterUnit) {
    TempDir root;
    root.write("one/a.toml", unit_text(listen_on("tcp://127.0.0.1:8080") + listen_on("x.sock")));
    root.write("two/b.toml", unit_text("# b\n" + listen_on("/run/sockvisor-test/x.sock")));
    root.write("two/c.toml", unit_text(listen_on("tcp://127.0.0.1:8080")));
    root.write("two/d.toml", unit_text(listen_on("udp://127.0.0.1:8080")));
    auto result = load_directories({root.path() + "/one", root.path() + "/two"}, kCtx);
    const std::string one = root.path() + "/one/", two = root.path() + "/two/";
    ASSERT_EQ(result.diagnostics.size(), 2u);
    EXPECT_EQ(result.diagnostics[0].render(),
              two +
                  "b.toml:2:1: address '/run/sockvisor-test/x.sock' is already declared by "
                  "unit 'a' (" +
                  one + "a.toml:3:1)");
    EXPECT_EQ(result.diagnostics[1].render(),
              two + "c.toml:1:1: address 'tcp://127.0.0.1:8080' is already declared by unit 'a' (" +
                  one + "a.toml:1:1)");
    EXPECT_EQ(names(result), (std::vector<std::string>{"a", "d"})) << "udp and tcp differ";
    EXPECT_EQ(result.failed_files, (std::vector<std::string>{two + "b.toml", two + "c.toml"}));
}

TEST(LoadDirectories, SameUnitNameInTwoDirectories) {
    TempDir root;
    root.write("one/web.toml", unit_text(listen_on("one.sock")));
    root.write("two/web.toml", unit_text(listen_on("two.sock")));
    auto result = load_directories({root.path() + "/one", root.path() + "/two"}, kCtx);
    EXPECT_EQ(rendered(result.diagnostics, root.path() + "/"),
              (std::vector<std::string>{"two/web.toml:1:1: unit 'web' is already declared by " +
                                        root.path() + "/one/web.toml"}));
    ASSERT_EQ(result.units.size(), 1u);
    EXPECT_EQ(result.units[0].file, root.path() + "/one/web.toml");
    EXPECT_EQ(result.failed_files, (std::vector<std::string>{root.path() + "/two/web.toml"}));
}

TEST(LoadDirectories, InvalidUnitIsReportedAndOthersLoad) {
    TempDir dir;
    dir.write("bad.toml", unit_text(listen_on("bad.sock"), "mdoe = \"0600\"\n"));
    dir.write("good.toml", unit_text(listen_on("good.sock")));
    auto result = load_directories({dir.path()}, kCtx);
    EXPECT_EQ(rendered(result.diagnostics, dir.path() + "/"),
              (std::vector<std::string>{
                  "bad.toml:3:1: unknown key 'mdoe' in [[listen]]; did you mean 'mode'?"}));
    EXPECT_EQ(names(result), (std::vector<std::string>{"good"}));
    EXPECT_EQ(result.failed_files, (std::vector<std::string>{dir.path() + "/bad.toml"}));
}

Unit parsed(const std::string& file, const std::string& text) {
    Diagnostics d;
    auto u = parse_unit(file, text, kCtx, d);
    EXPECT_TRUE(d.empty()) << (d.empty() ? "" : d[0].render());
    return u.value_or(Unit{});
}

TEST(CheckUniqueAddresses, WithinOneUnit) {
    std::vector<Unit> units{
        parsed("units/a.toml", unit_text(listen_on("@x") + listen_on("@y") + listen_on("@x")))};
    Diagnostics d;
    std::vector<std::string> failed;
    check_unique_addresses(units, d, failed);
    EXPECT_EQ(rendered(d), (std::vector<std::string>{
                               "units/a.toml:5:1: address '@x' is already declared by unit 'a' "
                               "(units/a.toml:1:1)"}));
    EXPECT_TRUE(units.empty());
    EXPECT_EQ(failed, (std::vector<std::string>{"units/a.toml"}));
}

TEST(CheckUniqueAddresses, SymlinksShareThePathNamespace) {
    std::vector<Unit> units{
        parsed("units/a.toml", unit_text(listen_on("a.sock"), "symlinks = [\"link.sock\"]\n")),
        parsed("units/b.toml", unit_text(listen_on("link.sock"))),
        parsed("units/c.toml", unit_text(listen_on("c.sock"), "symlinks = [\"a.sock\"]\n")),
    };
    Diagnostics d;
    std::vector<std::string> failed;
    check_unique_addresses(units, d, failed);
    EXPECT_EQ(rendered(d),
              (std::vector<std::string>{
                  "units/b.toml:1:1: address '/run/sockvisor-test/link.sock' is already declared "
                  "by unit 'a' (units/a.toml:1:1)",
                  "units/c.toml:1:1: symlink '/run/sockvisor-test/a.sock' is already declared by "
                  "unit 'a' (units/a.toml:1:1)"}));
    ASSERT_EQ(units.size(), 1u);
    EXPECT_EQ(units[0].name, "a");
}

TEST(CheckUniqueAddresses, IPv6SpellingsAndPortZero) {
    std::vector<Unit> units{
        parsed("a.toml", unit_text(listen_on("tcp://[::]:80") + listen_on("tcp://127.0.0.1:0"))),
        parsed("b.toml", unit_text(listen_on("tcp://[0::0]:80"))),
        parsed("c.toml", unit_text(listen_on("tcp://127.0.0.1:0"))),
    };
    Diagnostics d;
    std::vector<std::string> failed;
    check_unique_addresses(units, d, failed);
    EXPECT_EQ(rendered(d), (std::vector<std::string>{
                               "b.toml:1:1: address 'tcp://[0::0]:80' is already declared by "
                               "unit 'a' (a.toml:1:1)"}));
    EXPECT_EQ(units.size(), 2u) << "port 0 is a fresh port each time: no clash";
}

TEST(CheckUniqueAddresses, ARejectedUnitDoesNotBlockLaterOnes) {
    std::vector<Unit> units{
        parsed("a.toml", unit_text(listen_on("@x"))),
        parsed("b.toml", unit_text(listen_on("@x") + listen_on("@y"))),
        parsed("c.toml", unit_text(listen_on("@y"))),
    };
    Diagnostics d;
    std::vector<std::string> failed;
    check_unique_addresses(units, d, failed);
    EXPECT_EQ(d.size(), 1u);
    ASSERT_EQ(units.size(), 2u);
    EXPECT_EQ(units[1].name, "c");
}

}  // namespace
}  // namespace sv::unit
