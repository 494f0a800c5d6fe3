// LineBuffer: turns a service's stdout/stderr byte stream (stdout = "log") into log
// records, one per line, safe to print. Pure and bounded: never reads the pipe,
// never logs; holds at most one record's worth of bytes between calls.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/limits.hpp"

namespace sv::supervise {

class LineBuffer {
  public:
    explicit LineBuffer(std::size_t max_line = limits::kMaxLogLineBytes);

    // Appends `bytes` (any split: a read() may end mid-line or mid-character) and
    // returns the records completed by them, in order. A record is a line without
    // its '\n' (and without a '\r' just before it). A line longer than max_line
    // bytes is returned in pieces of at most max_line input bytes, cut before a
    // UTF-8 character rather than inside it; no byte is ever dropped.
    std::vector<std::string> feed(std::string_view bytes);

    // At EOF: the last line if it had no '\n', else nullopt. The buffer is empty
    // afterwards and may be reused.
    std::optional<std::string> finish();

  private:
    void emit_piece(std::vector<std::string>& out);
    void emit_line(std::vector<std::string>& out);

    std::size_t max_line_;
    std::string pending_;     // the current line's bytes not yet returned (<= max_line_ + 1)
    bool continued_ = false;  // pending_ continues a line already returned in part
};

// How a record is made safe for a one-line-per-record log and a terminal: bytes
// that are not well-formed UTF-8, C0 control characters other than TAB, DEL and C1
// control characters become "\xHH" (one per byte). Everything else, backslashes
// included, passes unchanged — so "\x1b" in a record is either an escaped ESC or
// those four characters; the log stays readable for the common case.
std::string escape_log_line(std::string_view raw);

}  // namespace sv::supervise
