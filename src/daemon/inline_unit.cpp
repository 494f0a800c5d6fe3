#include "daemon/inline_unit.hpp"

#include <string_view>

#include "base/limits.hpp"

namespace sv::daemon {

std::string inline_unit_name(const InlineOptions& in) {
    std::string base = in.command.empty() ? "inline" : in.command.front();
    if (auto slash = base.rfind('/'); slash != std::string::npos) base = base.substr(slash + 1);
    std::string name;
    for (char c : base) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
        name += ok ? c : '_';
    }
    if (name.empty() || name == "." || name == "..") name = "inline";
    if (name.size() > limits::kMaxUnitNameLength) name.resize(limits::kMaxUnitNameLength);
    return name;
}

namespace {

// A TOML basic string. Written here rather than with toml++'s formatter, which
// alone would pull iostreams and libm into sockvisord (docs/design.md "Memory").
std::string quoted(std::string_view value) {
    std::string out = "\"";
    for (char c : value) {
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                    static constexpr char kHex[] = "0123456789abcdef";
                    out += "\\u00";
                    out += kHex[(c >> 4) & 0xf];
                    out += kHex[c & 0xf];
                } else {
                    out += c;
                }
        }
    }
    return out + "\"";
}

void line(std::string& out, std::string_view key, const std::optional<std::string>& value) {
    if (value) out.append(key).append(" = ").append(quoted(*value)).append("\n");
}

}  // namespace

std::string inline_unit_toml(const InlineOptions& in) {
    std::string out;
    for (const auto& address : in.listen) {
        out += "[[listen]]\n";
        line(out, "address", address);
        line(out, "type", in.type);
        line(out, "name", in.name);
        line(out, "owner", in.owner);
        line(out, "group", in.group);
        line(out, "mode", in.mode);
        out += "\n";
    }
    out += "[service]\nexec = [";
    for (std::size_t i = 0; i < in.command.size(); ++i)
        out.append(i == 0 ? "" : ", ").append(quoted(in.command[i]));
    out += "]\n";
    if (in.accept) out += "accept = true\n";
    if (in.eager) out += "start = \"eager\"\n";
    line(out, "restart", in.restart);
    return out;
}

std::optional<unit::Unit> load_inline_unit(const InlineOptions& in, const unit::LoadContext& ctx,
                                           unit::Diagnostics& out) {
    // The unit name comes from the file name, so parse as "COMMAND.toml"; but
    // the generated TOML's line numbers mean nothing to the user, so problems are
    // reported against the command line instead ("command line:1:1: key 'mode' ...").
    std::string file = inline_unit_name(in) + ".toml";
    size_t first_new = out.size();
    auto unit = unit::parse_unit(file, inline_unit_toml(in), ctx, out);
    for (size_t i = first_new; i < out.size(); ++i) {
        out[i].file = "command line";
        out[i].pos = {};
    }
    return unit;
}

}  // namespace sv::daemon
