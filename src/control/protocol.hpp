// The control protocol's requests and error codes (SPEC §8): one line of JSON per
// request, parsed into a plain Request or an ErrorReply. Pure: no sockets, no
// clock; never throws (nlohmann's exceptions are caught inside).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace sv::control {

enum class Command : std::uint8_t { status, start, stop, restart, reload };

// "status", "start", ...: the wire name and the word sockvisorctl takes.
std::string_view to_string(Command c);
std::optional<Command> command_from_string(std::string_view name);

// SPEC §8's reply codes. Wire names are the enumerators' names.
enum class ErrorCode : std::uint8_t {
    bad_request,        // not JSON, not an object, a missing/wrong field, a bad unit name
    unknown_command,    // "cmd" is a string but not one of Command
    no_such_unit,       // a named unit is not loaded (nothing was done)
    permission_denied,  // the peer may not run this command (see authorize.hpp)
    invalid_units,      // refused because the named units' files are invalid
    too_large,          // the request line is longer than limits::kMaxRequestBytes
};

std::string_view to_string(ErrorCode c);
std::optional<ErrorCode> error_code_from_string(std::string_view name);

struct Request {
    Command cmd = Command::status;
    // Valid unit names, duplicates removed, order kept. status: empty means every
    // unit. start/stop/restart: at least one. reload: always empty.
    std::vector<std::string> units;

    bool operator==(const Request&) const = default;
};

struct ErrorReply {
    ErrorCode code = ErrorCode::bad_request;
    std::string message;  // "no such unit: web"

    bool operator==(const ErrorReply&) const = default;
};

using ParsedRequest = std::variant<Request, ErrorReply>;

// One request line (a trailing "\n" or "\r\n" is allowed). Strict: unknown fields
// are a bad_request, so a typo ("unit" for "units") is an error, not a silent
// "status of every unit". Longer than kMaxRequestBytes: too_large.
ParsedRequest parse_request(std::string_view line);

// The line sockvisorctl sends, newline included: {"cmd":"stop","units":["web"]}\n
std::string encode_request(const Request& request);

}  // namespace sv::control
