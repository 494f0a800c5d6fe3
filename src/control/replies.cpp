#include "control/replies.hpp"

#include "control/status_writer.hpp"

namespace sv::control {
namespace {

using json = nlohmann::ordered_json;

// Status texts and file names may hold invalid UTF-8 (a STATUS= from a service,
// a unit file name): replace such bytes with U+FFFD rather than throw. dump()
// escapes control characters, so the line never holds a raw newline.
std::string line_of(const json& doc) {
    return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

json ok_object() {
    return json{{"ok", true}};
}

json error_object(ErrorCode code, const std::string& message) {
    return json{{"ok", false}, {"code", std::string(to_string(code))}, {"error", message}};
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

}  // namespace

void to_json(json& j, const ReloadReport& r) {
    j = json{{"added", r.added},
             {"removed", r.removed},
             {"changed", r.changed},
             {"unchanged", r.unchanged},
             {"problems", r.problems}};
}

void from_json(const json& j, ReloadReport& r) {
    auto list = [&](const char* key) {
        auto it = j.find(key);
        return it == j.end() || it->is_null() ? std::vector<std::string>{}
                                              : it->get<std::vector<std::string>>();
    };
    r.added = list("added");
    r.removed = list("removed");
    r.changed = list("changed");
    r.unchanged = list("unchanged");
    r.problems = list("problems");
}

// Written directly, not through a document: the one reply that grows with the
// number of units (status_writer.hpp has the figures).
std::string status_reply(const std::vector<UnitStatus>& units) {
    std::string line = "{\"ok\":true,\"units\":";
    append_status_array(line, units);
    line.append("}\n");
    return line;
}

std::string units_reply(const std::vector<std::string>& units) {
    json doc = ok_object();
    doc["units"] = units;
    return line_of(doc);
}

std::string reload_reply(const ReloadReport& report) {
    json doc = ok_object();
    doc.update(json(report));
    return line_of(doc);
}

std::string error_reply(const ErrorReply& error) {
    return line_of(error_object(error.code, error.message));
}

std::string no_such_unit_message(const std::vector<std::string>& missing) {
    return "no such unit: " + joined(missing);
}

std::string no_such_unit_reply(const std::vector<std::string>& missing) {
    json doc = error_object(ErrorCode::no_such_unit, no_such_unit_message(missing));
    doc["units"] = missing;
    return line_of(doc);
}

std::string invalid_units_reply(const std::vector<std::string>& units,
                                const std::vector<std::string>& problems) {
    json doc = error_object(ErrorCode::invalid_units, "invalid unit file: " + joined(units));
    doc["units"] = units;
    doc["problems"] = problems;
    return line_of(doc);
}

}  // namespace sv::control
