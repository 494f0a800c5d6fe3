// ChildPlan: the environment, its order and precedence, LISTEN_FDNAMES, accept
// mode, the LISTEN_PID slot and the fd plan, all without forking.
#include "activation/child_plan.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sv::activation {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

unit::ListenSpec listener(std::string path, std::string name) {
    unit::ListenSpec l;
    l.address_text = path;
    l.address.path = std::move(path);
    l.name = std::move(name);
    return l;
}

unit::Unit web() {
    unit::Unit u;
    u.name = "web";
    u.listen.push_back(listener("/run/web.sock", "web"));
    u.listen.push_back(listener("/run/admin.sock", "admin"));
    u.service.exec = {"/usr/bin/gunicorn", "app:app"};
    return u;
}

ChildInputs inputs() {
    ChildInputs in;
    in.host = HostEnv{"/bin:/usr/bin", "/root", "root", "C.UTF-8"};
    in.listen_fds = {7, 9};
    in.notify_socket = "/run/sockvisor/notify.sock";
    in.log_stdout = 20;
    in.log_stderr = 21;
    return in;
}

std::string listen_pid_placeholder() {
    return std::string(kListenPidPrefix) + std::string(kListenPidDigits, kListenPidPlaceholder);
}

TEST(ChildPlan, PathAndArgv) {
    auto plan = build_child_plan(web(), inputs());
    EXPECT_EQ(plan.path, "/usr/bin/gunicorn");
    EXPECT_THAT(plan.argv, ElementsAre("/usr/bin/gunicorn", "app:app"));
}

TEST(ChildPlan, EnvironmentInDocumentedOrder) {
    auto plan = build_child_plan(web(), inputs());
    EXPECT_THAT(plan.envp,
                ElementsAre("PATH=/bin:/usr/bin", "HOME=/root", "USER=root", "LANG=C.UTF-8",
                            "LISTEN_FDS=2", listen_pid_placeholder(), "LISTEN_FDNAMES=web:admin",
                            "NOTIFY_SOCKET=/run/sockvisor/notify.sock", "SOCKVISOR_UNIT=web"));
}

TEST(ChildPlan, MinimalEnvironmentWhenHostHasNothing) {
    ChildInputs in = inputs();
    in.host = HostEnv{};
    in.notify_socket.reset();
    auto plan = build_child_plan(web(), in);
    EXPECT_THAT(plan.envp, ElementsAre("PATH=" + std::string(kDefaultPath), "LISTEN_FDS=2",
                                       listen_pid_placeholder(), "LISTEN_FDNAMES=web:admin",
                                       "SOCKVISOR_UNIT=web"));
}

TEST(ChildPlan, ServiceUserGivesHomeAndUser) {
    ChildInputs in = inputs();
    in.user = UserInfo{33, 33, "www-data", "/var/www"};
    auto plan = build_child_plan(web(), in);
    EXPECT_EQ(plan.envp[1], "HOME=/var/www");
    EXPECT_EQ(plan.envp[2], "USER=www-data");
    EXPECT_EQ(plan.envp[0], "PATH=/bin:/usr/bin") << "PATH stays sockvisord's";
}

TEST(ChildPlan, ListenPidSlotIsFixedWidthPlaceholder) {
    auto plan = build_child_plan(web(), inputs());
    ASSERT_NE(plan.listen_pid_slot, ChildPlan::npos);
    const std::string& slot = plan.envp.at(plan.listen_pid_slot);
    EXPECT_EQ(slot, listen_pid_placeholder());
    EXPECT_EQ(slot.size(), kListenPidPrefix.size() + kListenPidDigits);
    // Room for any pid the kernel can hand out (PID_MAX_LIMIT = 4194304).
    EXPECT_GE(kListenPidDigits, std::to_string(4194304).size());
}

TEST(ChildPlan, FdPlanIsListenersInFileOrderThenFdStore) {
    ChildInputs in = inputs();
    in.fd_store = {{12, "state"}, {11, ""}};
    auto plan = build_child_plan(web(), in);
    EXPECT_THAT(plan.fds, ElementsAre(7, 9, 12, 11));
    EXPECT_THAT(plan.envp, ::testing::Contains("LISTEN_FDS=4"));
    EXPECT_THAT(plan.envp, ::testing::Contains("LISTEN_FDNAMES=web:admin:state:stored"));
}

TEST(ChildPlan, ListenerWithoutNameUsesUnitName) {
    unit::Unit u = web();
    u.listen[1].name.clear();
    auto plan = build_child_plan(u, inputs());
    EXPECT_THAT(plan.envp, ::testing::Contains("LISTEN_FDNAMES=web:web"));
}

TEST(ChildPlan, StdioFollowsModes) {
    unit::Unit u = web();
    auto plan = build_child_plan(u, inputs());
    EXPECT_EQ(plan.stdio[0], (Stdio{StdioKind::null, -1})) << "stdin is /dev/null";
    EXPECT_EQ(plan.stdio[1], (Stdio{StdioKind::fd, 20}));
    EXPECT_EQ(plan.stdio[2], (Stdio{StdioKind::fd, 21}));

    u.service.stdout_mode = unit::Output::inherit;
    u.service.stderr_mode = unit::Output::null;
    plan = build_child_plan(u, inputs());
    EXPECT_EQ(plan.stdio[1].kind, StdioKind::inherit);
    EXPECT_EQ(plan.stdio[2].kind, StdioKind::null);

    ChildInputs no_log = inputs();
    no_log.log_stdout.reset();
    no_log.log_stderr.reset();
    plan = build_child_plan(web(), no_log);
    EXPECT_EQ(plan.stdio[1].kind, StdioKind::inherit) << "log without a pipe falls back";
    EXPECT_EQ(plan.stdio[2].kind, StdioKind::inherit);
}

