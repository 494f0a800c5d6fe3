#include "daemon/inline_unit.hpp"

#include <sstream>

#include "base/limits.hpp"
#include "unit/tomlpp.hpp"

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

std::string inline_unit_toml(const InlineOptions& in) {
    toml::array listen;
    for (const auto& address : in.listen) {
        toml::table l{{"address", address}};
        if (in.type) l.insert("type", *in.type);
        if (in.name) l.insert("name", *in.name);
        if (in.owner) l.insert("owner", *in.owner);
        if (in.group) l.insert("group", *in.group);
        if (in.mode) l.insert("mode", *in.mode);
        listen.push_back(std::move(l));
    }
    toml::array exec;
    for (const auto& arg : in.command) exec.push_back(arg);
    toml::table service{{"exec", std::move(exec)}};
    if (in.accept) service.insert("accept", true);
    if (in.eager) service.insert("start", "eager");
    if (in.restart) service.insert("restart", *in.restart);
    toml::table root{{"listen", std::move(listen)}, {"service", std::move(service)}};
    std::ostringstream text;
    text << root << '\n';
    return text.str();
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
