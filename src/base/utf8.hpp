// UTF-8 well-formedness at a position (RFC 3629: no overlongs, no surrogates,
// nothing above U+10FFFF). Shared by the notify parser (STATUS=) and the log
// line buffer; pure.
#pragma once

#include <cstddef>
#include <string_view>

namespace sv {

// If s[i..] begins a well-formed UTF-8 character — possibly cut short by the end
// of s — its full length; 0 when the bytes present already rule that out.
std::size_t utf8_prefix_at(std::string_view s, std::size_t i);

// Length of the complete, well-formed UTF-8 character at s[i], or 0.
std::size_t utf8_sequence_at(std::string_view s, std::size_t i);

}  // namespace sv
