// Reply lines the daemon sends: exact text of every shape, one line each, and
// invalid UTF-8 in service-provided text replaced, not thrown on.
#include "control/replies.hpp"

#include <gtest/gtest.h>

namespace sv::control {
namespace {

TEST(Replies, ExactShapes) {
    EXPECT_EQ(units_reply({"web", "db"}), "{\"ok\":true,\"units\":[\"web\",\"db\"]}\n");
    EXPECT_EQ(status_reply({}), "{\"ok\":true,\"units\":[]}\n");
    ReloadReport r{{"api"}, {"old"}, {"web"}, {"db"}, {"units/x.toml:3:1: unknown key 'mdoe'"}};
    EXPECT_EQ(reload_reply(r),
              "{\"ok\":true,\"added\":[\"api\"],\"removed\":[\"old\"],\"changed\":[\"web\"],"
              "\"unchanged\":[\"db\"],\"problems\":[\"units/x.toml:3:1: unknown key 'mdoe'\"]}\n");
    EXPECT_EQ(reload_reply({}),
              "{\"ok\":true,\"added\":[],\"removed\":[],\"changed\":[],\"unchanged\":[],"
              "\"problems\":[]}\n");
}

TEST(Replies, Errors) {
    EXPECT_EQ(error_reply({ErrorCode::bad_request, "missing field 'cmd'"}),
              "{\"ok\":false,\"code\":\"bad_request\",\"error\":\"missing field 'cmd'\"}\n");
    EXPECT_EQ(no_such_unit_reply({"web"}),
              "{\"ok\":false,\"code\":\"no_such_unit\",\"error\":\"no such unit: web\","
              "\"units\":[\"web\"]}\n");
    EXPECT_EQ(no_such_unit_message({"api", "web"}), "no such unit: api, web");
    EXPECT_EQ(invalid_units_reply({"web"}, {"units/web.toml:2:1: x"}),
              "{\"ok\":false,\"code\":\"invalid_units\",\"error\":\"invalid unit file: web\","
              "\"units\":[\"web\"],\"problems\":[\"units/web.toml:2:1: x\"]}\n");
}

TEST(Replies, OneLineEvenWithNewlinesAndBadUtf8InStatusText) {
    UnitStatus u;
    u.name = "web";
    u.state = "running";
    u.status_text = "line1\nline2 \xff\xfe end";
    std::string line = status_reply({u});
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    EXPECT_NE(line.find("\"status_text\":\"line1\\nline2 \xEF\xBF\xBD\xEF\xBF\xBD end\""),
              std::string::npos)
        << line;
    // And it still parses (nlohmann validates UTF-8 on input).
    auto doc = nlohmann::ordered_json::parse(line);
    EXPECT_EQ(doc["units"][0]["status_text"], "line1\nline2 \xEF\xBF\xBD\xEF\xBF\xBD end");
}

TEST(Replies, ReloadReportRoundTrips) {
    ReloadReport r{{"a"}, {"b"}, {"c"}, {"d", "e"}, {"f:1:1: g"}};
    EXPECT_EQ(nlohmann::ordered_json(r).get<ReloadReport>(), r);
    // Missing lists read as empty.
    EXPECT_EQ(nlohmann::ordered_json::parse(R"({"ok":true})").get<ReloadReport>(), ReloadReport{});
}

}  // namespace
}  // namespace sv::control
