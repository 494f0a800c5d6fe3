#include "unit/listen_table.hpp"

#include <array>
#include <utility>
#include <variant>

#include "base/identity.hpp"
#include "unit/names.hpp"
#include "unit/ranges.hpp"

namespace sv::unit {
namespace {

using net::Family;

constexpr std::array<std::pair<std::string_view, SocketType>, 3> kTypes{{
    {"stream", SocketType::stream},
    {"dgram", SocketType::dgram},
    {"seqpacket", SocketType::seqpacket},
}};
constexpr std::array<std::pair<std::string_view, Overwrite>, 3> kOverwrite{{
    {"stale", Overwrite::stale},
    {"leave", Overwrite::leave},
    {"always", Overwrite::always},
}};

// Keys that make sense only for some kinds of address.
constexpr std::array<std::string_view, 7> kPathnameOnly{
    "owner", "group", "mode", "directory_mode", "overwrite", "remove_on_stop", "symlinks"};
constexpr std::array<std::string_view, 1> kUnixOnly{"pass_credentials"};
constexpr std::array<std::string_view, 2> kInetOnly{"reuse_port", "ipv6_only"};

bool contains(std::span<const std::string_view> list, std::string_view name) {
    for (std::string_view s : list)
        if (s == name) return true;
    return false;
}

std::string kind_of(const net::Address& a) {
    switch (a.family) {
        case Family::unix_path:
            return "a pathname socket";
        case Family::unix_abstract:
            return "an abstract socket";
        case Family::tcp:
            return "a TCP address";
        case Family::udp:
            return "a UDP address";
    }
    return "an address";
}

// Why `key` does not apply to `a` ("applies only to pathname sockets; '@x' is
// an abstract socket"), or "" when it does.
std::string inapplicable(std::string_view key, const net::Address& a, std::string_view text) {
    const bool inet = !a.is_unix();
    std::string why;
    std::string kind = kind_of(a);
    if (contains(kPathnameOnly, key) && a.family != Family::unix_path) {
        why = "applies only to pathname sockets";
    } else if (contains(kUnixOnly, key) && inet) {
        why = "applies only to Unix sockets";
    } else if (contains(kInetOnly, key) && !inet) {
        why = "applies only to tcp:// and udp:// addresses";
    } else if (key == "ipv6_only" && inet && !a.ipv6) {
        why = "applies only to IPv6 addresses";
        kind = "an IPv4 address";
    }
    if (why.empty()) return why;
    return why + "; '" + escaped(text) + "' is " + kind;
}

class ListenReader {
  public:
    ListenReader(Reader& r, const toml::table& t, const LoadContext& ctx)
        : r_(r), table_(t), ctx_(ctx) {}

    std::optional<ListenSpec> read(const std::string& unit_name) {
        const std::size_t errors_before = r_.error_count();
        r_.reject_unknown_keys(table_, Section::listen);
        spec_.pos = position(table_);
        spec_.name = unit_name;
        read_address();
        read_type();
        for (const auto& [key, node] : table_) {
            Entry e{&key, &node};
            if (key.str() == "address" || key.str() == "type") continue;
            if (!is_known_key(Section::listen, key.str())) continue;
            if (have_address_) {
                if (std::string why = inapplicable(key.str(), spec_.address, spec_.address_text);
                    !why.empty()) {
                    r_.error(e.key_pos(), "key '" + std::string(key.str()) + "' " + why);
                    continue;
                }
            }
            read_key(e);
        }
        if (r_.error_count() != errors_before) return std::nullopt;
        return std::move(spec_);
    }

  private:
    void read_address() {
        auto e = find_entry(table_, "address");
        if (!e) {
            r_.error(spec_.pos,
                     "[[listen]] needs key 'address' (a path, @name, tcp://HOST:PORT "
                     "or udp://HOST:PORT)");
            return;
        }
        auto text = r_.string(*e);
        if (!text) return;
        auto parsed = net::parse_address(*text, ctx_.runtime_dir);
        if (const auto* err = std::get_if<net::AddressError>(&parsed)) {
            r_.error(e->value_pos(), err->message);
            return;
        }
        spec_.address_text = *text;
        spec_.address = std::get<net::Address>(parsed);
        have_address_ = true;
        // tcp:// is always stream, udp:// always dgram; `type` may only repeat that.
        if (spec_.address.family == Family::udp) spec_.type = SocketType::dgram;
    }

    void read_type() {
        auto e = find_entry(table_, "type");
        if (!e) return;
        auto type = r_.choice<SocketType>(*e, kTypes);
        if (!type) return;
        if (have_address_ && !spec_.address.is_unix()) {
            const SocketType implied =
                spec_.address.family == Family::tcp ? SocketType::stream : SocketType::dgram;
            if (*type != implied) {
                const char* scheme = spec_.address.family == Family::tcp ? "tcp://" : "udp://";
                r_.error(e->value_pos(), "key 'type' is \"" + std::string(to_string(*type)) +
                                             "\", but a " + scheme + " address is always " +
                                             std::string(to_string(implied)));
            }
            return;
        }
        spec_.type = *type;
    }

