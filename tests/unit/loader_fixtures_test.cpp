// The fixture corpora: every bad unit produces exactly the diagnostics in its
// .expected file, and every good unit loads without one.
#include <gtest/gtest.h>
#include "unit/tomlpp.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "loader_support.hpp"
#include "unit/keys.hpp"
#include "unit/loader.hpp"

namespace sv::unit {
namespace {

using testing::fixtures;
using testing::kCtx;
using testing::rendered;

std::vector<std::string> files_ending(const std::string& dir, const std::string& suffix) {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        std::string name = entry.path().filename().string();
        if (name.ends_with(suffix)) names.push_back(name.substr(0, name.size() - suffix.size()));
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::vector<std::string> read_lines(const std::string& file) {
    std::ifstream in(file);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

std::string slurp(const std::string& file) {
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

TEST(BadUnits, CorpusIsLargeAndPaired) {
    const auto units = files_ending(fixtures("bad"), ".toml");
    const auto expected = files_ending(fixtures("bad"), ".expected");
    EXPECT_GE(units.size(), 45u);
    EXPECT_EQ(units, expected) << "every bad NAME.toml needs a NAME.expected and vice versa";
}

TEST(BadUnits, EachGivesExactlyTheExpectedDiagnostics) {
    const std::string dir = fixtures("bad");
    for (const std::string& name : files_ending(dir, ".toml")) {
        SCOPED_TRACE(name);
        Diagnostics diagnostics;
        auto unit = load_unit_file(dir + "/" + name + ".toml", kCtx, diagnostics);
        EXPECT_FALSE(unit.has_value());
        EXPECT_FALSE(diagnostics.empty());
        EXPECT_EQ(rendered(diagnostics, dir + "/"), read_lines(dir + "/" + name + ".expected"));
    }
}

TEST(BadUnits, ParseUnitAgreesWithLoadUnitFile) {
    // parse_unit is what inline mode and reload use; it must report the same.
    const std::string dir = fixtures("bad");
    for (const std::string& name : files_ending(dir, ".toml")) {
        SCOPED_TRACE(name);
        Diagnostics diagnostics;
        EXPECT_FALSE(
            parse_unit(name + ".toml", slurp(dir + "/" + name + ".toml"), kCtx, diagnostics));
        EXPECT_EQ(rendered(diagnostics), read_lines(dir + "/" + name + ".expected"));
    }
}

TEST(GoodUnits, EachLoadsWithoutDiagnostics) {
    const std::string dir = fixtures("good");
    const auto names = files_ending(dir, ".toml");
    EXPECT_GE(names.size(), 10u);
    for (const std::string& name : names) {
        SCOPED_TRACE(name);
        Diagnostics diagnostics;
        auto unit = load_unit_file(dir + "/" + name + ".toml", kCtx, diagnostics);
        EXPECT_TRUE(unit.has_value());
        EXPECT_EQ(rendered(diagnostics), std::vector<std::string>{});
        if (unit) {
            EXPECT_EQ(unit->name, name);
            EXPECT_FALSE(unit->listen.empty());
            ASSERT_FALSE(unit->service.exec.empty());
            EXPECT_EQ(unit->service.exec[0].front(), '/') << "exec[0] is resolved";
        }
    }
}

TEST(GoodUnits, TogetherUseEveryKnownKey) {
    std::set<std::pair<Section, std::string>> used;
    const std::string dir = fixtures("good");
    for (const std::string& name : files_ending(dir, ".toml")) {
        toml::parse_result parsed = toml::parse_file(dir + "/" + name + ".toml");
        ASSERT_TRUE(parsed) << name;
        const toml::table& root = parsed.table();
        for (const auto& [key, node] : root) used.emplace(Section::top, std::string(key.str()));
        if (const auto* listen = root["listen"].as_array())
            for (const auto& element : *listen)
                for (const auto& [key, node] : *element.as_table())
                    used.emplace(Section::listen, std::string(key.str()));
        if (const auto* service = root["service"].as_table())
            for (const auto& [key, node] : *service)
                used.emplace(Section::service, std::string(key.str()));
    }
    for (const KeyInfo& k : unit_keys())
        EXPECT_TRUE(used.count({k.section, std::string(k.name)}))
            << section_title(k.section) << " " << k.name << " is in no good fixture";
}

TEST(GoodUnits, LoadAsOneDirectory) {
    auto result = load_directories({fixtures("good")}, kCtx);
    EXPECT_EQ(rendered(result.diagnostics), std::vector<std::string>{});
    EXPECT_EQ(result.units.size(), files_ending(fixtures("good"), ".toml").size());
    EXPECT_TRUE(result.failed_files.empty());
}

}  // namespace
}  // namespace sv::unit
