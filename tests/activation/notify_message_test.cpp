// Table-driven tests of the sd_notify message parser: every key, every rejection.
#include "activation/notify_message.hpp"

#include <gtest/gtest.h>

#include <string>

#include "base/limits.hpp"

namespace sv::activation {
namespace {

NotifyMessage parsed(std::string_view text) {
    auto r = parse_notify_message(text);
    EXPECT_TRUE(r.ok()) << "rejected: " << (r.ok() ? "" : r.error().message());
    return r.ok() ? r.value() : NotifyMessage{};
}

std::string rejection(std::string_view text) {
    auto r = parse_notify_message(text);
    return r.ok() ? "(accepted)" : r.error().detail;
}

TEST(NotifyMessage, Flags) {
    struct Case {
        const char* text;
        bool NotifyMessage::*field;
    };
    const Case cases[] = {
        {"READY=1", &NotifyMessage::ready},
        {"RELOADING=1", &NotifyMessage::reloading},
        {"STOPPING=1", &NotifyMessage::stopping},
        {"FDSTORE=1", &NotifyMessage::fdstore},
        {"FDSTOREREMOVE=1", &NotifyMessage::fdstoreremove},
        {"BARRIER=1", &NotifyMessage::barrier},
        {"WATCHDOG=1", &NotifyMessage::watchdog},
        {"WATCHDOG=trigger", &NotifyMessage::watchdog},
    };
    for (const Case& c : cases) {
        NotifyMessage m = parsed(c.text);
        EXPECT_TRUE(m.*(c.field)) << c.text;
        EXPECT_TRUE(m.ignored.empty()) << c.text;
        // Exactly one flag set: compare with a message that has only this one.
        NotifyMessage only;
        only.*(c.field) = true;
        EXPECT_EQ(m, only) << c.text;
    }
}

TEST(NotifyMessage, FlagsOnlyAcceptOne) {
    for (const char* text : {"READY=0", "READY=yes", "READY=", "READY=1 ", "READY= 1", "STOPPING=2",
                             "BARRIER=true", "FDSTORE=0", "WATCHDOG=0"}) {
        NotifyMessage m = parsed(text);
        EXPECT_EQ(m.ready || m.stopping || m.barrier || m.fdstore || m.watchdog, false) << text;
        ASSERT_EQ(m.ignored.size(), 1u) << text;
    }
    EXPECT_EQ(parsed("READY=0").ignored[0], "READY=0: only =1 is understood");
}

TEST(NotifyMessage, Status) {
    EXPECT_EQ(parsed("STATUS=serving 10 clients").status, "serving 10 clients");
    EXPECT_EQ(parsed("STATUS=").status, "");            // clears the status text
    EXPECT_EQ(parsed("STATUS=a=b=c").status, "a=b=c");  // only the first '=' splits
    EXPECT_EQ(parsed("STATUS=caf\xc3\xa9 \xe2\x9c\x93").status, "caf\xc3\xa9 \xe2\x9c\x93");
    // Control characters cannot reach a terminal: C0, DEL and C1 become U+FFFD.
    EXPECT_EQ(parsed("STATUS=\x1b[31mred").status, "\xef\xbf\xbd[31mred");
    EXPECT_EQ(parsed("STATUS=a\x7f").status, "a\xef\xbf\xbd");
    EXPECT_EQ(parsed("STATUS=a\xc2\x9b"
                     "b")
                  .status,
              "a\xef\xbf\xbd"
              "b");
    EXPECT_EQ(parsed("STATUS=a\tb\rc").status,
              "a b\xef\xbf\xbd"
              "c");
    // Not UTF-8: the status is dropped (as systemd does), the rest still applies.
    for (const char* bad :
         {"\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "ok\xe2\x9c"}) {
        NotifyMessage m = parsed(std::string("READY=1\nSTATUS=") + bad);
        EXPECT_FALSE(m.status.has_value()) << bad;
        EXPECT_TRUE(m.ready);
        ASSERT_EQ(m.ignored.size(), 1u);
        EXPECT_NE(m.ignored[0].find("not valid UTF-8"), std::string::npos) << m.ignored[0];
    }
}

TEST(NotifyMessage, MainPid) {
    EXPECT_EQ(parsed("MAINPID=4242").mainpid, 4242);
    EXPECT_EQ(parsed("MAINPID=1").mainpid, 1);
    for (const char* bad : {"MAINPID=0", "MAINPID=-5", "MAINPID=+5", "MAINPID= 5", "MAINPID=5x",
                            "MAINPID=", "MAINPID=99999999999", "MAINPID=0x10"}) {
        NotifyMessage m = parsed(bad);
        EXPECT_FALSE(m.mainpid.has_value()) << bad;
        ASSERT_EQ(m.ignored.size(), 1u) << bad;
        EXPECT_EQ(m.ignored[0], std::string(bad) + ": not a pid");
    }
}

TEST(NotifyMessage, Errno) {
    EXPECT_EQ(parsed("ERRNO=0").errno_value, 0);
    EXPECT_EQ(parsed("ERRNO=2").errno_value, 2);
    EXPECT_EQ(parsed("ERRNO=4095").errno_value, limits::kMaxNotifyErrno);
    for (const char* bad : {"ERRNO=4096", "ERRNO=-1", "ERRNO=ENOENT", "ERRNO=", "ERRNO=1.5"}) {
        NotifyMessage m = parsed(bad);
        EXPECT_FALSE(m.errno_value.has_value()) << bad;
        EXPECT_EQ(m.ignored.size(), 1u) << bad;
    }
}

TEST(NotifyMessage, FdStoreWithName) {
    NotifyMessage m = parsed("FDSTORE=1\nFDNAME=db-conn");
    EXPECT_TRUE(m.fdstore);
    EXPECT_EQ(m.fdname, "db-conn");
    m = parsed("FDSTOREREMOVE=1\nFDNAME=db-conn\n");
    EXPECT_TRUE(m.fdstoreremove);
    EXPECT_EQ(m.fdname, "db-conn");
    EXPECT_EQ(parsed("FDNAME=with space").fdname, "with space");
    EXPECT_EQ(parsed("FDNAME=" + std::string(255, 'x')).fdname, std::string(255, 'x'));
    for (std::string bad : {std::string("FDNAME="), std::string("FDNAME=a:b"),
                            std::string("FDNAME=") + std::string(256, 'x'),
                            std::string("FDNAME=caf\xc3\xa9"), std::string("FDNAME=a\tb")}) {
        NotifyMessage with_bad = parsed("FDSTORE=1\n" + bad);
        EXPECT_TRUE(with_bad.fdstore);
        EXPECT_FALSE(with_bad.fdname.has_value()) << bad;
        EXPECT_EQ(with_bad.ignored.size(), 1u) << bad;
    }
}

TEST(NotifyMessage, FdNameValidation) {
    EXPECT_TRUE(is_valid_fd_name("http"));
    EXPECT_TRUE(is_valid_fd_name(" ~!"));
    EXPECT_TRUE(is_valid_fd_name(std::string(limits::kMaxFdNameLength, 'a')));
    EXPECT_FALSE(is_valid_fd_name(""));
    EXPECT_FALSE(is_valid_fd_name(std::string(limits::kMaxFdNameLength + 1, 'a')));
    EXPECT_FALSE(is_valid_fd_name("a:b"));
    EXPECT_FALSE(is_valid_fd_name("a\x7f"));
    EXPECT_FALSE(is_valid_fd_name("a\x1f"));
}

TEST(NotifyMessage, Multiline) {
    NotifyMessage m = parsed("READY=1\nSTATUS=up\nMAINPID=7\n");
    EXPECT_TRUE(m.ready);
    EXPECT_EQ(m.status, "up");
    EXPECT_EQ(m.mainpid, 7);
    EXPECT_TRUE(m.ignored.empty());
    // Blank lines anywhere are harmless.
    m = parsed("\n\nREADY=1\n\n\nSTOPPING=1\n\n");
    EXPECT_TRUE(m.ready);
    EXPECT_TRUE(m.stopping);
    EXPECT_TRUE(m.ignored.empty());
}

TEST(NotifyMessage, FirstOccurrenceWins) {
    NotifyMessage m = parsed("STATUS=one\nSTATUS=two\nMAINPID=5\nMAINPID=6");
    EXPECT_EQ(m.status, "one");
    EXPECT_EQ(m.mainpid, 5);
    ASSERT_EQ(m.ignored.size(), 2u);
    EXPECT_EQ(m.ignored[0], "STATUS=two: repeated key; the first one counts");
}

TEST(NotifyMessage, UnknownAndUnsupportedKeys) {
    NotifyMessage m = parsed(
        "READY=1\nX_CUSTOM=1\nWATCHDOG_USEC=1000\nEXTEND_TIMEOUT_USEC=5\n"
        "NOTIFYACCESS=all\nready=1");
    EXPECT_TRUE(m.ready);
    ASSERT_EQ(m.ignored.size(), 5u);
    EXPECT_EQ(m.ignored[0], "X_CUSTOM=1: unknown key");
    EXPECT_EQ(m.ignored[1], "WATCHDOG_USEC=1000: not supported by sockvisor");
    EXPECT_EQ(m.ignored[3], "NOTIFYACCESS=all: not supported by sockvisor");
    EXPECT_EQ(m.ignored[4], "ready=1: unknown key");  // keys are case-sensitive
}

TEST(NotifyMessage, IgnoredLinesAreEscapedAndShort) {
    NotifyMessage m = parsed("X=\x1b[2J\\");
    ASSERT_EQ(m.ignored.size(), 1u);
    EXPECT_EQ(m.ignored[0], "X=\\x1b[2J\\x5c: unknown key");
    m = parsed("X=" + std::string(500, 'y'));
    ASSERT_EQ(m.ignored.size(), 1u);
    EXPECT_EQ(m.ignored[0], "X=" + std::string(78, 'y') + "...: unknown key");
}

TEST(NotifyMessage, BarrierExcludesEverythingElse) {
    NotifyMessage m = parsed("BARRIER=1");
    EXPECT_TRUE(m.barrier);
    m = parsed("BARRIER=1\nREADY=1\nSTATUS=x");
    NotifyMessage expected;
    expected.barrier = true;
    expected.ignored = {"READY=1: sent with BARRIER=1", "STATUS=x: sent with BARRIER=1"};
    EXPECT_EQ(m, expected);
}

TEST(NotifyMessage, Rejections) {
    struct Case {
        std::string text;
        std::string why;
    };
    const Case cases[] = {
        {"", "empty message"},
        {"\n", "empty message"},
        {"\n\n\n", "empty message"},
        {"READY", "line 1 has no '='"},
        {"READY=1\nbogus", "line 2 has no '='"},
        {"READY=1\n\nbogus\n", "line 3 has no '='"},
        {"=1", "line 1 has an empty key"},
        {std::string("READY=1\0STATUS=x", 16), "contains a NUL byte"},
        {std::string("READY=1\n\0", 9), "contains a NUL byte"},
        {std::string(limits::kMaxNotifyMessageBytes + 1, 'a'), "larger than 4096 bytes"},
    };
    for (const Case& c : cases) EXPECT_EQ(rejection(c.text), c.why) << c.text.size();
    auto r = parse_notify_message("READY");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message(), "cannot parse 'notify message': line 1 has no '='");
}

TEST(NotifyMessage, ExactlyAtTheSizeLimit) {
    std::string text = "STATUS=";
    text += std::string(limits::kMaxNotifyMessageBytes - text.size(), 's');
    ASSERT_EQ(text.size(), limits::kMaxNotifyMessageBytes);
    EXPECT_EQ(parsed(text).status->size(), limits::kMaxNotifyMessageBytes - 7);
}

TEST(NotifyMessage, CarriageReturnIsPartOfTheValue) {
    // sd_notify senders use "\n"; a "\r" is data, so READY=1\r is not READY=1.
    NotifyMessage m = parsed("READY=1\r\n");
    EXPECT_FALSE(m.ready);
    EXPECT_EQ(m.ignored.size(), 1u);
}

}  // namespace
}  // namespace sv::activation
