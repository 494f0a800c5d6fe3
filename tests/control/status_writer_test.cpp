// The direct status writer must write exactly what nlohmann's dump() of to_json()
// writes: same field order, nulls, escapes, U+FFFD replacement of invalid UTF-8
// and number forms. Compared on hand-picked edge cases and on generated units.
#include "control/status_writer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "control/replies.hpp"

namespace sv::control {
namespace {

using json = nlohmann::ordered_json;

std::string written(const std::vector<UnitStatus>& units) {
    std::string out;
    append_status_array(out, units);
    return out;
}

std::string dumped(const std::vector<UnitStatus>& units) {
    return json(units).dump(-1, ' ', false, json::error_handler_t::replace);
}

UnitStatus full_unit() {
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
    u.listen = {
        {"/run/web/web.sock", "stream", "web", "0660", "root", "www-data", 3},
        {"tcp://127.0.0.1:80", "stream", "http", std::nullopt, std::nullopt, std::nullopt, 4}};
    return u;
}

TEST(StatusWriter, SameTextAsTheDocumentForSpecExample) {
    EXPECT_EQ(written({}), "[]");
    UnitStatus bare;
    EXPECT_EQ(written({bare}), dumped({bare}));
    EXPECT_EQ(written({full_unit()}), dumped({full_unit()}));
    UnitStatus killed = full_unit();
    killed.last_exit = LastExit{std::nullopt, "SIGKILL", 5};
    EXPECT_EQ(written({full_unit(), bare, killed}), dumped({full_unit(), bare, killed}));
    // And the reply line carries it.
    EXPECT_EQ(status_reply({full_unit()}),
              "{\"ok\":true,\"units\":" + dumped({full_unit()}) + "}\n");
}

TEST(StatusWriter, EscapesAndReplacesLikeNlohmann) {
    const std::vector<std::string> texts = {
        "",
        "quote \" and backslash \\",
        std::string("nul \0 byte", 10),
        "\b\f\n\r\t\x01\x1f\x7f",
        "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",  // valid 2-, 3- and 4-byte UTF-8
        "bad \xff\xfe end",
        "truncated \xe2\x82",
        "overlong \xc0\xaf",
        "lone continuation \x80",
        "surrogate \xed\xa0\x80",
        "tail \xf0\x9f\x98",
    };
    for (const auto& t : texts) {
        UnitStatus u = full_unit();
        u.name = t;
        u.status_text = t;
        u.listen[0].address = t;
        u.last_exit->signal = t;
        EXPECT_EQ(written({u}), dumped({u}))
            << "text: " << json(t).dump(-1, ' ', true, json::error_handler_t::replace);
    }
}

TEST(StatusWriter, NumbersLikeNlohmann) {
    const std::vector<double> doubles = {0.0,
                                         -0.0,
                                         1.0,
                                         0.1,
                                         62.0,
                                         1e15,
                                         1e16,
                                         1e17,
                                         1e21,
                                         1e-5,
                                         1e-7,
                                         123456789.123456789,
                                         std::numeric_limits<double>::max(),
                                         std::numeric_limits<double>::min(),
                                         std::numeric_limits<double>::denorm_min(),
                                         std::nan(""),
                                         std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity()};
    for (double d : doubles) {
        UnitStatus u = full_unit();
        u.since = d;
        u.uptime_s = -d;
        u.last_exit->at = d;
        EXPECT_EQ(written({u}), dumped({u})) << d;
    }
    UnitStatus u = full_unit();
    u.pid = std::numeric_limits<long long>::min();
    u.restarts = std::numeric_limits<std::uint64_t>::max();
    u.accepted = 0;
    u.active = std::numeric_limits<std::uint64_t>::max();
    u.last_exit->code = std::numeric_limits<int>::min();
    u.listen[0].fd = std::numeric_limits<int>::max();
    u.listen[1].fd = -1;
    EXPECT_EQ(written({u}), dumped({u}));
}

// Random units: random bytes in every string, random bit patterns as doubles.
TEST(StatusWriter, GeneratedUnitsMatchTheDocument) {
    std::mt19937_64 rng(20261207);
    auto coin = [&] { return rng() % 2 == 0; };
    auto text = [&] {
        std::string s(rng() % 12, '\0');
        for (auto& c : s) {
            auto r = rng() % 4;
            // Mostly ASCII, some high bytes (valid or not), some control bytes.
            c = static_cast<char>(r == 0 ? rng() % 256 : r == 1 ? rng() % 32 : 32 + rng() % 95);
        }
        return s;
    };
    auto number = [&] {
        std::uint64_t bits = rng();
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return coin() ? d : static_cast<double>(rng() % 100000) / 8;
    };
    for (int round = 0; round < 500; ++round) {
        std::vector<UnitStatus> units(rng() % 4);
        for (auto& u : units) {
            u.name = text();
            u.state = text();
            if (coin()) u.pid = static_cast<long long>(rng());
            if (coin()) u.since = number();
            if (coin()) u.uptime_s = number();
            u.restarts = rng();
            if (coin()) u.accepted = rng();
            if (coin()) u.active = rng();
            if (coin()) u.status_text = text();
            if (coin())
                u.last_exit = coin() ? LastExit{static_cast<int>(rng()), std::nullopt, number()}
                                     : LastExit{std::nullopt, text(), number()};
            u.listen.resize(rng() % 3);
            for (auto& l : u.listen) {
                l = {text(),
                     text(),
                     text(),
                     std::nullopt,
                     std::nullopt,
                     std::nullopt,
                     static_cast<int>(rng())};
                if (coin()) l.mode = text();
                if (coin()) l.owner = text();
                if (coin()) l.group = text();
            }
        }
        ASSERT_EQ(written(units), dumped(units)) << "round " << round;
    }
}

TEST(StatusWriter, AppendsToWhatIsThere) {
    std::string out = "prefix:";
    append_status_array(out, {full_unit()});
    EXPECT_EQ(out, "prefix:" + dumped({full_unit()}));
}

}  // namespace
}  // namespace sv::control
