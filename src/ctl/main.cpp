// sockvisorctl: the control client. Parses the command line, sends one request to
// sockvisord's control socket, prints the reply and exits with SPEC §1.2's code.
// Holds no protocol or formatting logic itself (src/control/ has it, tested).
#include <cstdio>
#include <string>

#include "control/client.hpp"
#include "control/exit_codes.hpp"
#include "control/outcome.hpp"
#include "ctl/commands.hpp"

namespace {

void write_all(std::FILE* stream, const std::string& text) {
    if (!text.empty()) std::fwrite(text.data(), 1, text.size(), stream);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace sv;

    // 1. The command line: help exits 0, a usage error 2 (CLI11 prints why).
    auto parsed = ctl::parse_command_line(argc, argv);
    if (!parsed.invocation) return parsed.exit_code;
    const ctl::Invocation& inv = *parsed.invocation;

    // 2. One request line out, one reply line back, within limits::kReplyTimeout.
    auto reply = control::request_reply(inv.control_path, control::encode_request(inv.request));

    // 3. The reply (or why there was none) becomes output and an exit code.
    control::Outcome outcome = reply ? control::outcome_of(inv.request.cmd, *reply, inv.json)
                                     : control::unreachable(reply.error());
    write_all(stdout, outcome.out);
    write_all(stderr, outcome.err);
    if (std::fflush(stdout) != 0) return control::exit_code::kFailure;  // e.g. a closed pipe
    return outcome.exit_code;
}
