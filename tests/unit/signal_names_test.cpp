#include "unit/signal_names.hpp"

#include <gtest/gtest.h>
#include <signal.h>

namespace sv::unit {
namespace {

TEST(SignalNames, WithAndWithoutPrefix) {
    EXPECT_EQ(parse_signal_name("SIGTERM"), SIGTERM);
    EXPECT_EQ(parse_signal_name("TERM"), SIGTERM);
    EXPECT_EQ(parse_signal_name("SIGKILL"), SIGKILL);
    EXPECT_EQ(parse_signal_name("QUIT"), SIGQUIT);
    EXPECT_EQ(parse_signal_name("WINCH"), SIGWINCH);
}

TEST(SignalNames, Rejects) {
    for (const char* bad : {"", "sigterm", "SIG", "15", "SIGSTOP", "SIGFOO", "SIGTERM "})
        EXPECT_FALSE(parse_signal_name(bad)) << bad;
}

TEST(SignalNames, Names) {
    EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
    EXPECT_EQ(signal_name(SIGSTOP), "");
}

}  // namespace
}  // namespace sv::unit
