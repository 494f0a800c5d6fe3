// Cross-unit checks: no address and no filesystem path (socket or symlink) is
// declared twice, within a unit or across units. The later declaration is the
// error, and its unit is rejected; the earlier one keeps running.
#include <arpa/inet.h>

#include <map>

#include "unit/loader.hpp"
#include "unit/names.hpp"

namespace sv::unit {
namespace {

struct Declaration {
    std::string unit;
    std::string where;  // "units/a.toml:3:1"
};

// Numeric host in one spelling, so "[::0]" and "[::]" are the same address.
std::string canonical_host(const net::Address& a) {
    unsigned char buf[sizeof(in6_addr)];
    char text[INET6_ADDRSTRLEN];
    const int af = a.ipv6 ? AF_INET6 : AF_INET;
    if (inet_pton(af, a.host.c_str(), buf) == 1 && inet_ntop(af, buf, text, sizeof text))
        return text;
    return a.host;
}

// The namespace key of an address; "" for addresses that cannot clash (port 0
// asks the kernel for a fresh port each time).
std::string key_of(const net::Address& a) {
    switch (a.family) {
        case net::Family::unix_path:
            return "path:" + a.path;
        case net::Family::unix_abstract:
            return "abstract:" + a.path;
        case net::Family::tcp:
        case net::Family::udp:
            if (a.port == 0) return {};
            return std::string(a.family == net::Family::tcp ? "tcp:" : "udp:") + canonical_host(a) +
                   ":" + std::to_string(a.port);
    }
    return {};
}

// "units/a.toml:3:1", as Diagnostic::render() writes a position.
std::string location(const Unit& unit, const ListenSpec& l) {
    std::string text = Diagnostic{unit.file, l.pos, ""}.render();
    return text.substr(0, text.size() - 2);  // drop the ": " before the empty message
}

}  // namespace

void check_unique_addresses(std::vector<Unit>& units, Diagnostics& out,
                            std::vector<std::string>& failed_files) {
    std::map<std::string, Declaration> seen;
    std::vector<Unit> kept;
    for (Unit& unit : units) {
        // This unit's own declarations join `seen` only if the unit is kept, so a
        // rejected unit never makes a later one fail.
        std::map<std::string, Declaration> mine;
        Diagnostics problems;
        auto claim = [&](const std::string& key, const std::string& what, const ListenSpec& l) {
            if (key.empty()) return;
            const Declaration* earlier = nullptr;
            if (auto s = seen.find(key); s != seen.end())
                earlier = &s->second;
            else if (auto m = mine.find(key); m != mine.end())
                earlier = &m->second;
            if (earlier) {
                problems.push_back({unit.file, l.pos,
                                    what + " is already declared by unit '" + earlier->unit +
                                        "' (" + earlier->where + ")"});
                return;
            }
            mine.emplace(key, Declaration{unit.name, location(unit, l)});
        };
        for (const ListenSpec& l : unit.listen) {
            claim(key_of(l.address), "address '" + escaped(net::to_string(l.address)) + "'", l);
            for (const std::string& link : l.symlinks)
                claim("path:" + link, "symlink '" + escaped(link) + "'", l);
        }
        if (problems.empty()) {
            seen.insert(mine.begin(), mine.end());
            kept.push_back(std::move(unit));
        } else {
            out.insert(out.end(), problems.begin(), problems.end());
            failed_files.push_back(unit.file);
        }
    }
    units = std::move(kept);
}

}  // namespace sv::unit
