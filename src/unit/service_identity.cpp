#include "unit/service_identity.hpp"

#include <algorithm>

#include "base/identity.hpp"
#include "unit/names.hpp"

namespace sv::unit {
namespace {

void add_group(std::vector<gid_t>& groups, gid_t gid) {
    if (std::find(groups.begin(), groups.end(), gid) == groups.end()) groups.push_back(gid);
}

}  // namespace

bool resolve_identity(Reader& r, const toml::table& service, ServiceSpec& spec) {
    const std::size_t errors_before = r.error_count();
    std::optional<UserInfo> user;
    if (auto e = find_entry(service, "user")) {
        if (auto text = r.name_or_id(*e)) {
            user = lookup_user(*text);
            if (!user)
                r.error(e->value_pos(),
                        "key 'user' names an unknown user '" + escaped(*text) + "'");
            else
                spec.user = *text;
        }
    }
    std::optional<gid_t> gid;
    if (auto e = find_entry(service, "group")) {
        if (auto text = r.name_or_id(*e)) {
            gid = lookup_group(*text);
            if (!gid)
                r.error(e->value_pos(),
                        "key 'group' names an unknown group '" + escaped(*text) + "'");
            else
                spec.group = *text;
        }
    }
    std::vector<gid_t> supplementary;
    if (auto e = find_entry(service, "supplementary_groups")) {
        if (const auto* array = e->node->as_array(); !array) {
            r.error(e->value_pos(),
                    "key 'supplementary_groups' must be an array of group names "
                    "or ids, not " +
                        type_phrase(*e->node));
        } else {
            for (std::size_t i = 0; i < array->size(); ++i) {
                const toml::node& element = *array->get(i);
                // Each element is read like a key of its own, named for messages.
                const toml::key name("supplementary_groups[" + std::to_string(i) + "]",
                                     element.source());
                auto text = r.name_or_id(Entry{&name, &element});
                if (!text) continue;
                auto group = lookup_group(*text);
                if (!group) {
                    r.error(position(element), "supplementary_groups[" + std::to_string(i) +
                                                   "] names an unknown group '" + escaped(*text) +
                                                   "'");
                    continue;
                }
                spec.supplementary_groups.push_back(*text);
                add_group(supplementary, *group);
            }
        }
    }
    if (r.error_count() != errors_before) return false;

    if (user) {
        spec.uid = user->uid;
        spec.gid = gid ? *gid : user->primary_gid;
        for (gid_t g : groups_of(*user)) add_group(spec.groups, g);
    } else if (gid) {
        spec.gid = *gid;
    }
    for (gid_t g : supplementary) add_group(spec.groups, g);
    return true;
}

}  // namespace sv::unit
