// The human status table: golden output, uptime words, LISTEN and CONNECTIONS cells.
#include "control/status_table.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace sv::control {
namespace {

TEST(FormatUptime, TwoUnitsFromTheLargest) {
    EXPECT_EQ(format_uptime(std::nullopt), "-");
    EXPECT_EQ(format_uptime(0), "0s");
    EXPECT_EQ(format_uptime(0.9), "0s");
    EXPECT_EQ(format_uptime(45), "45s");
    EXPECT_EQ(format_uptime(59.99), "59s");
    EXPECT_EQ(format_uptime(60), "1m0s");
    EXPECT_EQ(format_uptime(12 * 60 + 3), "12m3s");
    EXPECT_EQ(format_uptime(3599), "59m59s");
    EXPECT_EQ(format_uptime(3600), "1h0m");
    EXPECT_EQ(format_uptime(2 * 3600 + 5 * 60 + 59), "2h5m");
    EXPECT_EQ(format_uptime(86399), "23h59m");
    EXPECT_EQ(format_uptime(86400), "1d0h");
    EXPECT_EQ(format_uptime(3 * 86400 + 4 * 3600 + 59 * 60), "3d4h");
    EXPECT_EQ(format_uptime(400 * 86400.0), "400d0h");
    EXPECT_EQ(format_uptime(-5), "0s");  // a clock step; never "-5s"
    EXPECT_EQ(format_uptime(std::numeric_limits<double>::quiet_NaN()), "-");
    EXPECT_EQ(format_uptime(std::numeric_limits<double>::infinity()), "-");
    EXPECT_EQ(format_uptime(1e300), "11574074074d1h");  // clamped, never an overflowing cast
}

TEST(FormatListen, TypeModeOwnerGroupWhenKnown) {
    EXPECT_EQ(format_listen({"/run/web.sock", "stream", "web", "0660", "root", "www-data", 3}),
              "/run/web.sock(stream,0660,root:www-data)");
    EXPECT_EQ(format_listen({"tcp://127.0.0.1:80", "stream", "http", {}, {}, {}, 4}),
              "tcp://127.0.0.1:80(stream)");
    EXPECT_EQ(format_listen({"@abs", "dgram", "x", {}, {}, {}, 3}), "@abs(dgram)");
    EXPECT_EQ(format_listen({"rel.sock", "seqpacket", "x", "0600", "app", {}, 3}),
              "rel.sock(seqpacket,0600,app)");
    EXPECT_EQ(format_listen({"/tmp/a\nb\x1b[2J", "stream", "x", {}, {}, {}, 3}),
              "/tmp/a\\x0ab\\x1b[2J(stream)");
}

TEST(FormatConnections, OnlyForAcceptUnits) {
    UnitStatus u;
    EXPECT_EQ(format_connections(u), "-");
    u.accepted = 10234;
    u.active = 3;
    EXPECT_EQ(format_connections(u), "3/10234");
    u.accepted = 0;
    u.active = 0;
    EXPECT_EQ(format_connections(u), "0/0");
}

TEST(RenderTable, Golden) {
    UnitStatus web;
    web.name = "web";
    web.state = "running";
    web.pid = 4242;
    web.uptime_s = 2 * 3600 + 5 * 60;
    web.restarts = 2;
    web.listen = {{"/run/web.sock", "stream", "web", "0660", "root", "www-data", 3},
                  {"tcp://127.0.0.1:80", "stream", "http", {}, {}, {}, 4}};
    UnitStatus echo;
    echo.name = "echo-server";
    echo.state = "listening";
    echo.accepted = 10234;
    echo.active = 3;
    echo.listen = {{"@echo", "stream", "echo", {}, {}, {}, 3}};
    UnitStatus broken;
    broken.name = "db";
    broken.state = "failed";
    broken.restarts = 5;

    EXPECT_EQ(render_table({web, echo, broken}),
              "UNIT         STATE      PID   UPTIME  RESTARTS  CONNECTIONS  LISTEN\n"
              "web          running    4242  2h5m    2         -            "
              "/run/web.sock(stream,0660,root:www-data) tcp://127.0.0.1:80(stream)\n"
              "echo-server  listening  -     -       0         3/10234      @echo(stream)\n"
              "db           failed     -     -       5         -\n");
}

TEST(RenderTable, NoUnitsIsTheHeaderAlone) {
    EXPECT_EQ(render_table({}), "UNIT  STATE  PID  UPTIME  RESTARTS  CONNECTIONS  LISTEN\n");
}

}  // namespace
}  // namespace sv::control
