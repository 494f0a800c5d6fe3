// plan_reload over plain units: every row is a running set, a fresh LoadResult and
// the plan rendered as one line. No syscalls; the units are built in memory.
#include "daemon/reload_plan.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace sv::daemon {
namespace {

using unit::ListenSpec;
using unit::LoadResult;
using unit::Unit;

ListenSpec sock(const std::string& path, mode_t mode = 0660) {
    ListenSpec l;
    l.address_text = path;
    l.address.family = net::Family::unix_path;
    l.address.path = path;
    l.mode = mode;
    return l;
}

ListenSpec tcp(uint16_t port) {
    ListenSpec l;
    l.address_text = "tcp://127.0.0.1:" + std::to_string(port);
    l.address.family = net::Family::tcp;
    l.address.host = "127.0.0.1";
    l.address.port = port;
    return l;
}

Unit unit_of(const std::string& name, std::vector<ListenSpec> listen,
             const std::string& exec = "/bin/true", const std::string& dir = "/u") {
    Unit u;
    u.name = name;
    u.file = dir + "/" + name + ".toml";
    int line = 1;
    for (ListenSpec& l : listen) {
        if (l.name.empty()) l.name = name;
        l.pos = {line, 1};
        line += 3;
    }
    u.listen = std::move(listen);
    u.service.exec = {exec};
    return u;
}

// A unit as written again later in its file: positions moved, nothing else.
Unit shifted(Unit u) {
    for (ListenSpec& l : u.listen) l.pos.line += 10;
    return u;
}

std::map<std::string, Unit> running_of(std::vector<Unit> units) {
    std::map<std::string, Unit> out;
    for (Unit& u : units) out.emplace(u.name, std::move(u));
    return out;
}

LoadResult fresh_of(std::vector<Unit> units, std::vector<std::string> failed_files = {}) {
    LoadResult r;
    r.units = std::move(units);
    for (const std::string& f : failed_files) {
        r.failed_files.push_back(f);
        r.diagnostics.push_back({f, {2, 3}, "broken"});
    }
    return r;
}

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const std::string& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

// "unchanged=a changed=b[service;listen 0<-1 1<-new close 0] removed=c ..." — empty
// lists are left out so each row says only what matters.
std::string render(const ReloadPlan& p) {
    std::ostringstream out;
    auto list = [&](const char* label, const std::vector<std::string>& names) {
        if (!names.empty()) out << label << "=" << join(names) << " ";
    };
    std::vector<std::string> names;
    for (const Unit& u : p.unchanged) names.push_back(u.name);
    list("unchanged", names);
    if (!p.changed.empty()) {
        out << "changed=";
        bool first = true;
        for (const UnitChange& c : p.changed) {
            out << (first ? "" : ",") << c.name << "[";
            first = false;
            std::vector<std::string> parts;
            if (c.service_changed) parts.push_back("service");
            if (c.listeners_changed) {
                std::string l = "listen";
                for (std::size_t i = 0; i < c.listeners.source.size(); ++i) {
                    const auto& s = c.listeners.source[i];
                    l += " " + std::to_string(i) + "<-" + (s ? std::to_string(*s) : "new");
                }
                for (std::size_t j : c.listeners.closed) l += " close" + std::to_string(j);
                parts.push_back(l);
            }
            std::string joined;
            for (const std::string& s : parts) joined += (joined.empty() ? "" : ";") + s;
            out << joined << "]";
        }
        out << " ";
    }
    list("removed", p.removed);
    names.clear();
    for (const Unit& u : p.added) names.push_back(u.name);
    list("added", names);
    list("kept", p.kept_invalid);
    list("rejected", p.rejected);
    names.clear();
    for (const Rebind& r : p.rebinds)
        names.push_back(r.address + ":" + r.from_unit + "#" + std::to_string(r.from_index) + "->" +
                        r.to_unit + "#" + std::to_string(r.to_index));
    list("rebind", names);
    std::string s = out.str();
    if (!s.empty()) s.pop_back();
    return s;
}

struct Row {
    const char* what;
    std::vector<Unit> running;
    LoadResult fresh;
    std::string expected;
};

Unit with_exec(Unit u, const std::string& exec) {
    u.service.exec = {exec};
    return u;
}

std::vector<Row> rows() {
    const Unit a = unit_of("a", {sock("/r/a1"), sock("/r/a2")});
    const Unit b = unit_of("b", {sock("/r/b")});
    const Unit c = unit_of("c", {tcp(8080)});
    return {
        {"nothing at all", {}, fresh_of({}), ""},
        {"unchanged (positions moved)", {a, b}, fresh_of({shifted(a), b}), "unchanged=a,b"},
        {"service change only",
         {a, b},
         fresh_of({with_exec(a, "/bin/false"), b}),
         "unchanged=b changed=a[service]"},
        {"one of two listeners changed",
         {a},
         fresh_of({unit_of("a", {sock("/r/a1"), sock("/r/a2", 0600)})}),
         "changed=a[listen 0<-0 1<-new close1] rebind=/r/a2:a#1->a#1"},
        {"listeners reordered: same fds, new order",
         {a},
         fresh_of({unit_of("a", {sock("/r/a2"), sock("/r/a1")})}),
         "changed=a[listen 0<-1 1<-0]"},
        {"listener added",
         {a},
         fresh_of({unit_of("a", {sock("/r/a1"), sock("/r/a2"), sock("/r/a3")})}),
         "changed=a[listen 0<-0 1<-1 2<-new]"},
        {"listener removed",
         {a},
         fresh_of({unit_of("a", {sock("/r/a2")})}),
         "changed=a[listen 0<-1 close0]"},
        {"listener renamed (LISTEN_FDNAMES) is a different spec",
         {b},
         fresh_of({[&] {
             Unit u = b;
             u.listen[0].name = "http";
             return u;
         }()}),
         "changed=b[listen 0<-new close0] rebind=/r/b:b#0->b#0"},
        {"service and listeners both changed",
         {b},
         fresh_of({unit_of("b", {sock("/r/b2")}, "/bin/false")}),
         "changed=b[service;listen 0<-new close0]"},
        {"unit removed", {a, b}, fresh_of({a}), "unchanged=a removed=b"},
        {"unit added", {a}, fresh_of({a, c}), "unchanged=a added=c"},
        {"invalid file for a running unit: kept untouched",
         {a, b},
         fresh_of({a}, {"/u/b.toml"}),
         "unchanged=a kept=b"},
        {"invalid file for a new unit: reported, not added",
         {a},
         fresh_of({a}, {"/u/new.toml"}),
         "unchanged=a rejected=new"},
        {"invalid at startup and still invalid", {}, fresh_of({}, {"/u/b.toml"}), "rejected=b"},
        {"address moved from a removed unit to a new one",
         {b},
         fresh_of({unit_of("d", {sock("/r/b")})}),
         "removed=b added=d rebind=/r/b:b#0->d#0"},
        {"address moved between two running units",
         {a, b},
         fresh_of({unit_of("a", {sock("/r/a1")}), unit_of("b", {sock("/r/b"), sock("/r/a2")})}),
         "changed=a[listen 0<-0 close1],b[listen 0<-0 1<-new] rebind=/r/a2:a#1->b#1"},
        {"empty to many", {}, fresh_of({a, b, c}), "added=a,b,c"},
        {"many to empty", {a, b, c}, fresh_of({}), "removed=a,b,c"},
        {"a new unit cannot take an address a kept unit still holds",
         {b},
         fresh_of({unit_of("d", {sock("/r/b")})}, {"/u/b.toml"}),
         "kept=b rejected=d"},
        {"kept units cascade: a changed unit that needs a kept address is kept too",
         {a, b},
         fresh_of({unit_of("b", {sock("/r/a1")}), unit_of("e", {sock("/r/b")})}, {"/u/a.toml"}),
         "kept=a,b rejected=e"},
        {"duplicate name in a later directory does not invalidate the loaded one",
         {b},
         fresh_of({b}, {"/v/b.toml"}),
         "unchanged=b"},
        {"tcp listener kept", {c}, fresh_of({shifted(c)}), "unchanged=c"},
    };
}

TEST(ReloadPlan, Table) {
    for (Row& row : rows()) {
        SCOPED_TRACE(row.what);
        ReloadPlan plan = plan_reload(running_of(row.running), row.fresh);
        EXPECT_EQ(render(plan), row.expected);
    }
}

TEST(ReloadPlan, DescriptionOnlyIsUnchangedAndCarriesTheNewDefinition) {
    Unit old_unit = unit_of("a", {sock("/r/a")});
    old_unit.description = "old";
    Unit new_unit = shifted(old_unit);
    new_unit.description = "new";
    ReloadPlan plan = plan_reload(running_of({old_unit}), fresh_of({new_unit}));
    ASSERT_EQ(plan.unchanged.size(), 1u);
    EXPECT_EQ(plan.unchanged[0].description, "new");
    EXPECT_EQ(plan.unchanged[0].listen[0].pos.line, new_unit.listen[0].pos.line);
    EXPECT_TRUE(plan.no_op());
}

TEST(ReloadPlan, ChangedCarriesTheNewUnitAndBindList) {
    Unit old_unit = unit_of("a", {sock("/r/1"), sock("/r/2")});
    Unit new_unit = unit_of("a", {sock("/r/3"), sock("/r/1"), sock("/r/4")});
    ReloadPlan plan = plan_reload(running_of({old_unit}), fresh_of({new_unit}));
    ASSERT_EQ(plan.changed.size(), 1u);
    const UnitChange& c = plan.changed[0];
    EXPECT_EQ(c.new_unit.listen.size(), 3u);
    EXPECT_EQ(c.listeners.to_bind(), (std::vector<std::size_t>{0, 2}));
    EXPECT_EQ(c.listeners.closed, (std::vector<std::size_t>{1}));
    EXPECT_FALSE(c.service_changed);
    EXPECT_FALSE(plan.no_op());
}

TEST(ReloadPlan, ProblemsAreTheLoaderDiagnosticsThenTheClashes) {
    Unit b = unit_of("b", {sock("/r/b")});
    ReloadPlan plan =
        plan_reload(running_of({b}), fresh_of({unit_of("d", {sock("/r/b")})}, {"/u/b.toml"}));
    EXPECT_EQ(plan.problems,
              (std::vector<std::string>{
                  "/u/b.toml:2:3: broken",
                  "/u/d.toml:1:1: address '/r/b' is already declared by unit 'b' (/u/b.toml:1:1), "
                  "which keeps running its previous definition"}));
}

TEST(ReloadPlan, UnreadableDirectoryKeepsItsUnits) {
    Unit a = unit_of("a", {sock("/r/a")}, "/bin/true", "/u");
    Unit b = unit_of("b", {sock("/r/b")}, "/bin/true", "/v");
    LoadResult fresh;
    fresh.diagnostics.push_back({"/u/", {0, 0}, "cannot read unit directory: Permission denied"});
    ReloadPlan plan = plan_reload(running_of({a, b}), fresh);
    EXPECT_EQ(render(plan), "removed=b kept=a");
}

TEST(ReloadPlan, IdenticalSpecsKeepTheirOwnIndex) {
    // tcp port 0 may be declared twice in one unit; both stay where they are.
    ListenerChange c = match_listeners({tcp(0), tcp(0)}, {tcp(0), tcp(0)});
    EXPECT_TRUE(c.in_place());
    ListenerChange d = match_listeners({tcp(0), tcp(0)}, {tcp(0)});
    EXPECT_EQ(d.closed, (std::vector<std::size_t>{1}));
    EXPECT_EQ(d.source, (std::vector<std::optional<std::size_t>>{0}));
}

}  // namespace
}  // namespace sv::daemon
