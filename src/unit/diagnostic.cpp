#include "unit/diagnostic.hpp"

#include <cstdio>

namespace sv::unit {
namespace {

// Messages quote unit-file text (an address, toml++'s view of a bad character):
// a newline or terminal escape in it must not forge a second diagnostic line or
// recolour the operator's terminal. Escaped here, where every diagnostic is shown.
std::string without_control_bytes(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (unsigned char c : text) {
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

}  // namespace

std::string Diagnostic::render() const {
    int line = pos.line > 0 ? pos.line : 1;
    int column = pos.column > 0 ? pos.column : 1;
    return without_control_bytes(file) + ":" + std::to_string(line) + ":" + std::to_string(column) +
           ": " + without_control_bytes(message);
}

}  // namespace sv::unit
