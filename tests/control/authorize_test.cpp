// Who may run what: every (caller, command) cell of SPEC §8's rule, and the
// refusal's exact text.
#include "control/authorize.hpp"

#include <gtest/gtest.h>

#include <array>

namespace sv::control {
namespace {

constexpr std::array kAll{Command::status, Command::start, Command::stop, Command::restart,
                          Command::reload};
constexpr uid_t kOwn = 998;  // sockvisord's own (unprivileged) user
const ControlGroup kGroup{500, "sockvisor"};

bool allowed(Command c, PeerCred peer, std::vector<gid_t> groups = {},
             std::optional<ControlGroup> group = kGroup, uid_t own = kOwn) {
    return authorize(c, peer, own, group, groups).allowed;
}

TEST(Authorize, RootMayRunEverything) {
    for (auto c : kAll) EXPECT_TRUE(allowed(c, {1, 0, 0}));
    for (auto c : kAll) EXPECT_TRUE(allowed(c, {1, 0, 0}, {}, std::nullopt));
}

TEST(Authorize, OwnUserMayRunEverything) {
    for (auto c : kAll) EXPECT_TRUE(allowed(c, {1, kOwn, 100}));
    for (auto c : kAll) EXPECT_TRUE(allowed(c, {1, kOwn, 100}, {}, std::nullopt));
}

TEST(Authorize, GroupMemberByPrimaryGidMayRunStatusOnly) {
    for (auto c : kAll) EXPECT_EQ(allowed(c, {1, 1000, 500}), c == Command::status) << to_string(c);
}

TEST(Authorize, GroupMemberBySupplementaryGroupMayRunStatusOnly) {
    for (auto c : kAll)
        EXPECT_EQ(allowed(c, {1, 1000, 1000}, {27, 500, 1000}), c == Command::status)
            << to_string(c);
}

TEST(Authorize, OthersMayRunNothing) {
    for (auto c : kAll) EXPECT_FALSE(allowed(c, {1, 1000, 1000}, {27, 1000}));
    // Without a control group, group 500 means nothing.
    for (auto c : kAll) EXPECT_FALSE(allowed(c, {1, 1000, 500}, {500}, std::nullopt));
}

TEST(Authorize, RefusalTextNamesUidCommandAndWhoMay) {
    EXPECT_EQ(authorize(Command::stop, {7, 1000, 1000}, 0, kGroup, {}).message,
              "permission denied: uid 1000 may not run 'stop' (only root may; members of group "
              "'sockvisor' may run 'status')");
    EXPECT_EQ(authorize(Command::reload, {7, 1000, 500}, kOwn, kGroup, {}).message,
              "permission denied: uid 1000 may not run 'reload' (only root and uid 998 may; "
              "members of group 'sockvisor' may run 'status')");
    EXPECT_EQ(authorize(Command::status, {7, 1000, 1000}, 0, std::nullopt, {}).message,
              "permission denied: uid 1000 may not run 'status' (only root may)");
    EXPECT_EQ(authorize(Command::status, {7, 0, 0}, kOwn, kGroup, {}).message, "");
}

TEST(Authorize, OnlyStatusIsReadOnly) {
    for (auto c : kAll) EXPECT_EQ(is_read_only(c), c == Command::status);
}

}  // namespace
}  // namespace sv::control
