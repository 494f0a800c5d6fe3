// Every key the loader knows is documented in docs/units.md, and the table
// itself is consistent.
#include "unit/keys.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace sv::unit {
namespace {

std::string units_md() {
    std::ifstream in(std::string(SOCKVISOR_SOURCE_DIR) + "/docs/units.md");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// The part of the document under the heading `heading`, up to the next "## ".
std::string section_of(const std::string& doc, const std::string& heading) {
    const std::string marker = "\n## " + heading + "\n";
    auto start = doc.find(marker);
    if (start == std::string::npos) return {};
    start += marker.size();
    auto end = doc.find("\n## ", start);
    return doc.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(KeyTable, EveryKeyIsDocumentedInItsSection) {
    const std::string doc = units_md();
    ASSERT_FALSE(doc.empty()) << "docs/units.md is missing";
    for (const KeyInfo& k : unit_keys()) {
        const std::string heading = k.section == Section::top      ? "Top-level keys"
                                    : k.section == Section::listen ? "`[[listen]]`"
                                                                   : "`[service]`";
        const std::string part = section_of(doc, heading);
        ASSERT_FALSE(part.empty()) << "docs/units.md has no section '## " << heading << "'";
        // A row of the section's key table: "| `mode` | ...".
        EXPECT_NE(part.find("| `" + std::string(k.name) + "` |"), std::string::npos)
            << section_title(k.section) << " key '" << k.name
            << "' has no row in its section of docs/units.md";
    }
}

TEST(KeyTable, NoDuplicatesAndLookups) {
    std::set<std::pair<Section, std::string_view>> seen;
    for (const KeyInfo& k : unit_keys()) {
        EXPECT_TRUE(seen.emplace(k.section, k.name).second) << k.name;
        EXPECT_TRUE(is_known_key(k.section, k.name));
        EXPECT_FALSE(k.type.empty());
        EXPECT_FALSE(k.default_value.empty());
    }
    EXPECT_FALSE(is_known_key(Section::listen, "exec"));
    EXPECT_FALSE(is_known_key(Section::service, "address"));
    EXPECT_EQ(section_title(Section::listen), "[[listen]]");
}

}  // namespace
}  // namespace sv::unit
