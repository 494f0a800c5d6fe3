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

// YYYY-MM-DD, underscores ignored as toml++ does while it classifies a value.
bool is_local_date(std::string_view token) {
    std::string chars;
    for (char c : token)
        if (c != '_') chars += c;
    if (chars.size() != 10 || chars[4] != '-' || chars[7] != '-') return false;
    for (std::size_t k : {0, 1, 2, 3, 5, 6, 8, 9})
        if (chars[k] < '0' || chars[k] > '9') return false;
    return true;
}

}  // namespace

std::optional<PrescanFinding> prescan_toml(std::string_view text, int max_depth) {
    State state = State::normal;
    std::string open;  // the open '[' and '{' outside strings: 'h'eader, 'a'rray, 't'able
    int dots = 0;      // dots in the current key segment
    bool value_context = false;  // after '=', or in an array: a token here is a value
    enum class Token { none, key, value } token = Token::none;  // inside a bare token
    std::size_t token_begin = 0;
    auto starts = [&](std::size_t i, std::string_view s) { return text.substr(i).starts_with(s); };
    std::size_t i = text.starts_with("\xEF\xBB\xBF") ? 3 : 0;  // toml++ skips a UTF-8 BOM
    for (; i < text.size(); ++i) {
        const char c = text[i];
        switch (state) {
            case State::comment:
                if (c == '\n') {
                    state = State::normal;
                    if (open.empty()) value_context = false;
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
        // toml++ classifies an unquoted value by reading ahead to the next space,
        // ',', ']', '}' or '#', quotes and brackets included: `x = 5"é"` is one
        // token, and so is `x = 1979-05-27 "é"` (a date-time may follow the space).
        // Inside such a token nothing opens a string.
        if (token != Token::none) {
            const bool ends = is_blank(c) || c == '\n' || c == ',' || c == ']' || c == '}' ||
                              c == '#' || (token == Token::key && (c == '.' || c == '='));
            if (!ends) continue;
            if (token == Token::value && c == ' ' &&
                is_local_date(text.substr(token_begin, i - token_begin)))
                continue;
            token = Token::none;
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
                if (open.empty() && !value_context) {
                    open += 'h';  // a table header
                } else if (!open.empty() && open.back() == 'h') {
                    open += 'h';  // the second '[' of [[array of tables]]
                } else {
                    open += 'a';
                    value_context = true;
                }
                dots = 0;
                break;
            case '{':
                open += 't';
                value_context = false;
                dots = 0;
                break;
            case ']':
            case '}':
                if (!open.empty()) {
                    if (open.back() == 'h') value_context = false;
                    open.pop_back();
                }
                dots = 0;
                break;
            case '.':
                ++dots;
                break;
            case '=':
                value_context = true;
                dots = 0;
                break;
            case ',':
                value_context = !open.empty() && open.back() == 'a';
                dots = 0;
                break;
            case '\n':
                if (open.empty()) value_context = false;
                dots = 0;
                break;
            default:
                if (!is_blank(c)) {
                    token = value_context ? Token::value : Token::key;
                    token_begin = i;
                }
                break;
        }
        if (static_cast<int>(open.size()) + dots + 1 > max_depth)
            return PrescanFinding{position_of(text, i),
                                  "nesting is deeper than " + std::to_string(max_depth) +
                                      " levels of tables, arrays and dotted-key parts"};
    }
    return std::nullopt;
}

}  // namespace sv::unit
