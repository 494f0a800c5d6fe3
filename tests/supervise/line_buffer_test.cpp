// LineBuffer: splitting at any byte boundary, CRLF, the length cap (no byte lost,
// no character cut), EOF, escaping, and bounded memory under a flood.
#include "supervise/line_buffer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sv::supervise {
namespace {

using Lines = std::vector<std::string>;

// Feeds `input` in chunks of `chunk` bytes and collects everything, finish() included.
Lines run(const std::string& input, std::size_t chunk, std::size_t max_line = 4096) {
    LineBuffer buf(max_line);
    Lines all;
    for (std::size_t i = 0; i < input.size(); i += chunk) {
        Lines got = buf.feed(std::string_view(input).substr(i, chunk));
        all.insert(all.end(), got.begin(), got.end());
    }
    if (auto last = buf.finish()) all.push_back(*last);
    return all;
}

TEST(LineBuffer, SplitsLinesWhateverTheReadSizes) {
    const std::string input = "one\ntwo\r\n\nthree\nlast without newline";
    const Lines want = {"one", "two", "", "three", "last without newline"};
    for (std::size_t chunk : {1, 2, 3, 5, 7, 64}) EXPECT_EQ(run(input, chunk), want) << chunk;
}

TEST(LineBuffer, FeedReturnsOnlyCompleteLines) {
    LineBuffer buf;
    EXPECT_EQ(buf.feed("partial"), Lines{});
    EXPECT_EQ(buf.feed(" line\nnext"), Lines{"partial line"});
    EXPECT_EQ(buf.feed("\r"), Lines{});
    EXPECT_EQ(buf.feed("\n"), Lines{"next"});  // CR and LF in separate reads
    EXPECT_EQ(buf.finish(), std::nullopt);     // nothing pending
    EXPECT_EQ(buf.feed("again\n"), Lines{"again"});
}

TEST(LineBuffer, FinishFlushesThePartialLine) {
    LineBuffer buf;
    EXPECT_EQ(buf.feed("a\nb"), Lines{"a"});
    EXPECT_EQ(buf.finish(), "b");
    EXPECT_EQ(buf.finish(), std::nullopt);
    EXPECT_EQ(buf.feed("c\r"), Lines{});
    EXPECT_EQ(buf.finish(), "c");  // a CR before EOF is a line ending too
}

TEST(LineBuffer, OnlyTheCrBeforeTheLfIsStripped) {
    EXPECT_EQ(run("a\r\r\n", 1), Lines{"a\\x0d"});
    EXPECT_EQ(run("progress\r50%\r100%\n", 4), Lines{"progress\\x0d50%\\x0d100%"});
}

TEST(LineBuffer, LongLinesComeInPiecesAndNothingIsLost) {
    const std::size_t max = 8;
    EXPECT_EQ(run("12345678\n", 3, max), Lines{"12345678"});  // exactly the cap: one record
    EXPECT_EQ(run("123456789\n", 3, max), (Lines{"12345678", "9"}));
    EXPECT_EQ(run("1234567812345678\n", 5, max), (Lines{"12345678", "12345678"}));
    EXPECT_EQ(run("1234567812345678\r\n", 5, max), (Lines{"12345678", "12345678"}));
    EXPECT_EQ(run("12345678\r\nx\n", 1, max), (Lines{"12345678", "x"}));
    EXPECT_EQ(run("1234567812", 4, max), (Lines{"12345678", "12"}));  // at EOF
    // A long line followed by short ones: the pieces end where the line ends.
    EXPECT_EQ(run("abcdefghij\nk\n", 64, max), (Lines{"abcdefgh", "ij", "k"}));

    // Every byte of a 1 MiB line arrives, in order, in pieces of the default cap.
    std::string big;
    for (int i = 0; i < (1 << 20); ++i) big += static_cast<char>('a' + i % 26);
    Lines pieces = run(big + "\n", 65536);
    ASSERT_EQ(pieces.size(), (1u << 20) / 4096);
    std::string joined;
    for (const std::string& p : pieces) {
        EXPECT_EQ(p.size(), 4096u);
        joined += p;
    }
    EXPECT_EQ(joined, big);
}

TEST(LineBuffer, PiecesNeverCutAUtf8Character) {
    const std::string euro = "\xe2\x82\xac";       // 3 bytes
    const std::string emoji = "\xf0\x9f\x98\x80";  // 4 bytes
    // Cap 8: "123456" + euro would end at byte 9, so the first piece stops before it.
    for (std::size_t chunk : {1, 2, 3, 100}) {
        EXPECT_EQ(run("123456" + euro + "x\n", chunk, 8), (Lines{"123456", euro + "x"})) << chunk;
        EXPECT_EQ(run("12345" + emoji + "\n", chunk, 8), (Lines{"12345", emoji}));
        EXPECT_EQ(run("1234" + emoji + "5\n", chunk, 8), (Lines{"1234" + emoji, "5"}));
    }
    // A run of multibyte characters longer than the cap: only whole characters.
    std::string euros;
    for (int i = 0; i < 10; ++i) euros += euro;
    Lines got = run(euros + "\n", 7, 8);
    for (const std::string& p : got) EXPECT_EQ(p.find("\\x"), std::string::npos) << p;
    std::string joined;
    for (const std::string& p : got) joined += p;
    EXPECT_EQ(joined, euros);
}

TEST(LineBuffer, InvalidBytesAtTheCapAreCutAnywhere) {
    // A lone lead byte followed by ASCII is not a character: no reason to back off.
    EXPECT_EQ(run("1234567\xe2"
                  "abc\n",
                  100, 8),
              (Lines{"1234567\\xe2", "abc"}));
}

TEST(LineBuffer, EscapesWhatWouldBreakALogLine) {
    EXPECT_EQ(escape_log_line("plain text, tabs\tstay"), "plain text, tabs\tstay");
    EXPECT_EQ(escape_log_line("caf\xc3\xa9 \xe2\x9c\x93"), "caf\xc3\xa9 \xe2\x9c\x93");
    EXPECT_EQ(escape_log_line("\x1b[31mred\x1b[0m"), "\\x1b[31mred\\x1b[0m");
    EXPECT_EQ(escape_log_line(std::string("nul\0here", 8)), "nul\\x00here");
    EXPECT_EQ(escape_log_line("del\x7f"), "del\\x7f");
    EXPECT_EQ(escape_log_line("csi\xc2\x9b"), "csi\\xc2\\x9b");  // C1 control
    EXPECT_EQ(escape_log_line("nbsp\xc2\xa0"), "nbsp\xc2\xa0");  // not a control
    EXPECT_EQ(escape_log_line("latin1 \xe9t\xe9"), "latin1 \\xe9t\\xe9");
    EXPECT_EQ(escape_log_line("overlong \xc0\xaf"), "overlong \\xc0\\xaf");
    EXPECT_EQ(escape_log_line("surrogate \xed\xa0\x80"), "surrogate \\xed\\xa0\\x80");
    EXPECT_EQ(escape_log_line("cut \xe2\x82"), "cut \\xe2\\x82");
    EXPECT_EQ(escape_log_line("back\\slash"), "back\\slash");  // passes unchanged
    // Records from feed() are escaped the same way.
    EXPECT_EQ(run("\x1b[2Jhi\n", 2), Lines{"\\x1b[2Jhi"});
}

TEST(LineBuffer, MemoryStaysBoundedUnderAFlood) {
    // 16 MiB without a newline, fed in 1 MiB reads: pieces come out as it goes.
    LineBuffer buf(4096);
    const std::string chunk(1 << 20, 'z');
    std::size_t records = 0;
    for (int i = 0; i < 16; ++i) records += buf.feed(chunk).size();
    EXPECT_EQ(records, 16u * 256u - 1);  // the last 4096 bytes wait for more
    EXPECT_EQ(buf.finish()->size(), 4096u);
}

TEST(LineBuffer, TinyCapStillMakesProgress) {
    // The cap is raised to 4 so that any character fits in one piece.
    EXPECT_EQ(run("\xf0\x9f\x98\x80\xf0\x9f\x98\x80\n", 1, 1),
              (Lines{"\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80"}));
}

}  // namespace
}  // namespace sv::supervise
