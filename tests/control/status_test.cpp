// The status model: SPEC §7's example survives JSON → structs → JSON unchanged
// (field names, order, nulls), and the exit-code rule of `sockvisorctl status`.
#include "control/status.hpp"

#include <gtest/gtest.h>

#include "control/exit_codes.hpp"

namespace sv::control {
namespace {

using json = nlohmann::ordered_json;

// SPEC §7, verbatim.
constexpr const char* kSpecExample = R"({"units": [{
  "name": "web", "state": "running", "pid": 4242, "since": 1763900000.25,
  "uptime_s": 62.0, "restarts": 2, "accepted": 10234, "active": 3,
  "status_text": "serving",
  "last_exit": {"code": 1, "signal": null, "at": 1763899990.1},
  "listen": [{"address": "/run/web/web.sock", "type": "stream", "name": "web",
              "mode": "0660", "owner": "root", "group": "www-data", "fd": 3}]
}]})";

UnitStatus spec_unit() {
    UnitStatus u;
    u.name = "web";
    u.state = "running";
    u.pid = 4242;
    u.since = 1763900000.25;
    u.uptime_s = 62.0;
    u.restarts = 2;
    u.accepted = 10234;
    u.active = 3;
    u.status_text = "serving";
    u.last_exit = LastExit{1, std::nullopt, 1763899990.1};
    u.listen = {{"/run/web/web.sock", "stream", "web", "0660", "root", "www-data", 3}};
    return u;
}

TEST(StatusJson, SpecExampleParsesIntoTheStructs) {
    auto doc = json::parse(kSpecExample);
    auto units = doc.at("units").get<std::vector<UnitStatus>>();
    ASSERT_EQ(units.size(), 1u);
    EXPECT_EQ(units[0], spec_unit());
}

TEST(StatusJson, StructsSerializeToTheSpecExampleExactly) {
    json doc{{"units", std::vector<UnitStatus>{spec_unit()}}};
    // Same text after both are compacted: same names, same order, same numbers.
    EXPECT_EQ(doc.dump(), json::parse(kSpecExample).dump());
    EXPECT_EQ(doc.dump(),
              R"({"units":[{"name":"web","state":"running","pid":4242,"since":1763900000.25,)"
              R"("uptime_s":62.0,"restarts":2,"accepted":10234,"active":3,"status_text":"serving",)"
              R"("last_exit":{"code":1,"signal":null,"at":1763899990.1},)"
              R"("listen":[{"address":"/run/web/web.sock","type":"stream","name":"web",)"
              R"("mode":"0660","owner":"root","group":"www-data","fd":3}]}]})");
}

TEST(StatusJson, AbsentValuesAreNullNeverOmitted) {
    UnitStatus u;
    u.name = "api";
    u.state = "listening";
    u.listen = {
        {"tcp://127.0.0.1:80", "stream", "http", std::nullopt, std::nullopt, std::nullopt, 3}};
    EXPECT_EQ(json(u).dump(),
              R"({"name":"api","state":"listening","pid":null,"since":null,"uptime_s":null,)"
              R"("restarts":0,"accepted":null,"active":null,"status_text":null,"last_exit":null,)"
              R"("listen":[{"address":"tcp://127.0.0.1:80","type":"stream","name":"http",)"
              R"("mode":null,"owner":null,"group":null,"fd":3}]})");
    EXPECT_EQ(json(u).get<UnitStatus>(), u);
}

TEST(StatusJson, KilledBySignalHasNullCode) {
    LastExit e{std::nullopt, "SIGKILL", 5.5};
    EXPECT_EQ(json(e).dump(), R"({"code":null,"signal":"SIGKILL","at":5.5})");
    EXPECT_EQ(json(e).get<LastExit>(), e);
}

TEST(StatusJson, ReaderIgnoresUnknownFieldsAndTreatsMissingOptionalsAsAbsent) {
    auto u =
        json::parse(R"({"name":"a","state":"stopped","future_field":[1,2]})").get<UnitStatus>();
    EXPECT_EQ(u.name, "a");
    EXPECT_EQ(u.state, "stopped");
    EXPECT_FALSE(u.pid);
    EXPECT_EQ(u.restarts, 0u);
    EXPECT_TRUE(u.listen.empty());
}

TEST(StatusJson, ReaderRejectsMissingNameOrWrongTypes) {
    EXPECT_THROW(json::parse(R"({"state":"running"})").get<UnitStatus>(), json::exception);
    EXPECT_THROW(json::parse(R"({"name":"a","state":"running","pid":"x"})").get<UnitStatus>(),
                 json::exception);
    EXPECT_THROW(json::parse(R"({"name":"a","state":"running","listen":[{"type":"stream"}]})")
                     .get<UnitStatus>(),
                 json::exception);
}

UnitStatus in_state(const char* state) {
    UnitStatus u;
    u.name = state;
    u.state = state;
    return u;
}

TEST(StatusExitCode, ZeroOnlyWhenEveryShownUnitIsUp) {
    EXPECT_EQ(status_exit_code({}), exit_code::kOk);
    for (const char* up : {"listening", "starting", "running"})
        EXPECT_EQ(status_exit_code({in_state(up)}), 0) << up;
    for (const char* down : {"stopping", "stopped", "backoff", "failed", "some-future-state"})
        EXPECT_EQ(status_exit_code({in_state("running"), in_state(down)}), 3) << down;
    EXPECT_EQ(status_exit_code({in_state("listening"), in_state("starting"), in_state("running")}),
              0);
}

}  // namespace
}  // namespace sv::control
