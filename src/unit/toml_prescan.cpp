#include "unit/toml_prescan.hpp"

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

bool is_non_ascii(char c) { return static_cast<unsigned char>(c) >= 0x80; }

PrescanFinding non_ascii_at(std::string_view text, std::size_t index) {
    return {position_of(text, index),
            "invalid TOML: a non-ASCII character may appear only in a string or a comment"};
}

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// For text[i] == '\\' in a multi-line basic string: the index of the last
// character toml++ tests for whitespace there — the escaped character itself, or,
// for a line-ending backslash, the first one after the blanks and line breaks it
// trims (or after the blanks, when no line break follows).
std::size_t whitespace_tested_after_backslash(std::string_view text, std::size_t i) {
    std::size_t j = i + 1;
    if (j < text.size() && !is_blank(text[j]) && text[j] != '\n') return j;
    while (j < text.size() && is_blank(text[j])) ++j;
    if (j >= text.size() || text[j] != '\n') return j;
    while (j < text.size() && (is_blank(text[j]) || text[j] == '\n')) ++j;
    return j;
}

}  // namespace

std::optional<PrescanFinding> prescan_toml(std::string_view text, int max_depth) {
    State state = State::normal;
    int brackets = 0;  // open [ and { outside strings
    int dots = 0;      // dots in the current key segment
    char prev = '\n';  // the last character outside strings other than ' ', '\t', '\r'
    auto starts = [&](std::size_t i, std::string_view s) { return text.substr(i).starts_with(s); };
    std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // toml++ skips a UTF-8 BOM
    for (; i < text.size(); ++i) {
        const char c = text[i];
        switch (state) {
            case State::comment:
                if (c == '\n') {
                    state = State::normal;
                    prev = c;
                }
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
                    // toml++ asks whether the escaped character, and after a
                    // line-ending backslash each one it trims, is whitespace with the
                    // same broken check (toml++ issue #190).
                    std::size_t j = whitespace_tested_after_backslash(text, i);
                    if (j < text.size() && is_non_ascii(text[j]))
                        return PrescanFinding{position_of(text, j),
                                              "a non-ASCII character after a backslash in a "
                                              "multi-line string is not supported by toml++ "
                                              "3.3; write it as \\uXXXX"};
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
        // TOML 1.0 allows non-ASCII only in strings and comments, and toml++
        // 3.3.0's is_non_ascii_horizontal_whitespace() reaches TOML_UNREACHABLE for
        // most code points (U+00A1, 'é', ...) when it meets one anywhere else.
        if (is_non_ascii(c)) return non_ascii_at(text, i);
        // toml++ classifies a value by reading ahead to the next space, ',', ']',
        // '}' or '#', quotes included: `x = 5"é"` is read as one token. So a quote
        // opens a string only where a key or a value starts.
        const bool token_start = std::string_view("=[{,\n").find(prev) != std::string_view::npos;
        if (!is_blank(c)) prev = c;
        switch (c) {
            case '#':
                state = State::comment;
                break;
            case '"':
                if (!token_start) break;
                state = starts(i, "\"\"\"") ? State::multi_basic : State::basic;
                if (state == State::multi_basic) i += 2;
                break;
            case '\'':
                if (!token_start) break;
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
        if (brackets + dots + 1 > max_depth)
            return PrescanFinding{position_of(text, i),
                                  "nesting is deeper than " + std::to_string(max_depth) +
                                      " levels of tables, arrays and dotted-key parts"};
    }
    return std::nullopt;
}

}  // namespace sv::unit
