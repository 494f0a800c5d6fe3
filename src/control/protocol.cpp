#include "control/protocol.hpp"

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <utility>

#include "control/limits.hpp"
#include "unit/names.hpp"

namespace sv::control {
namespace {

constexpr std::array<std::pair<Command, std::string_view>, 5> kCommands{{
    {Command::status, "status"},
    {Command::start, "start"},
    {Command::stop, "stop"},
    {Command::restart, "restart"},
    {Command::reload, "reload"},
}};

constexpr std::array<std::pair<ErrorCode, std::string_view>, 6> kErrorCodes{{
    {ErrorCode::bad_request, "bad_request"},
    {ErrorCode::unknown_command, "unknown_command"},
    {ErrorCode::no_such_unit, "no_such_unit"},
    {ErrorCode::permission_denied, "permission_denied"},
    {ErrorCode::invalid_units, "invalid_units"},
    {ErrorCode::too_large, "too_large"},
}};

ErrorReply bad(std::string message) {
    return {ErrorCode::bad_request, std::move(message)};
}

std::string in_quotes(std::string_view user_text) {
    // append(), not "'" + escaped(...) + "'": g++ 12 at -O3 reports a false
    // -Wrestrict on a literal prepended to a temporary string.
    std::string quoted = "'";
    quoted.append(unit::escaped(user_text));
    quoted += '\'';
    return quoted;
}

// nlohmann's what() is "[json.exception.parse_error.101] parse error at line 1, ...";
// the bracketed id means nothing to a user.
std::string without_exception_id(std::string_view what) {
    if (auto end = what.find("] "); !what.empty() && what.front() == '[' && end != what.npos)
        what.remove_prefix(end + 2);
    return std::string(what);
}

// Checks "units" against the command's arity; fills `out` (deduplicated).
std::optional<ErrorReply> read_units(const nlohmann::json& doc, Command cmd,
                                     std::vector<std::string>& out) {
    if (auto it = doc.find("units"); it != doc.end()) {
        if (!it->is_array())
            return bad(std::string("field 'units' must be an array of unit names, not ") +
                       it->type_name());
        for (std::size_t i = 0; i < it->size(); ++i) {
            const auto& element = (*it)[i];
            if (!element.is_string())
                return bad("field 'units' must hold unit names (strings); element " +
                           std::to_string(i) + " is " + element.type_name());
            const auto& name = element.get_ref<const std::string&>();
            if (!unit::is_valid_unit_name(name))
                return bad("invalid unit name: " + in_quotes(name) +
                           " (1-64 characters of A-Z a-z 0-9 _ . -)");
            if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
        }
    }
    switch (cmd) {
        case Command::status:
            break;
        case Command::start:
        case Command::stop:
        case Command::restart:
            if (out.empty()) return bad(in_quotes(to_string(cmd)) + " needs at least one unit");
            break;
        case Command::reload:
            if (!out.empty()) return bad("'reload' takes no units");
            break;
    }
    return std::nullopt;
}

}  // namespace

std::string_view to_string(Command c) {
    for (const auto& [cmd, name] : kCommands)
        if (cmd == c) return name;
    return "?";
}

std::optional<Command> command_from_string(std::string_view name) {
    for (const auto& [cmd, text] : kCommands)
        if (text == name) return cmd;
    return std::nullopt;
}

std::string_view to_string(ErrorCode c) {
    for (const auto& [code, name] : kErrorCodes)
        if (code == c) return name;
    return "?";
}

std::optional<ErrorCode> error_code_from_string(std::string_view name) {
    for (const auto& [code, text] : kErrorCodes)
        if (text == name) return code;
    return std::nullopt;
}

ParsedRequest parse_request(std::string_view line) {
    if (line.size() > limits::kMaxRequestBytes)
        return ErrorReply{
            ErrorCode::too_large,
            "request is longer than " + std::to_string(limits::kMaxRequestBytes) + " bytes"};
    if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == line.npos) return bad("empty request");
    // nlohmann's lexer stops at a NUL as if the input ended there, so whatever
    // follows would be ignored: refuse the line instead.
    if (line.find('\0') != line.npos) return bad("a request must not contain a NUL byte");

    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(line.begin(), line.end());
    } catch (const nlohmann::json::exception& e) {
        return bad("invalid JSON: " + without_exception_id(e.what()));
    }
    if (!doc.is_object())
        return bad(std::string("a request must be a JSON object, not ") + doc.type_name());

    auto cmd_field = doc.find("cmd");
    if (cmd_field == doc.end()) return bad("missing field 'cmd'");
    if (!cmd_field->is_string())
        return bad(std::string("field 'cmd' must be a string, not ") + cmd_field->type_name());
    const auto& cmd_name = cmd_field->get_ref<const std::string&>();
    auto cmd = command_from_string(cmd_name);
    if (!cmd)
        return ErrorReply{ErrorCode::unknown_command,
                          "unknown command: " + in_quotes(cmd_name) +
                              " (expected status, start, stop, restart or reload)"};

    for (const auto& [key, value] : doc.items())
        if (key != "cmd" && key != "units")
            return bad("unknown field " + in_quotes(key) + " (a request has 'cmd' and 'units')");

    Request request{*cmd, {}};
    if (auto error = read_units(doc, *cmd, request.units)) return *error;
    return request;
}

std::string encode_request(const Request& request) {
    nlohmann::ordered_json doc;
    doc["cmd"] = std::string(to_string(request.cmd));
    if (request.cmd != Command::reload) doc["units"] = request.units;
    return doc.dump() + "\n";
}

}  // namespace sv::control