TEST(ChildPlan, UnitEnvironmentReplacesBaseInPlaceAndAppendsTheRest) {
    unit::Unit u = web();
    u.service.environment = {
        {"PATH", "/opt/app/bin"}, {"LANG", "de_DE.UTF-8"}, {"B", "2"}, {"A", "1"}};
    auto plan = build_child_plan(u, inputs());
    EXPECT_THAT(plan.envp,
                ElementsAre("PATH=/opt/app/bin", "HOME=/root", "USER=root", "LANG=de_DE.UTF-8",
                            "LISTEN_FDS=2", listen_pid_placeholder(), "LISTEN_FDNAMES=web:admin",
                            "NOTIFY_SOCKET=/run/sockvisor/notify.sock", "SOCKVISOR_UNIT=web", "A=1",
                            "B=2"));
}

TEST(ChildPlan, UnitCannotOverrideReservedVariables) {
    unit::Unit u = web();
    for (const char* name :
         {"LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET", "SOCKVISOR_UNIT",
          "PEER_UID", "PEER_GID", "PEER_PID", "REMOTE_ADDR", "REMOTE_PORT"}) {
        EXPECT_TRUE(is_reserved_env(name)) << name;
        u.service.environment[name] = "evil";
    }
    ChildInputs in = inputs();
    in.notify_socket.reset();  // reserved even when the supervisor sets none
    auto plan = build_child_plan(u, in);
    for (const auto& e : plan.envp) EXPECT_EQ(e.find("evil"), std::string::npos) << e;
    EXPECT_FALSE(is_reserved_env("PATH"));
    EXPECT_FALSE(is_reserved_env("LISTEN"));
}

TEST(ChildPlan, AcceptModeUnixPeer) {
    unit::Unit u = web();
    u.service.accept = true;
    ChildInputs in = inputs();
    in.listen_fds.clear();
    in.fd_store = {{12, "state"}};  // ignored: instances share no store
    in.connection = Connection{15, UnixPeer{4242, 1000, 100}, std::nullopt};
    auto plan = build_child_plan(u, in);
    EXPECT_THAT(plan.fds, ElementsAre(15));
    EXPECT_EQ(plan.stdio[0], (Stdio{StdioKind::fd, 15}));
    EXPECT_EQ(plan.stdio[1], (Stdio{StdioKind::fd, 15}));
    EXPECT_EQ(plan.stdio[2], (Stdio{StdioKind::fd, 21})) << "stderr per stderr_mode";
    EXPECT_THAT(plan.envp,
                ElementsAre("PATH=/bin:/usr/bin", "HOME=/root", "USER=root", "LANG=C.UTF-8",
                            "LISTEN_FDS=1", listen_pid_placeholder(), "LISTEN_FDNAMES=connection",
                            "NOTIFY_SOCKET=/run/sockvisor/notify.sock", "SOCKVISOR_UNIT=web",
                            "PEER_UID=1000", "PEER_GID=100", "PEER_PID=4242"));
}

TEST(ChildPlan, AcceptModeTcpPeer) {
    unit::Unit u = web();
    u.service.accept = true;
    u.service.stdout_mode = unit::Output::null;  // the connection wins over stdout_mode
    ChildInputs in = inputs();
    in.connection = Connection{5, std::nullopt, InetPeer{"::1", 51234}};
    auto plan = build_child_plan(u, in);
    EXPECT_EQ(plan.stdio[1], (Stdio{StdioKind::fd, 5}));
    EXPECT_THAT(plan.envp, ::testing::Contains("REMOTE_ADDR=::1"));
    EXPECT_THAT(plan.envp, ::testing::Contains("REMOTE_PORT=51234"));
    for (const auto& e : plan.envp) EXPECT_NE(e.rfind("PEER_", 0), 0u) << e;
}

TEST(ChildPlan, IdentityDirectoryUmaskAndDeathSignal) {
    unit::Unit u = web();
    auto plan = build_child_plan(u, inputs());
    EXPECT_FALSE(plan.uid);
    EXPECT_FALSE(plan.gid);
    EXPECT_FALSE(plan.groups) << "no user: no setgroups either";
    EXPECT_EQ(plan.working_directory, "/");
    EXPECT_EQ(plan.umask, 0022u);
    EXPECT_EQ(plan.parent_death_signal, SIGTERM);

    u.service.uid = 65534;
    u.service.gid = 65534;
    u.service.groups = {65534, 100};
    u.service.working_directory = "/srv/web";
    u.service.umask = 0077;
    plan = build_child_plan(u, inputs());
    EXPECT_EQ(plan.uid, 65534u);
    EXPECT_EQ(plan.gid, 65534u);
    ASSERT_TRUE(plan.groups);
    EXPECT_THAT(*plan.groups, ElementsAre(65534u, 100u));
    EXPECT_EQ(plan.working_directory, "/srv/web");
    EXPECT_EQ(plan.umask, 0077u);

    u.service.uid.reset();
    u.service.groups.clear();
    plan = build_child_plan(u, inputs());
    EXPECT_FALSE(plan.uid);
    ASSERT_TRUE(plan.groups) << "group only: still drop inherited supplementary groups";
    EXPECT_THAT(*plan.groups, IsEmpty());
}

TEST(ChildPlan, CaptureHostEnvReadsProcessEnvironment) {
    ::setenv("LANG", "xx_YY.UTF-8", 1);
    EXPECT_EQ(capture_host_env().lang, "xx_YY.UTF-8");
    ::unsetenv("LANG");
    EXPECT_FALSE(capture_host_env().lang);
}

}  // namespace
}  // namespace sv::activation
