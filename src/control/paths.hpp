// Default locations shared by sockvisord and sockvisorctl: the runtime directory
// and the control socket in it (SPEC §1.1). Computes paths only; never creates,
// checks or opens anything (the daemon's runtime_dir.cpp does that).
#pragma once

#include <sys/types.h>

#include <string>

namespace sv::control {

// /run/sockvisor for euid 0; else $XDG_RUNTIME_DIR/sockvisor when that variable is
// an absolute path; else /tmp/sockvisor-$EUID. Pure form for tests.
std::string default_runtime_dir(uid_t euid, const char* xdg_runtime_dir);
// The same for this process (geteuid(), getenv("XDG_RUNTIME_DIR")).
std::string default_runtime_dir();

// RUNTIME_DIR/control.sock
std::string control_socket_in(const std::string& runtime_dir);
std::string default_control_path();

}  // namespace sv::control
