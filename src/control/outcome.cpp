#include "control/outcome.hpp"

#include <optional>

#include <nlohmann/json.hpp>

#include "control/exit_codes.hpp"
#include "control/replies.hpp"
#include "control/status.hpp"
#include "control/status_table.hpp"

namespace sv::control {
namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kPrefix = "sockvisorctl: ";

std::string pretty(const json& doc) {
    return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

// `status --json` can be large (1,000 units ≈ 300 KB): one compact line, which
// jq and scripts read as well and which costs half the time of indenting it.
std::string compact(const json& doc) {
    return doc.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

Outcome failure(int code, const std::string& message) {
    return {code, {}, std::string(kPrefix) + message + "\n"};
}

Outcome malformed(const std::string& why) {
    return failure(exit_code::kFailure, "malformed reply from sockvisord: " + why);
}

std::vector<std::string> string_list(const json& doc, const char* key) {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_array()) return {};
    std::vector<std::string> out;
    for (const auto& v : *it)
        if (v.is_string()) out.push_back(v.get<std::string>());
    return out;
}

Outcome error_outcome(Command cmd, const json& doc) {
    auto code_it = doc.find("code");
    auto error_it = doc.find("error");
    std::string code =
        code_it != doc.end() && code_it->is_string() ? code_it->get<std::string>() : "";
    std::string message = error_it != doc.end() && error_it->is_string()
                              ? error_it->get<std::string>()
                              : "request failed (" + (code.empty() ? "no code" : code) + ")";
    auto known = error_code_from_string(code);
    int exit = exit_code::kFailure;
    if (known == ErrorCode::no_such_unit) exit = exit_code::kNoSuchUnit;
    if (known == ErrorCode::invalid_units && cmd == Command::reload) exit = exit_code::kNotHealthy;
    Outcome o = failure(exit, message);
    for (const auto& problem : string_list(doc, "problems")) o.err += problem + "\n";
    return o;
}

std::string names(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& n : list) out += (out.empty() ? "" : ", ") + n;
    return out;
}

Outcome status_outcome(json doc, bool as_json) {
    if (as_json) {
        // --json only needs each state for the exit code: converting 1,000 units
        // to structs and back doubled the client's time (docs/benchmarks.md, 8).
        int code = exit_code::kOk;
        for (const auto& unit : doc.at("units"))
            if (!is_healthy_state(unit.at("state").get_ref<const std::string&>()))
                code = exit_code::kNotHealthy;
        doc.erase("ok");
        return {code, compact(doc), {}};
    }
    std::vector<UnitStatus> units = doc.at("units").get<std::vector<UnitStatus>>();
    return {status_exit_code(units), render_table(units), {}};
}

Outcome reload_outcome(json doc, bool as_json) {
    ReloadReport report = doc.get<ReloadReport>();
    Outcome o;
    o.exit_code = report.problems.empty() ? exit_code::kOk : exit_code::kNotHealthy;
    doc.erase("ok");
    if (as_json) {
        o.out = pretty(doc);
        return o;
    }
    auto line = [&](const char* label, const std::vector<std::string>& list) {
        if (!list.empty()) o.out += std::string(label) + ": " + names(list) + "\n";
    };
    line("added", report.added);
    line("removed", report.removed);
    line("changed", report.changed);
    line("unchanged", report.unchanged);
    for (const auto& problem : report.problems) o.err += problem + "\n";
    if (!report.problems.empty())
        o.err += std::string(kPrefix) + std::to_string(report.problems.size()) +
                 (report.problems.size() == 1 ? " problem" : " problems") +
                 " in unit files; those units were left as they were\n";
    return o;
}

Outcome success_outcome(Command cmd, json doc, bool as_json) {
    switch (cmd) {
        case Command::status:
            return status_outcome(std::move(doc), as_json);
        case Command::reload:
            return reload_outcome(std::move(doc), as_json);
        case Command::start:
        case Command::stop:
        case Command::restart:
            break;
    }
    // Quiet on success, as systemctl start/stop are; --json shows what was acted on.
    doc.erase("ok");
    return {exit_code::kOk, as_json ? pretty(doc) : "", {}};
}

// Fast path for `status --json` (docs/benchmarks.md, 8): a SAX pass that checks
// the reply is well-formed JSON and collects each unit's state for the exit code,
// without building a document; the output is the daemon's own line minus "ok".
class StateCollector : public nlohmann::json_sax<json> {
  public:
    bool healthy = true;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool string(string_t& value) override {
        // A unit object is at depth 2 (reply → units array → unit object).
        if (next_is_state_ && depth_ == 3 && !is_healthy_state(value)) healthy = false;
        next_is_state_ = false;
        return true;
    }
    bool start_object(std::size_t) override { return ++depth_, true; }
    bool end_object() override { return --depth_, true; }
    bool start_array(std::size_t) override { return ++depth_, true; }
    bool end_array() override { return --depth_, true; }
    bool key(string_t& k) override {
        next_is_state_ = depth_ == 3 && k == "state";
        return true;
    }
    bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
        return false;
    }

  private:
    int depth_ = 0;
    bool next_is_state_ = false;
};

std::optional<Outcome> fast_status_json(std::string_view line) {
    constexpr std::string_view kHead = "{\"ok\":true,\"units\":[";
    if (!line.starts_with(kHead)) return std::nullopt;
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    StateCollector states;
    if (!json::sax_parse(line.begin(), line.end(), &states)) return std::nullopt;
    // append(), not "{" + std::string(...): g++ 12 at -O3 reports a false -Wrestrict
    // on a literal prepended to a temporary string.
    // reserve: the closing "\n" would otherwise copy a 300 KB line once more.
    std::string_view body = line.substr(std::string_view("{\"ok\":true,").size());
    std::string out;
    out.reserve(body.size() + 2);
    out += '{';
    out.append(body);
    out += '\n';
    return Outcome{states.healthy ? exit_code::kOk : exit_code::kNotHealthy, std::move(out), {}};
}

}  // namespace

Outcome outcome_of(Command cmd, std::string_view line, bool as_json) {
    if (cmd == Command::status && as_json)
        if (auto fast = fast_status_json(line)) return std::move(*fast);
    try {
        json doc = json::parse(line.begin(), line.end());
        if (!doc.is_object()) return malformed("not a JSON object");
        auto ok = doc.find("ok");
        if (ok == doc.end() || !ok->is_boolean()) return malformed("no boolean 'ok' field");
        if (!ok->get<bool>()) return error_outcome(cmd, doc);
        return success_outcome(cmd, std::move(doc), as_json);
    } catch (const nlohmann::json::exception& e) {
        std::string_view what = e.what();
        if (auto end = what.find("] "); end != what.npos) what.remove_prefix(end + 2);
        return malformed(std::string(what));
    }
}

Outcome unreachable(const SysError& error) {
    return failure(exit_code::kFailure, error.message());
}

}  // namespace sv::control
