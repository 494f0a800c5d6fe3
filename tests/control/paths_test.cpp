// Default runtime directory and control socket: the same rule as sockvisord's.
#include "control/paths.hpp"

#include <gtest/gtest.h>

namespace sv::control {
namespace {

TEST(DefaultRuntimeDir, RootUsesRun) {
    EXPECT_EQ(default_runtime_dir(0, "/run/user/0"), "/run/sockvisor");
    EXPECT_EQ(default_runtime_dir(0, nullptr), "/run/sockvisor");
}

TEST(DefaultRuntimeDir, UserUsesXdgRuntimeDirWhenAbsolute) {
    EXPECT_EQ(default_runtime_dir(1000, "/run/user/1000"), "/run/user/1000/sockvisor");
    EXPECT_EQ(default_runtime_dir(1000, nullptr), "/tmp/sockvisor-1000");
    EXPECT_EQ(default_runtime_dir(1000, ""), "/tmp/sockvisor-1000");
    EXPECT_EQ(default_runtime_dir(1000, "run/user"), "/tmp/sockvisor-1000");
}

TEST(ControlSocket, LivesInTheRuntimeDir) {
    EXPECT_EQ(control_socket_in("/run/sockvisor"), "/run/sockvisor/control.sock");
    EXPECT_EQ(default_control_path(), default_runtime_dir() + "/control.sock");
}

}  // namespace
}  // namespace sv::control
