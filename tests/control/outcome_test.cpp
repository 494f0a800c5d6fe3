// What sockvisorctl prints and exits with, for every reply shape (SPEC §1.2).
#include "control/outcome.hpp"

#include <gtest/gtest.h>

#include "control/replies.hpp"

namespace sv::control {
namespace {

UnitStatus unit_in(const char* name, const char* state) {
    UnitStatus u;
    u.name = name;
    u.state = state;
    return u;
}

TEST(StatusOutcome, TableAndExitZeroWhenAllUp) {
    auto o =
        outcome_of(Command::status,
                   status_reply({unit_in("web", "running"), unit_in("db", "listening")}), false);
    EXPECT_EQ(o.exit_code, 0);
    EXPECT_EQ(o.out,
              "UNIT  STATE      PID  UPTIME  RESTARTS  CONNECTIONS  LISTEN\n"
              "web   running    -    -       0         -\n"
              "db    listening  -    -       0         -\n");
    EXPECT_EQ(o.err, "");
}

TEST(StatusOutcome, ExitThreeWhenAnyIsDown) {
    for (const char* down : {"stopping", "stopped", "backoff", "failed"}) {
        auto o = outcome_of(Command::status,
                            status_reply({unit_in("web", "running"), unit_in("db", down)}), false);
        EXPECT_EQ(o.exit_code, 3) << down;
    }
}

TEST(StatusOutcome, JsonIsTheSpecDocumentWithoutOk) {
    auto o = outcome_of(Command::status, status_reply({unit_in("web", "failed")}), true);
    EXPECT_EQ(o.exit_code, 3);
    auto doc = nlohmann::ordered_json::parse(o.out);
    EXPECT_FALSE(doc.contains("ok"));
    ASSERT_EQ(doc["units"].size(), 1u);
    EXPECT_EQ(doc["units"][0]["name"], "web");
    EXPECT_EQ(doc["units"][0]["state"], "failed");
    EXPECT_TRUE(doc["units"][0]["pid"].is_null());
}

TEST(StatusOutcome, JsonExitCodeLooksOnlyAtUnitStates) {
    // A nested field that happens to be called "state" must not count, and a
    // status_text of "failed" is not a state.
    UnitStatus up = unit_in("web", "running");
    up.status_text = "failed";
    auto o = outcome_of(Command::status, status_reply({up, unit_in("db", "listening")}), true);
    EXPECT_EQ(o.exit_code, 0);
    for (const char* down : {"stopping", "stopped", "backoff", "failed", "mystery"}) {
        auto d = outcome_of(Command::status,
                            status_reply({unit_in("web", "running"), unit_in("db", down)}), true);
        EXPECT_EQ(d.exit_code, 3) << down;
        EXPECT_EQ(d.out.find("\"ok\""), std::string::npos);
        EXPECT_EQ(d.out.back(), '\n');
    }
}

TEST(StatusOutcome, JsonOfATruncatedReplyIsAnError) {
    std::string reply = status_reply({unit_in("web", "running")});
    auto o = outcome_of(Command::status, reply.substr(0, reply.size() / 2), true);
    EXPECT_NE(o.exit_code, 0);
    EXPECT_TRUE(o.out.empty());
}

TEST(StatusOutcome, NoSuchUnitIsFour) {
    auto o = outcome_of(Command::status, no_such_unit_reply({"nope"}), false);
    EXPECT_EQ(o.exit_code, 4);
    EXPECT_EQ(o.out, "");
    EXPECT_EQ(o.err, "sockvisorctl: no such unit: nope\n");
}

TEST(UnitCommands, QuietOnSuccessNoSuchUnitFourOtherErrorsOne) {
    for (auto c : {Command::start, Command::stop, Command::restart}) {
        auto ok = outcome_of(c, units_reply({"web"}), false);
        EXPECT_EQ(ok.exit_code, 0);
        EXPECT_EQ(ok.out, "");
        EXPECT_EQ(ok.err, "");
        auto ok_json = outcome_of(c, units_reply({"web"}), true);
        EXPECT_EQ(ok_json.out, "{\n  \"units\": [\n    \"web\"\n  ]\n}\n");
        EXPECT_EQ(outcome_of(c, no_such_unit_reply({"web"}), false).exit_code, 4);
        auto denied = outcome_of(
            c, error_reply({ErrorCode::permission_denied, "permission denied: uid 1000 ..."}),
            false);
        EXPECT_EQ(denied.exit_code, 1);
        EXPECT_EQ(denied.err, "sockvisorctl: permission denied: uid 1000 ...\n");
        auto invalid =
            outcome_of(c, invalid_units_reply({"web"}, {"units/web.toml:1:1: x"}), false);
        EXPECT_EQ(invalid.exit_code, 1);
        EXPECT_EQ(invalid.err, "sockvisorctl: invalid unit file: web\nunits/web.toml:1:1: x\n");
    }
}

TEST(Reload, SummaryAndExitZero) {
    auto o =
        outcome_of(Command::reload, reload_reply({{"api"}, {}, {"web"}, {"db", "x"}, {}}), false);
    EXPECT_EQ(o.exit_code, 0);
    EXPECT_EQ(o.out, "added: api\nchanged: web\nunchanged: db, x\n");
    EXPECT_EQ(o.err, "");
}

TEST(Reload, ProblemsArePrintedOnePerLineAndExitThree) {
    auto o =
        outcome_of(Command::reload,
                   reload_reply({{},
                                 {},
                                 {},
                                 {"web"},
                                 {"units/a.toml:3:1: unknown key 'mdoe' (did you mean 'mode'?)",
                                  "units/b.toml:1:1: x"}}),
                   false);
    EXPECT_EQ(o.exit_code, 3);
    EXPECT_EQ(o.out, "unchanged: web\n");
    EXPECT_EQ(o.err,
              "units/a.toml:3:1: unknown key 'mdoe' (did you mean 'mode'?)\n"
              "units/b.toml:1:1: x\n"
              "sockvisorctl: 2 problems in unit files; those units were left as they were\n");
    auto j = outcome_of(Command::reload, reload_reply({{}, {}, {}, {}, {"f:1:1: x"}}), true);
    EXPECT_EQ(j.exit_code, 3);
    EXPECT_EQ(nlohmann::ordered_json::parse(j.out)["problems"][0], "f:1:1: x");
}

TEST(Reload, InvalidUnitsErrorIsThree) {
    auto o = outcome_of(Command::reload, invalid_units_reply({"web"}, {"w.toml:1:1: x"}), false);
    EXPECT_EQ(o.exit_code, 3);
    EXPECT_EQ(o.err, "sockvisorctl: invalid unit file: web\nw.toml:1:1: x\n");
}

TEST(Malformed, AnyBrokenReplyIsExitOneWithAReason) {
    struct Case {
        const char* line;
        const char* err;
    };
    for (auto [line, err] : {
             Case{"",
                  "sockvisorctl: malformed reply from sockvisord: parse error at line 1, "
                  "column 1: syntax error while parsing value - unexpected end of input; "
                  "expected '[', '{', or a literal\n"},
             Case{"[]", "sockvisorctl: malformed reply from sockvisord: not a JSON object\n"},
             Case{"{}", "sockvisorctl: malformed reply from sockvisord: no boolean 'ok' field\n"},
             Case{"{\"ok\":1}",
                  "sockvisorctl: malformed reply from sockvisord: no boolean 'ok' field\n"},
             Case{"{\"ok\":true}",
                  "sockvisorctl: malformed reply from sockvisord: key 'units' not found\n"},
             Case{"{\"ok\":true,\"units\":[{\"state\":\"running\"}]}",
                  "sockvisorctl: malformed reply from sockvisord: key 'name' not found\n"},
         }) {
        auto o = outcome_of(Command::status, line, false);
        EXPECT_EQ(o.exit_code, 1) << line;
        EXPECT_EQ(o.err, err) << line;
        EXPECT_EQ(o.out, "") << line;
    }
}

TEST(Errors, UnknownCodeFromANewerDaemonIsOne) {
    auto o = outcome_of(Command::stop, R"({"ok":false,"code":"busy","error":"try later"})", false);
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_EQ(o.err, "sockvisorctl: try later\n");
    auto bare = outcome_of(Command::stop, R"({"ok":false})", false);
    EXPECT_EQ(bare.err, "sockvisorctl: request failed (no code)\n");
}

TEST(Unreachable, ExitOneWithTheSysErrorText) {
    auto o = unreachable(sys_error("connect to", "/run/sockvisor/control.sock", ENOENT));
    EXPECT_EQ(o.exit_code, 1);
    EXPECT_EQ(o.err,
              "sockvisorctl: cannot connect to '/run/sockvisor/control.sock': No such file or "
              "directory\n");
}

}  // namespace
}  // namespace sv::control
