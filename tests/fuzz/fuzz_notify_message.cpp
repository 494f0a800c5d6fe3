// libFuzzer target: sv::activation::parse_notify_message on arbitrary bytes as one
// NOTIFY_SOCKET datagram. The notify socket is mode 0666: any local process can
// send to it, and the text is parsed before the sender's SCM_CREDENTIALS decide
// whether it counts. Beyond ASan/UBSan it checks notify_message.hpp's contract:
//   - larger than kMaxNotifyMessageBytes or holding a NUL: rejected;
//   - STATUS is valid UTF-8 with no C0/C1 control character or DEL;
//   - MAINPID > 0, 0 <= ERRNO <= kMaxNotifyErrno, FDNAME passes is_valid_fd_name;
//   - BARRIER=1 with anything else keeps only the barrier;
//   - every `ignored` line is printable ASCII: 80 input bytes at most, escaped.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "activation/notify_message.hpp"
#include "base/limits.hpp"

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "fuzz_notify_message: %s: %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

// Well-formed UTF-8 (RFC 3629) with no C0, DEL or C1 control character.
bool clean_utf8(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
        const unsigned char c = b(i);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if (c < 0x80) {
            len = 1, cp = c;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2, cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3, cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4, cp = c & 0x07;
        } else {
            return false;
        }
        if (i + len > s.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((b(i + k) & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (b(i + k) & 0x3f);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return false;
        i += len;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace limits = sv::limits;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto result = sv::activation::parse_notify_message(text);

    const bool must_reject = size > limits::kMaxNotifyMessageBytes ||
                             text.find('\0') != std::string_view::npos ||
                             text.find_first_not_of('\n') == std::string_view::npos;
    if (!result) {
        if (result.error().message().empty()) fail("rejection without a reason", text);
        return 0;
    }
    if (must_reject) fail("accepted a message it must reject", text);

    const auto& m = result.value();
    if (m.status && !clean_utf8(*m.status)) fail("STATUS not clean UTF-8", *m.status);
    if (m.mainpid && *m.mainpid <= 0) fail("MAINPID <= 0", text);
    if (m.errno_value && (*m.errno_value < 0 || *m.errno_value > limits::kMaxNotifyErrno))
        fail("ERRNO out of range", text);
    if (m.fdname && !sv::activation::is_valid_fd_name(*m.fdname)) fail("bad FDNAME", *m.fdname);
    if (m.barrier && (m.ready || m.reloading || m.stopping || m.status || m.mainpid ||
                      m.errno_value || m.fdstore || m.fdname || m.fdstoreremove || m.watchdog))
        fail("BARRIER=1 with other fields", text);
    for (const std::string& line : m.ignored) {
        for (unsigned char c : line)
            if (c < 0x20 || c >= 0x7f) fail("unprintable byte in `ignored`", line);
        // printable(): the first 80 bytes, each at most \\xHH, then "..."; ": reason".
        if (line.size() > 4 * 80 + 3 + 64) fail("`ignored` line too long", line);
    }
    return 0;
}