    void read_key(const Entry& e) {
        const std::string_view k = e.name();
        if (k == "name") return read_name(e);
        if (k == "owner") return read_owner(e);
        if (k == "group") return read_group(e);
        if (k == "mode") {
            if (auto m = r_.mode(e, 0777, "0660")) spec_.mode = *m;
        } else if (k == "directory_mode") {
            if (auto m = r_.mode(e, 07777, "0755")) spec_.directory_mode = *m;
        } else if (k == "overwrite") {
            if (auto o = r_.choice<Overwrite>(e, kOverwrite)) spec_.overwrite = *o;
        } else if (k == "remove_on_stop") {
            if (auto b = r_.boolean(e)) spec_.remove_on_stop = *b;
        } else if (k == "symlinks") {
            read_symlinks(e);
        } else if (k == "backlog") {
            if (have_address_ && spec_.type == SocketType::dgram) {
                r_.error(e.key_pos(),
                         "key 'backlog' does not apply to dgram sockets: they "
                         "do not listen for connections");
                return;
            }
            if (auto v = r_.integer(e, 1, ranges::kMaxBacklog))
                spec_.backlog = static_cast<int>(*v);
        } else if (k == "pass_credentials") {
            if (auto b = r_.boolean(e)) spec_.pass_credentials = *b;
        } else if (k == "receive_buffer") {
            if (auto v = r_.integer(e, 1, ranges::kMaxSocketBuffer))
                spec_.receive_buffer = static_cast<int>(*v);
        } else if (k == "send_buffer") {
            if (auto v = r_.integer(e, 1, ranges::kMaxSocketBuffer))
                spec_.send_buffer = static_cast<int>(*v);
        } else if (k == "reuse_port") {
            if (auto b = r_.boolean(e)) spec_.reuse_port = *b;
        } else if (k == "ipv6_only") {
            if (auto b = r_.boolean(e)) spec_.ipv6_only = *b;
        }
    }

    void read_name(const Entry& e) {
        auto name = r_.string(e);
        if (!name) return;
        if (!is_valid_fd_name(*name)) {
            r_.error(e.value_pos(),
                     "key 'name' must be 1-255 printable ASCII characters without "
                     "':' (it becomes an entry of LISTEN_FDNAMES), not \"" +
                         escaped(*name) + "\"");
            return;
        }
        spec_.name = *name;
    }

    void read_owner(const Entry& e) {
        auto text = r_.name_or_id(e);
        if (!text) return;
        auto user = lookup_user(*text);
        if (!user) {
            r_.error(e.value_pos(), "key 'owner' names an unknown user '" + escaped(*text) + "'");
            return;
        }
        spec_.owner = Principal{user->name, user->uid};
    }

    void read_group(const Entry& e) {
        auto text = r_.name_or_id(e);
        if (!text) return;
        auto gid = lookup_group(*text);
        if (!gid) {
            r_.error(e.value_pos(), "key 'group' names an unknown group '" + escaped(*text) + "'");
            return;
        }
        spec_.group = Principal{group_name(*gid), *gid};
    }

    void read_symlinks(const Entry& e) {
        auto texts = r_.string_array(e);
        if (!texts) return;
        const toml::array& array = *e.node->as_array();
        if (texts->size() > ranges::kMaxSymlinksPerListener) {
            r_.error(e.value_pos(),
                     "key 'symlinks' has " + std::to_string(texts->size()) + " entries; at most " +
                         std::to_string(ranges::kMaxSymlinksPerListener) + " are allowed");
            return;
        }
        for (std::size_t i = 0; i < texts->size(); ++i) {
            const std::string& text = (*texts)[i];
            const SourcePos pos = position(*array.get(i));
            const std::string shown = "symlink '" + escaped(text) + "'";
            if (text.starts_with("@") || text.find("://") != std::string::npos) {
                r_.error(pos, shown + " must be a filesystem path, not a socket address");
                continue;
            }
            auto parsed = net::parse_address(text, ctx_.runtime_dir);
            if (const auto* err = std::get_if<net::AddressError>(&parsed)) {
                // The address parser says "address '...' ..."; here it is a symlink.
                std::string message = err->message;
                if (message.starts_with("address ")) message.replace(0, 7, "symlink");
                r_.error(pos, message);
                continue;
            }
            const std::string& path = std::get<net::Address>(parsed).path;
            if (have_address_ && path == spec_.address.path) {
                r_.error(pos, shown + " is the socket's own path");
                continue;
            }
            bool repeated = false;
            for (const std::string& earlier : spec_.symlinks)
                repeated = repeated || earlier == path;
            if (repeated) {
                r_.error(pos, shown + " is listed twice");
                continue;
            }
            spec_.symlinks.push_back(path);
        }
    }

    Reader& r_;
    const toml::table& table_;
    const LoadContext& ctx_;
    ListenSpec spec_;
    bool have_address_ = false;
};

}  // namespace

std::optional<ListenSpec> read_listen(Reader& r, const toml::table& table,
                                      const std::string& unit_name, const LoadContext& ctx) {
    return ListenReader(r, table, ctx).read(unit_name);
}

}  // namespace sv::unit
