// Unit files → Units: the guards that run before toml++ sees the text (size,
// nesting), the top-level table, and directory loading. The tables themselves are
// read by listen_table.cpp and service_table.cpp; bytes by unit_files.cpp.
#include "unit/loader.hpp"

#include <algorithm>
#include <cctype>
#include <exception>
#include <map>

#include "unit/tomlpp.hpp"

#include "base/limits.hpp"
#include "unit/listen_table.hpp"
#include "unit/names.hpp"
#include "unit/toml_prescan.hpp"
#include "unit/service_table.hpp"
#include "unit/toml_reader.hpp"
#include "unit/unit_files.hpp"

namespace sv::unit {
namespace {

constexpr SourcePos kWholeFile{0, 0};

// toml++ says "Error while parsing ..."; our messages start in lower case.
std::string toml_error_message(std::string_view description) {
    std::string text(description);
    if (!text.empty())
        text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
    return "invalid TOML: " + text;
}

// The document, or nullopt after a diagnostic. toml++ in Debian is built with
// exceptions (parse throws toml::parse_error); without them it returns a
// parse_result. Either way nothing escapes.
std::optional<toml::table> parse_toml(Reader& r, const std::string& text) {
#if TOML_EXCEPTIONS
    try {
        return toml::parse(std::string_view(text), std::string_view(r.file()));
    } catch (const toml::parse_error& e) {
        r.error(position(e.source()), toml_error_message(e.description()));
        return std::nullopt;
    }
#else
    toml::parse_result result = toml::parse(std::string_view(text), std::string_view(r.file()));
    if (!result) {
        r.error(position(result.error().source()),
                toml_error_message(result.error().description()));
        return std::nullopt;
    }
    return std::move(result).table();
#endif
}

void read_listeners(Reader& r, const toml::table& root, const std::string& unit_name,
                    const LoadContext& ctx, Unit& unit) {
    auto e = find_entry(root, "listen");
    if (!e) {
        r.error(kWholeFile, "a unit needs at least one [[listen]] table");
        return;
    }
    const auto* array = e->node->as_array();
    if (!array) {
        r.error(e->key_pos(), e->node->is_table()
                                  ? "key 'listen' must be an array of tables: write [[listen]], "
                                    "not [listen]"
                                  : "key 'listen' must be an array of tables ([[listen]]), not " +
                                        type_phrase(*e->node));
        return;
    }
    if (array->empty()) {
        r.error(e->value_pos(), "key 'listen' must hold at least one table");
        return;
    }
    if (array->size() > limits::kMaxListenersPerUnit) {
        r.error(position(*array->get(limits::kMaxListenersPerUnit)),
                "a unit may declare at most " + std::to_string(limits::kMaxListenersPerUnit) +
                    " [[listen]] tables, not " + std::to_string(array->size()));
        return;
    }
    for (std::size_t i = 0; i < array->size(); ++i) {
        const toml::node& element = *array->get(i);
        const auto* table = element.as_table();
        if (!table) {
            r.error(position(element), "listen[" + std::to_string(i) + "] must be a table, not " +
                                           type_phrase(element));
            continue;
        }
        if (auto spec = read_listen(r, *table, unit_name, ctx)) unit.listen.push_back(*spec);
    }
}

const toml::table* service_table(Reader& r, const toml::table& root) {
    auto e = find_entry(root, "service");
    if (!e) {
        r.error(kWholeFile, "a unit needs a [service] table with key 'exec'");
        return nullptr;
    }
    const auto* table = e->node->as_table();
    if (!table) {
        r.error(e->key_pos(),
                e->node->is_array()
                    ? "key 'service' must be a table: write [service], not "
                      "[[service]]"
                    : "key 'service' must be a table ([service]), not " + type_phrase(*e->node));
    }
    return table;
}

// accept = true hands each connection to an instance: every listener must
// accept connections, so dgram sockets cannot take part. Read from the tables,
// not the specs, so that a listener with other mistakes is still checked.
void check_accept(Reader& r, const toml::table& root, const toml::table& service) {
    auto e = find_entry(service, "accept");
    const auto* listen = root["listen"].as_array();
    if (!e || e->node->value<bool>() != true || !listen) return;
    for (const toml::node& element : *listen) {
        const auto* table = element.as_table();
        if (!table) continue;
        const std::string address = (*table)["address"].value_or(std::string());
        const bool dgram =
            (*table)["type"].value_or(std::string()) == "dgram" || address.starts_with("udp://");
        if (dgram)
            r.error(e->value_pos(), "accept = true needs stream or seqpacket sockets, but '" +
                                        escaped(address) + "' is a dgram socket");
    }
}

std::optional<Unit> parse_checked(Reader& r, const std::string& file, const std::string& text,
                                  const LoadContext& ctx) {
    const std::size_t errors_before = r.error_count();
    Unit unit;
    unit.file = file;
    unit.name = unit_name_from_file(file);
    if (!is_valid_unit_name(unit.name))
        r.error(kWholeFile, "unit name '" + escaped(unit.name) +
                                "' (the file name without .toml) must be 1-64 characters of "
                                "A-Z, a-z, 0-9, '_', '.' and '-'");
    if (text.size() > limits::kMaxUnitFileBytes) {
        r.error(kWholeFile, "file is " + std::to_string(text.size()) +
                                " bytes; a unit file may be at most " +
                                std::to_string(limits::kMaxUnitFileBytes) + " bytes");
        return std::nullopt;
    }
    // Before toml++ sees the text: what it cannot parse safely (toml_prescan.hpp).
    if (auto trap = prescan_toml(text, limits::kMaxTomlDepth)) {
        r.error(trap->pos, trap->message);
        return std::nullopt;
    }
    auto root = parse_toml(r, text);
    if (!root) return std::nullopt;

    r.reject_unknown_keys(*root, Section::top);
    if (auto e = find_entry(*root, "description")) {
        if (auto d = r.string(*e)) unit.description = *d;
    }
    read_listeners(r, *root, unit.name, ctx, unit);
    if (const toml::table* service = service_table(r, *root)) {
        if (auto spec = read_service(r, *service, ctx)) unit.service = std::move(*spec);
        check_accept(r, *root, *service);
    }
    if (r.error_count() != errors_before) return std::nullopt;
    return unit;
}

bool by_position(const Diagnostic& a, const Diagnostic& b) {
    if (a.pos.line != b.pos.line) return a.pos.line < b.pos.line;
    return a.pos.column < b.pos.column;
}

}  // namespace

std::optional<Unit> parse_unit(const std::string& file, const std::string& text,
                               const LoadContext& ctx, Diagnostics& out) {
    Diagnostics found;
    Reader r(file, found);
    std::optional<Unit> unit;
    try {
        unit = parse_checked(r, file, text, ctx);
    } catch (const std::exception& e) {  // bad_alloc and the like: no exception leaves the loader
        r.error(kWholeFile, std::string("cannot load unit: ") + e.what());
        unit.reset();
    }
    // Tables iterate their keys sorted by name; report in the order of the file.
    std::stable_sort(found.begin(), found.end(), by_position);
    out.insert(out.end(), found.begin(), found.end());
    return unit;
}

std::optional<Unit> load_unit_file(const std::string& file, const LoadContext& ctx,
                                   Diagnostics& out) {
    auto text = read_unit_text(file, out);
    if (!text) return std::nullopt;
    return parse_unit(file, *text, ctx, out);
}

LoadResult load_directories(const std::vector<std::string>& dirs, const LoadContext& ctx) {
    LoadResult result;
    std::map<std::string, std::string> file_of_name;  // unit name → first file declaring it
    for (const std::string& dir : dirs) {
        auto names = list_unit_files(dir, result.diagnostics);
        if (!names) continue;
        for (const std::string& name : *names) {
            const std::string file = join(dir, name);
            const std::string unit_name = unit_name_from_file(name);
            auto [it, inserted] = file_of_name.emplace(unit_name, file);
            if (!inserted) {
                result.diagnostics.push_back(
                    {file, kWholeFile,
                     "unit '" + escaped(unit_name) + "' is already declared by " + it->second});
                result.failed_files.push_back(file);
                continue;
            }
            if (auto unit = load_unit_file(file, ctx, result.diagnostics))
                result.units.push_back(std::move(*unit));
            else
                result.failed_files.push_back(file);
        }
    }
    check_unique_addresses(result.units, result.diagnostics, result.failed_files);
    return result;
}

}  // namespace sv::unit
