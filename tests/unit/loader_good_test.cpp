// Good units loaded field by field: what each key becomes in the model, and
// every default.
#include <grp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>

#include "base/identity.hpp"
#include "loader_support.hpp"
#include "unit/loader.hpp"

namespace sv::unit {
namespace {

using testing::fixtures;
using testing::kCtx;
using testing::rendered;

Unit load_good(const std::string& name) {
    Diagnostics diagnostics;
    auto unit = load_unit_file(fixtures("good/" + name + ".toml"), kCtx, diagnostics);
    EXPECT_EQ(rendered(diagnostics), std::vector<std::string>{});
    return unit.value_or(Unit{});
}

gid_t gid_of(const char* name) {
    return lookup_group(name).value();
}

TEST(GoodUnit, MinimalHasEveryDefault) {
    Unit u = load_good("minimal");
    EXPECT_EQ(u.name, "minimal");
    EXPECT_EQ(u.file, fixtures("good/minimal.toml"));
    EXPECT_EQ(u.description, "");
    ASSERT_EQ(u.listen.size(), 1u);
    const ListenSpec& l = u.listen[0];
    EXPECT_EQ(l.address_text, "minimal.sock");
    EXPECT_EQ(l.address.family, net::Family::unix_path);
    EXPECT_EQ(l.address.path, "/run/sockvisor-test/minimal.sock");
    EXPECT_EQ(l.type, SocketType::stream);
    EXPECT_EQ(l.name, "minimal");
    EXPECT_FALSE(l.owner);
    EXPECT_FALSE(l.group);
    EXPECT_EQ(l.mode, 0660u);
    EXPECT_EQ(l.directory_mode, 0755u);
    EXPECT_EQ(l.overwrite, Overwrite::stale);
    EXPECT_TRUE(l.remove_on_stop);
    EXPECT_TRUE(l.symlinks.empty());
    EXPECT_EQ(l.backlog, SOMAXCONN);
    EXPECT_FALSE(l.pass_credentials);
    EXPECT_FALSE(l.receive_buffer);
    EXPECT_FALSE(l.send_buffer);
    EXPECT_FALSE(l.reuse_port);
    EXPECT_FALSE(l.ipv6_only);
    EXPECT_EQ(l.pos.line, 2);
    EXPECT_EQ(l.pos.column, 1);

    const ServiceSpec& s = u.service;
    EXPECT_EQ(s.exec, (std::vector<std::string>{"/usr/bin/true"}));
    EXPECT_FALSE(s.accept);
    EXPECT_EQ(s.max_connections, 256);
    EXPECT_EQ(s.start, StartMode::on_demand);
    EXPECT_FALSE(s.user);
    EXPECT_FALSE(s.group);
    EXPECT_TRUE(s.supplementary_groups.empty());
    EXPECT_FALSE(s.uid);
    EXPECT_FALSE(s.gid);
    EXPECT_TRUE(s.groups.empty());
    EXPECT_EQ(s.working_directory, "/");
    EXPECT_TRUE(s.environment.empty());
    EXPECT_EQ(s.umask, 0022u);
    EXPECT_EQ(s.stdout_mode, Output::log);
    EXPECT_EQ(s.stderr_mode, Output::log);
    EXPECT_EQ(s.restart, RestartPolicy::on_failure);
    EXPECT_EQ(s.restart_delay, Duration(100));
    EXPECT_EQ(s.restart_delay_max, Duration(10000));
    EXPECT_EQ(s.start_limit_burst, 5);
    EXPECT_EQ(s.start_limit_interval, Duration(10000));
    EXPECT_EQ(s.ready, Ready::started);
    EXPECT_EQ(s.start_timeout, Duration(30000));
    EXPECT_EQ(s.notify_access, NotifyAccess::main);
    EXPECT_EQ(s.stop_signal, SIGTERM);
    EXPECT_EQ(s.stop_timeout, Duration(10000));
    EXPECT_EQ(s.fd_store_max, 0);
    // The defaults are the model's defaults: nothing beyond exec differs.
    ServiceSpec defaults;
    defaults.exec = s.exec;
    EXPECT_EQ(s, defaults);
}

TEST(GoodUnit, EveryListenKey) {
    Unit u = load_good("all_listen_keys");
    EXPECT_EQ(u.description, "pathname socket with every key");
    ASSERT_EQ(u.listen.size(), 1u);
    const ListenSpec& l = u.listen[0];
    EXPECT_EQ(l.address.path, "/run/sockvisor-test/all/listen.sock");
    EXPECT_EQ(l.type, SocketType::seqpacket);
    EXPECT_EQ(l.name, "control channel");
    ASSERT_TRUE(l.owner);
    EXPECT_EQ(l.owner->name, "www-data");
    EXPECT_EQ(l.owner->id, 33u);
    ASSERT_TRUE(l.group);
    EXPECT_EQ(l.group->name, "nogroup");
    EXPECT_EQ(l.group->id, gid_of("nogroup"));
    EXPECT_EQ(l.mode, 0600u);
    EXPECT_EQ(l.directory_mode, 0750u);
    EXPECT_EQ(l.overwrite, Overwrite::always);
    EXPECT_FALSE(l.remove_on_stop);
    EXPECT_EQ(l.symlinks, (std::vector<std::string>{"/run/sockvisor-test/links/listen.sock",
                                                    "/run/sockvisor-test/listen-link.sock"}));
    EXPECT_EQ(l.backlog, 128);
    EXPECT_TRUE(l.pass_credentials);
    EXPECT_EQ(l.receive_buffer, 262144);
    EXPECT_EQ(l.send_buffer, 131072);
    EXPECT_EQ(u.service.exec, (std::vector<std::string>{"/usr/bin/env", "--", "true"}));
}

TEST(GoodUnit, EveryServiceKey) {
    Unit u = load_good("all_service_keys");
    const ServiceSpec& s = u.service;
    EXPECT_EQ(s.exec, (std::vector<std::string>{"/bin/sh", "-c", "exec sleep infinity"}));
    EXPECT_FALSE(s.accept);
    EXPECT_EQ(s.start, StartMode::eager);
    EXPECT_EQ(s.user, "www-data");
    EXPECT_EQ(s.group, "nogroup");
    EXPECT_EQ(s.supplementary_groups, (std::vector<std::string>{"daemon", "4"}));
    EXPECT_EQ(s.uid, 33u);
    EXPECT_EQ(s.gid, gid_of("nogroup"));
    // The user's own groups first, then the declared ones, without repeats.
    auto user = lookup_user("www-data").value();
    std::vector<gid_t> expected_groups = groups_of(user);
    for (gid_t g : {gid_of("daemon"), gid_t{4}})
        if (std::find(expected_groups.begin(), expected_groups.end(), g) == expected_groups.end())
            expected_groups.push_back(g);
    EXPECT_EQ(s.groups, expected_groups);
    EXPECT_EQ(s.working_directory, "/var/www");
    EXPECT_EQ(s.environment, (std::map<std::string, std::string>{
                                 {"APP_MODE", "production"}, {"LANG", "C.UTF-8"}, {"_EMPTY", ""}}));
    EXPECT_EQ(s.umask, 0077u);
    EXPECT_EQ(s.stdout_mode, Output::inherit);
    EXPECT_EQ(s.stderr_mode, Output::null);
    EXPECT_EQ(s.restart, RestartPolicy::always);
    EXPECT_EQ(s.restart_delay, Duration(500));
    EXPECT_EQ(s.restart_delay_max, Duration(60000));
    EXPECT_EQ(s.start_limit_burst, 3);
    EXPECT_EQ(s.start_limit_interval, Duration(30000));
    EXPECT_EQ(s.ready, Ready::started);
    EXPECT_EQ(s.notify_access, NotifyAccess::all);
    EXPECT_EQ(s.stop_signal, SIGQUIT);
    EXPECT_EQ(s.stop_timeout, Duration(120000));
    EXPECT_EQ(s.fd_store_max, 16);
}

TEST(GoodUnit, InetAddresses) {
    Unit u = load_good("inet");
    ASSERT_EQ(u.listen.size(), 3u);
    const ListenSpec& https = u.listen[0];
    EXPECT_EQ(https.address.family, net::Family::tcp);
    EXPECT_EQ(https.address.host, "::");
    EXPECT_TRUE(https.address.ipv6);
    EXPECT_EQ(https.address.port, 8443);
    EXPECT_EQ(https.type, SocketType::stream);
    EXPECT_EQ(https.name, "https");
    EXPECT_TRUE(https.reuse_port);
    EXPECT_TRUE(https.ipv6_only);
    EXPECT_EQ(https.backlog, 4096);
    const ListenSpec& mdns = u.listen[1];
    EXPECT_EQ(mdns.address.family, net::Family::udp);
    EXPECT_EQ(mdns.type, SocketType::dgram);
    EXPECT_EQ(mdns.receive_buffer, 1048576);
    EXPECT_FALSE(mdns.reuse_port);
    const ListenSpec& v6 = u.listen[2];
    EXPECT_EQ(v6.type, SocketType::dgram) << "udp:// implies dgram without a type key";
    EXPECT_EQ(v6.name, "inet");
    EXPECT_FALSE(v6.ipv6_only);
    EXPECT_EQ(net::to_string(v6.address), "udp://[::1]:5353");
    EXPECT_EQ(u.service.exec[0], "/usr/sbin/example-daemon") << "absolute exec[0] is kept as is";
}

TEST(GoodUnit, AbstractSockets) {
    Unit u = load_good("abstract");
    ASSERT_EQ(u.listen.size(), 2u);
    EXPECT_EQ(u.listen[0].address.family, net::Family::unix_abstract);
    EXPECT_EQ(u.listen[0].address.path, "sockvisor-test/abstract");
    EXPECT_EQ(u.listen[0].type, SocketType::dgram);
    EXPECT_TRUE(u.listen[0].pass_credentials);
    EXPECT_EQ(u.listen[1].type, SocketType::seqpacket);
    EXPECT_EQ(u.listen[1].backlog, 16);
    EXPECT_EQ(u.service.exec, (std::vector<std::string>{"/usr/bin/sh", "-c", "exec cat"}));
}

TEST(GoodUnit, AcceptAndNotify) {
    Unit a = load_good("accept");
    EXPECT_TRUE(a.service.accept);
    EXPECT_EQ(a.service.max_connections, 10);
    EXPECT_EQ(a.listen[1].type, SocketType::seqpacket);
    Unit n = load_good("notify");
    EXPECT_EQ(n.service.ready, Ready::notify);
    EXPECT_EQ(n.service.start_timeout, Duration(5000));
    EXPECT_EQ(n.service.stop_signal, SIGINT);
    EXPECT_EQ(n.service.stop_timeout, Duration(2500));
}

TEST(GoodUnit, NumericIds) {
    Unit u = load_good("numeric_ids");
    const ListenSpec& l = u.listen[0];
    ASSERT_TRUE(l.owner && l.group);
    EXPECT_EQ(l.owner->id, 0u);
    EXPECT_EQ(l.owner->name, "root") << "a numeric id shows as the name it resolves to";
    EXPECT_EQ(l.group->id, 33u);
    EXPECT_EQ(l.group->name, "www-data");
    EXPECT_EQ(l.mode, 0600u);
    EXPECT_EQ(u.service.user, "33");
    EXPECT_EQ(u.service.uid, 33u);
    EXPECT_EQ(u.service.gid, 33u) << "user's primary group when no group is given";
    EXPECT_EQ(u.service.supplementary_groups, (std::vector<std::string>{"100", "users"}));
    EXPECT_NE(std::find(u.service.groups.begin(), u.service.groups.end(), 100u),
              u.service.groups.end());
}

TEST(GoodUnit, RelativePathsAreJoinedAndNormalised) {
    Unit u = load_good("relative_paths");
    EXPECT_EQ(u.listen[0].address_text, "app//./relative.sock");
    EXPECT_EQ(u.listen[0].address.path, "/run/sockvisor-test/app/relative.sock");
    EXPECT_EQ(u.listen[0].symlinks,
              (std::vector<std::string>{"/run/sockvisor-test/links/relative.link"}));
    EXPECT_EQ(u.listen[1].address.path, "/run/sockvisor-test/absolute.sock");
}

TEST(GoodUnit, InlineTablesAndDottedKeys) {
    Unit u = load_good("inline_tables");
    ASSERT_EQ(u.listen.size(), 2u);
    EXPECT_EQ(u.listen[0].mode, 0666u);
    EXPECT_EQ(u.listen[1].name, "b");
    EXPECT_EQ(u.service.environment.at("GREETING"), "hello, world");
    EXPECT_EQ(u.service.restart, RestartPolicy::no);
}

TEST(GoodUnit, Durations) {
    Unit u = load_good("durations");
    EXPECT_EQ(u.service.restart_delay, Duration(250));
    EXPECT_EQ(u.service.restart_delay_max, Duration(3600000));
    EXPECT_EQ(u.service.start_limit_interval, Duration(90000));
    EXPECT_EQ(u.service.stop_timeout, Duration(1500));
}

TEST(GoodUnit, SpecExample) {
    Unit u = load_good("web");
    EXPECT_EQ(u.description, "Example web backend");
    ASSERT_EQ(u.listen.size(), 2u);
    EXPECT_EQ(u.listen[0].owner->id, 0u);
    EXPECT_EQ(u.listen[0].group->id, 33u);
    EXPECT_EQ(u.listen[0].name, "web");
    EXPECT_EQ(u.listen[1].name, "http");
    EXPECT_EQ(u.listen[1].pos.line, 10);
    EXPECT_EQ(u.service.exec, (std::vector<std::string>{"/usr/bin/gunicorn", "app:app"}));
    EXPECT_EQ(u.service.uid, 33u);
}

}  // namespace
}  // namespace sv::unit
