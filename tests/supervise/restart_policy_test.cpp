// Backoff arithmetic and the start limit window, without a clock.
#include "supervise/restart_policy.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace sv::supervise {
namespace {

using std::chrono::milliseconds;
const TimePoint T0 = TimePoint{} + std::chrono::hours(1);

TEST(StartLimit, AdmitsBurstStartsPerWindow) {
    unit::ServiceSpec spec;  // 5 in 10s
    StartLimit limit;
    for (int i = 0; i < 5; ++i) EXPECT_TRUE(limit.admit(spec, T0 + milliseconds(i))) << i;
    EXPECT_FALSE(limit.admit(spec, T0 + milliseconds(9999)));
    EXPECT_EQ(limit.starts, 5);  // a refused start is not recorded
    // The window opened at T0 closes at T0 + 10s.
    EXPECT_TRUE(limit.admit(spec, T0 + milliseconds(10000)));
    EXPECT_EQ(limit.window_begin, T0 + milliseconds(10000));
    EXPECT_EQ(limit.starts, 1);
}

TEST(StartLimit, ResetForgets) {
    unit::ServiceSpec spec;
    spec.start_limit_burst = 1;
    StartLimit limit;
    EXPECT_TRUE(limit.admit(spec, T0));
    EXPECT_FALSE(limit.admit(spec, T0));
    limit.reset();
    EXPECT_TRUE(limit.admit(spec, T0));
}

TEST(StartLimit, ZeroBurstOrIntervalDisables) {
    unit::ServiceSpec spec;
    spec.start_limit_burst = 0;
    StartLimit limit;
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limit.admit(spec, T0));
    spec.start_limit_burst = 5;
    spec.start_limit_interval = milliseconds(0);
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(limit.admit(spec, T0));
}

TEST(Backoff, DelayDoublesUpToMax) {
    unit::ServiceSpec spec;  // 100ms .. 10s
    std::vector<long> got;
    for (unsigned n = 0; n < 10; ++n) got.push_back(backoff_delay(spec, n).count());
    EXPECT_EQ(got, (std::vector<long>{100, 200, 400, 800, 1600, 3200, 6400, 10000, 10000, 10000}));
    EXPECT_EQ(backoff_delay(spec, 4000000000u), milliseconds(10000));  // no overflow
}

TEST(Backoff, FirstDelayAboveMaxWins) {
    unit::ServiceSpec spec;
    spec.restart_delay = milliseconds(5000);
    spec.restart_delay_max = milliseconds(1000);
    EXPECT_EQ(backoff_delay(spec, 0), milliseconds(5000));
    EXPECT_EQ(backoff_delay(spec, 3), milliseconds(5000));
}

TEST(Backoff, ZeroDelayStaysZero) {
    unit::ServiceSpec spec;
    spec.restart_delay = milliseconds(0);
    EXPECT_EQ(backoff_delay(spec, 5), milliseconds(0));
}

TEST(Backoff, NextCountsAndResetsAfterStayingUp) {
    unit::ServiceSpec spec;
    Backoff b;
    EXPECT_EQ(b.next(spec, milliseconds(0)), milliseconds(100));
    EXPECT_EQ(b.next(spec, milliseconds(50)), milliseconds(200));
    EXPECT_EQ(b.next(spec, milliseconds(9999)), milliseconds(400));
    EXPECT_EQ(b.next(spec, milliseconds(10000)), milliseconds(100));  // stayed up 10s
    EXPECT_EQ(b.consecutive, 1u);
    b.reset();
    EXPECT_EQ(b.next(spec, milliseconds(0)), milliseconds(100));
}

}  // namespace
}  // namespace sv::supervise
