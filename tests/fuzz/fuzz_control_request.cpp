// libFuzzer target: sv::control::parse_request on arbitrary bytes as one request
// line. The control socket is 0660 + SO_PEERCRED, but any member of the socket's
// group can send any bytes, and the parser runs before authorization. Beyond
// ASan/UBSan it checks protocol.hpp's contract:
//   - a Request has valid, distinct unit names and the command's arity, and
//     survives encode_request → parse_request unchanged;
//   - an ErrorReply has a message and error_reply() turns it into one JSON line
//     (no exception, exactly one '\n', at the end) whatever bytes it echoes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include "control/protocol.hpp"
#include "control/replies.hpp"
#include "unit/names.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_control_request: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

void check_one_line(std::string_view line) {
    if (line.empty() || line.back() != '\n' || std::count(line.begin(), line.end(), '\n') != 1)
        fail("reply is not one line", line);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace sv::control;
    const std::string_view line(reinterpret_cast<const char*>(data), size);
    const ParsedRequest parsed = parse_request(line);

    if (const auto* error = std::get_if<ErrorReply>(&parsed)) {
        if (error->message.empty()) fail("error without a message", line);
        check_one_line(error_reply(*error));
        return 0;
    }
    const auto& request = std::get<Request>(parsed);
    for (std::size_t i = 0; i < request.units.size(); ++i) {
        if (!sv::unit::is_valid_unit_name(request.units[i]))
            fail("invalid unit name accepted", request.units[i]);
        for (std::size_t j = 0; j < i; ++j)
            if (request.units[i] == request.units[j]) fail("duplicate unit", request.units[i]);
    }
    switch (request.cmd) {
        case Command::status:
            break;
        case Command::start:
        case Command::stop:
        case Command::restart:
            if (request.units.empty()) fail("start/stop/restart without units", line);
            break;
        case Command::reload:
            if (!request.units.empty()) fail("reload with units", line);
            break;
    }
    const std::string encoded = encode_request(request);
    check_one_line(encoded);
    const ParsedRequest again = parse_request(encoded);
    const auto* same = std::get_if<Request>(&again);
    if (!same || !(*same == request)) fail("encode/parse round trip", encoded);
    check_one_line(units_reply(request.units));
    return 0;
}
