#include "control/paths.hpp"

#include <unistd.h>

#include <cstdlib>

namespace sv::control {

std::string default_runtime_dir(uid_t euid, const char* xdg) {
    if (euid == 0) return "/run/sockvisor";
    // A relative XDG_RUNTIME_DIR is invalid per the XDG Base Directory spec
    // ("must be absolute"); ignore it rather than resolve it against the cwd.
    if (xdg && xdg[0] == '/') return std::string(xdg) + "/sockvisor";
    return "/tmp/sockvisor-" + std::to_string(euid);
}

std::string default_runtime_dir() {
    return default_runtime_dir(geteuid(), std::getenv("XDG_RUNTIME_DIR"));
}

std::string control_socket_in(const std::string& runtime_dir) {
    return runtime_dir + "/control.sock";
}

std::string default_control_path() {
    return control_socket_in(default_runtime_dir());
}

}  // namespace sv::control
