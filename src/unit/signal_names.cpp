#include "unit/signal_names.hpp"

#include <csignal>
#include <utility>

namespace sv::unit {
namespace {

// Every signal a process can be asked to stop with. SIGSTOP and SIGTSTP-style
// job-control signals are left out: they do not end a process, so the stop
// would always run into stop_timeout.
constexpr std::pair<std::string_view, int> kSignals[] = {
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},     {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM}, {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},     {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
};

}  // namespace

std::optional<int> parse_signal_name(std::string_view text) {
    for (const auto& [name, number] : kSignals)
        if (text == name || text == name.substr(3)) return number;
    return std::nullopt;
}

std::string_view signal_name(int signal) {
    for (const auto& [name, number] : kSignals)
        if (number == signal) return name;
    return {};
}

}  // namespace sv::unit
