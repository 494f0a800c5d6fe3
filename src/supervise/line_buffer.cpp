// Line splitting with a size cap and escaping for logs. Pure; the only state is the
// unfinished line, which is never longer than max_line + 1 bytes.
#include "supervise/line_buffer.hpp"

#include <algorithm>

#include <cassert>
#include "base/utf8.hpp"

namespace sv::supervise {
namespace {

// Where to cut `s` so that the first part has at most `limit` bytes and does not
// end inside a UTF-8 character that continues past the cut (the bytes after the cut
// may not have arrived yet). Invalid bytes are cut anywhere: they are escaped one
// by one and have no boundary to respect.
std::size_t cut_point(std::string_view s, std::size_t limit) {
    // A character is at most 4 bytes, so only a lead byte among the last 3 before
    // the cut can start one that straddles it.
    for (std::size_t back = 1; back <= 3 && back <= limit; ++back) {
        const std::size_t start = limit - back;
        const auto b = static_cast<unsigned char>(s[start]);
        if ((b & 0xc0) == 0x80) continue;  // continuation byte: look further back
        // A cut at 0 would make no progress; max_line >= 4 rules it out anyway.
        if (utf8_prefix_at(s, start) > back && start > 0) return start;
        break;
    }
    return limit;
}

void strip_cr(std::string& line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
}

}  // namespace

LineBuffer::LineBuffer(std::size_t max_line) : max_line_(std::max<std::size_t>(max_line, 4)) {
    // At least 4 bytes so a cut can always keep one whole UTF-8 character.
}

std::vector<std::string> LineBuffer::feed(std::string_view bytes) {
    std::vector<std::string> out;
    while (!bytes.empty()) {
        const std::size_t nl = bytes.find('\n');
        std::string_view segment = bytes.substr(0, nl);
        // Append in slices so pending_ never grows past max_line_ + 1, however big
        // the caller's read was.
        while (!segment.empty()) {
            const std::size_t room = max_line_ + 1 - pending_.size();
            const std::size_t take = std::min(room, segment.size());
            pending_.append(segment.substr(0, take));
            segment.remove_prefix(take);
            // One byte past the limit proves the line is too long (a line of exactly
            // max_line bytes followed by '\n' stays one record).
            if (pending_.size() > max_line_) emit_piece(out);
        }
        if (nl == std::string_view::npos) break;
        emit_line(out);
        bytes.remove_prefix(nl + 1);
    }
    return out;
}

std::optional<std::string> LineBuffer::finish() {
    std::vector<std::string> out;
    if (!pending_.empty()) emit_line(out);
    continued_ = false;
    if (out.empty()) return std::nullopt;
    return std::move(out.front());
}

void LineBuffer::emit_piece(std::vector<std::string>& out) {
    const std::size_t cut = cut_point(pending_, max_line_);
    out.push_back(escape_log_line(std::string_view(pending_).substr(0, cut)));
    pending_.erase(0, cut);
    continued_ = true;
    assert(pending_.size() <= max_line_);
}

void LineBuffer::emit_line(std::vector<std::string>& out) {
    std::string line = std::move(pending_);
    pending_.clear();
    strip_cr(line);
    // A long line already returned in pieces ends here; a remainder that is empty
    // (the line was an exact multiple of the cap, or only its "\r" was left) would
    // be a spurious blank record. A genuinely empty line is logged as one.
    const bool spurious = continued_ && line.empty();
    continued_ = false;
    if (!spurious) out.push_back(escape_log_line(line));
}

std::string escape_log_line(std::string_view raw) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(raw.size());
    const auto escape = [&](unsigned char b) {
        out += "\\x";
        out += kHex[b >> 4];
        out += kHex[b & 0xf];
    };
    for (std::size_t i = 0; i < raw.size();) {
        const std::size_t len = utf8_sequence_at(raw, i);
        const auto b0 = static_cast<unsigned char>(raw[i]);
        if (len == 0) {  // not UTF-8: this byte alone, then resynchronise
            escape(b0);
            ++i;
            continue;
        }
        const bool c0 = len == 1 && ((b0 < 0x20 && b0 != '\t') || b0 == 0x7f);
        // U+0080..U+009F (C2 80..C2 9F): some terminals obey C1 controls, 0x9B is CSI.
        const bool c1 = len == 2 && b0 == 0xc2 && static_cast<unsigned char>(raw[i + 1]) < 0xa0;
        if (c0 || c1) {
            for (std::size_t k = 0; k < len; ++k) escape(static_cast<unsigned char>(raw[i + k]));
        } else {
            out.append(raw.substr(i, len));
        }
        i += len;
    }
    return out;
}

}  // namespace sv::supervise
