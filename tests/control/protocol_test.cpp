// Requests: every good shape and every way a request can be bad, with the exact
// code and message the daemon will send back.
#include "control/protocol.hpp"

#include <gtest/gtest.h>

#include <string>

#include "control/limits.hpp"

namespace sv::control {
namespace {

struct Good {
    std::string line;
    Request expected;
};

void PrintTo(const Good& g, std::ostream* os) {
    *os << g.line;
}

class GoodRequest : public testing::TestWithParam<Good> {};

TEST_P(GoodRequest, Parses) {
    auto parsed = parse_request(GetParam().line);
    ASSERT_TRUE(std::holds_alternative<Request>(parsed)) << std::get<ErrorReply>(parsed).message;
    EXPECT_EQ(std::get<Request>(parsed), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, GoodRequest,
    testing::Values(
        Good{R"({"cmd": "status", "units": []})", {Command::status, {}}},
        Good{R"({"cmd": "status"})", {Command::status, {}}},
        Good{R"({"cmd":"status","units":["web","db"]})", {Command::status, {"web", "db"}}},
        Good{R"({"cmd": "start", "units": ["web"]})", {Command::start, {"web"}}},
        Good{R"({"cmd": "stop", "units": ["web"]})", {Command::stop, {"web"}}},
        Good{R"({"cmd": "restart", "units": ["a.b-c_d", "x"]})",
             {Command::restart, {"a.b-c_d", "x"}}},
        Good{R"({"cmd": "reload"})", {Command::reload, {}}},
        Good{R"({"cmd": "reload", "units": []})", {Command::reload, {}}},
        // Field order does not matter; a trailing newline (or CRLF) is allowed.
        Good{R"({"units": ["web"], "cmd": "stop"})"
             "\n",
             {Command::stop, {"web"}}},
        Good{R"({"cmd": "status"})"
             "\r\n",
             {Command::status, {}}},
        Good{R"(  {"cmd": "status"}  )", {Command::status, {}}},
        // Duplicates are dropped, first occurrence kept.
        Good{R"({"cmd": "stop", "units": ["b", "a", "b"]})", {Command::stop, {"b", "a"}}},
        Good{R"({"cmd": "status", "units": [")" + std::string(64, 'x') + R"("]})",
             {Command::status, {std::string(64, 'x')}}}));

struct Bad {
    std::string line;
    ErrorCode code;
    std::string message;
};

void PrintTo(const Bad& b, std::ostream* os) {
    *os << b.line;
}

class BadRequest : public testing::TestWithParam<Bad> {};

TEST_P(BadRequest, IsRefusedWithCodeAndMessage) {
    auto parsed = parse_request(GetParam().line);
    ASSERT_TRUE(std::holds_alternative<ErrorReply>(parsed)) << GetParam().line;
    const auto& error = std::get<ErrorReply>(parsed);
    EXPECT_EQ(to_string(error.code), to_string(GetParam().code)) << GetParam().line;
    EXPECT_EQ(error.message, GetParam().message) << GetParam().line;
}

constexpr auto kBadRequest = ErrorCode::bad_request;

INSTANTIATE_TEST_SUITE_P(
    Table, BadRequest,
    testing::Values(
        Bad{"", kBadRequest, "empty request"}, Bad{"\n", kBadRequest, "empty request"},
        Bad{"   ", kBadRequest, "empty request"},
        Bad{"status", kBadRequest,
            "invalid JSON: parse error at line 1, column 1: syntax error while parsing value - "
            "invalid literal; last read: 's'"},
        Bad{R"({"cmd": "status")", kBadRequest,
            "invalid JSON: parse error at line 1, column 17: syntax error while parsing object - "
            "unexpected end of input; expected '}'"},
        Bad{R"({"cmd": "status"} {})", kBadRequest,
            "invalid JSON: parse error at line 1, column 19: syntax error while parsing value - "
            "unexpected '{'; expected end of input"},
        Bad{"[\"status\"]", kBadRequest, "a request must be a JSON object, not array"},
        Bad{"\"status\"", kBadRequest, "a request must be a JSON object, not string"},
        Bad{"42", kBadRequest, "a request must be a JSON object, not number"},
        Bad{"null", kBadRequest, "a request must be a JSON object, not null"},
        Bad{"{}", kBadRequest, "missing field 'cmd'"},
        Bad{R"({"units": []})", kBadRequest, "missing field 'cmd'"},
        Bad{R"({"cmd": 1})", kBadRequest, "field 'cmd' must be a string, not number"},
        Bad{R"({"cmd": null})", kBadRequest, "field 'cmd' must be a string, not null"},
        Bad{R"({"cmd": ["status"]})", kBadRequest, "field 'cmd' must be a string, not array"},
        Bad{R"({"cmd": "frobnicate"})", ErrorCode::unknown_command,
            "unknown command: 'frobnicate' (expected status, start, stop, restart or reload)"},
        Bad{R"({"cmd": "STATUS"})", ErrorCode::unknown_command,
            "unknown command: 'STATUS' (expected status, start, stop, restart or reload)"},
        Bad{R"({"cmd": "a\nb"})", ErrorCode::unknown_command,
            "unknown command: 'a\\nb' (expected status, start, stop, restart or reload)"},
        Bad{R"({"cmd": "status", "unit": ["web"]})", kBadRequest,
            "unknown field 'unit' (a request has 'cmd' and 'units')"},
        Bad{R"({"cmd": "status", "units": "web"})", kBadRequest,
            "field 'units' must be an array of unit names, not string"},
        Bad{R"({"cmd": "status", "units": {}})", kBadRequest,
            "field 'units' must be an array of unit names, not object"},
        Bad{R"({"cmd": "status", "units": null})", kBadRequest,
            "field 'units' must be an array of unit names, not null"},
        Bad{R"({"cmd": "stop", "units": ["web", 7]})", kBadRequest,
            "field 'units' must hold unit names (strings); element 1 is number"},
        Bad{R"({"cmd": "stop", "units": [["web"]]})", kBadRequest,
            "field 'units' must hold unit names (strings); element 0 is array"},
        Bad{R"({"cmd": "stop", "units": ["a/b"]})", kBadRequest,
            "invalid unit name: 'a/b' (1-64 characters of A-Z a-z 0-9 _ . -)"},
        Bad{R"({"cmd": "stop", "units": [""]})", kBadRequest,
            "invalid unit name: '' (1-64 characters of A-Z a-z 0-9 _ . -)"},
        Bad{R"({"cmd": "stop", "units": [".."]})", kBadRequest,
            "invalid unit name: '..' (1-64 characters of A-Z a-z 0-9 _ . -)"},
        Bad{R"({"cmd": "stop", "units": ["we b"]})", kBadRequest,
            "invalid unit name: 'we b' (1-64 characters of A-Z a-z 0-9 _ . -)"},
        Bad{R"({"cmd": "stop", "units": [")" + std::string(65, 'x') + R"("]})", kBadRequest,
            "invalid unit name: '" + std::string(65, 'x').substr(0, 80) +
                "' (1-64 characters of A-Z a-z 0-9 _ . -)"},
        Bad{R"({"cmd": "start"})", kBadRequest, "'start' needs at least one unit"},
        Bad{R"({"cmd": "stop", "units": []})", kBadRequest, "'stop' needs at least one unit"},
        Bad{R"({"cmd": "restart", "units": []})", kBadRequest, "'restart' needs at least one unit"},
        Bad{R"({"cmd": "reload", "units": ["web"]})", kBadRequest, "'reload' takes no units"}));

TEST(ParseRequest, InvalidUtf8IsABadRequestNotACrash) {
    auto parsed = parse_request("{\"cmd\": \"st\xff\"}");
    ASSERT_TRUE(std::holds_alternative<ErrorReply>(parsed));
    EXPECT_EQ(std::get<ErrorReply>(parsed).code, ErrorCode::bad_request);
    EXPECT_EQ(std::get<ErrorReply>(parsed).message.rfind("invalid JSON: ", 0), 0u);
}

TEST(ParseRequest, DeepNestingWithinTheSizeLimitIsABadRequestNotAStackOverflow) {
    // nlohmann's parser keeps its own stack; the size limit bounds the depth.
    std::string deep(limits::kMaxRequestBytes / 2, '[');
    deep += std::string(limits::kMaxRequestBytes / 2, ']');
    auto parsed = parse_request(deep);
    ASSERT_TRUE(std::holds_alternative<ErrorReply>(parsed));
    EXPECT_EQ(std::get<ErrorReply>(parsed).message, "a request must be a JSON object, not array");
}

TEST(ParseRequest, SizeLimitHasAReasonableValueAndIsEnforcedHereToo) {
    static_assert(limits::kMaxRequestBytes == 64 * 1024);
    std::string line = R"({"cmd": "status", "units": []})";
    line += std::string(limits::kMaxRequestBytes - line.size(), ' ');
    EXPECT_TRUE(std::holds_alternative<Request>(parse_request(line)));  // exactly at the limit
    line += ' ';
    auto parsed = parse_request(line);
    ASSERT_TRUE(std::holds_alternative<ErrorReply>(parsed));
    EXPECT_EQ(std::get<ErrorReply>(parsed),
              (ErrorReply{ErrorCode::too_large, "request is longer than 65536 bytes"}));
}

TEST(EncodeRequest, IsOneLineTheParserReadsBack) {
    EXPECT_EQ(encode_request({Command::status, {}}), "{\"cmd\":\"status\",\"units\":[]}\n");
    EXPECT_EQ(encode_request({Command::stop, {"web", "db"}}),
              "{\"cmd\":\"stop\",\"units\":[\"web\",\"db\"]}\n");
    EXPECT_EQ(encode_request({Command::reload, {}}), "{\"cmd\":\"reload\"}\n");
    for (Request r : {Request{Command::status, {"a"}}, Request{Command::start, {"a", "b"}},
                      Request{Command::restart, {"x"}}, Request{Command::reload, {}}}) {
        auto parsed = parse_request(encode_request(r));
        ASSERT_TRUE(std::holds_alternative<Request>(parsed));
        EXPECT_EQ(std::get<Request>(parsed), r);
    }
}

TEST(Names, CommandsAndCodesRoundTrip) {
    for (auto c :
         {Command::status, Command::start, Command::stop, Command::restart, Command::reload})
        EXPECT_EQ(command_from_string(to_string(c)), c);
    EXPECT_EQ(command_from_string("Status"), std::nullopt);
    for (auto c : {ErrorCode::bad_request, ErrorCode::unknown_command, ErrorCode::no_such_unit,
                   ErrorCode::permission_denied, ErrorCode::invalid_units, ErrorCode::too_large})
        EXPECT_EQ(error_code_from_string(to_string(c)), c);
    EXPECT_EQ(to_string(ErrorCode::no_such_unit), "no_such_unit");
    EXPECT_EQ(error_code_from_string("nope"), std::nullopt);
}

}  // namespace
}  // namespace sv::control
