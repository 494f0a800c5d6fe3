#include "unit/nesting_scan.hpp"

namespace sv::unit {
namespace {

enum class State { normal, comment, basic, literal, multi_basic, multi_literal };

// Line and column of byte `index`, columns counted in code points as toml++ does.
SourcePos position_of(std::string_view text, std::size_t index) {
    SourcePos pos{1, 1};
    for (std::size_t i = 0; i < index && i < text.size(); ++i) {
        if (text[i] == '\n')
            pos = {pos.line + 1, 1};
        else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
            ++pos.column;
    }
    return pos;
}

}  // namespace

std::optional<SourcePos> find_excess_nesting(std::string_view text, int max_depth) {
    State state = State::normal;
    int brackets = 0;  // open [ and { outside strings
    int dots = 0;      // dots in the current key segment
    auto starts = [&](std::size_t i, std::string_view s) { return text.substr(i).starts_with(s); };
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        switch (state) {
            case State::comment:
                if (c == '\n') state = State::normal;
                continue;
            case State::basic:
                if (c == '\\')
                    ++i;  // the escaped character cannot end the string
                else if (c == '"' || c == '\n')
                    state = State::normal;
                continue;
            case State::literal:
                if (c == '\'' || c == '\n') state = State::normal;
                continue;
            case State::multi_basic:
            case State::multi_literal: {
                const char quote = state == State::multi_basic ? '"' : '\'';
                if (state == State::multi_basic && c == '\\') {
                    ++i;
                } else if (c == quote && starts(i, std::string(3, quote))) {
                    // Up to two more quotes belong to the content: """a""""" ends last.
                    std::size_t j = i + 2;
                    while (j + 1 < text.size() && text[j + 1] == quote && j - i < 4) ++j;
                    i = j;
                    state = State::normal;
                }
                continue;
            }
            case State::normal:
                break;
        }
        switch (c) {
            case '#':
                state = State::comment;
                break;
            case '"':
                state = starts(i, "\"\"\"") ? State::multi_basic : State::basic;
                if (state == State::multi_basic) i += 2;
                break;
            case '\'':
                state = starts(i, "'''") ? State::multi_literal : State::literal;
                if (state == State::multi_literal) i += 2;
                break;
            case '[':
            case '{':
                ++brackets;
                dots = 0;
                break;
            case ']':
            case '}':
                if (brackets > 0) --brackets;
                dots = 0;
                break;
            case '.':
                ++dots;
                break;
            case '\n':
            case '=':
            case ',':
                dots = 0;
                break;
            default:
                break;
        }
        if (brackets + dots + 1 > max_depth) return position_of(text, i);
    }
    return std::nullopt;
}

}  // namespace sv::unit
