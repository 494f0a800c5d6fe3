#include "unit/exec_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace sv::unit {

std::optional<std::string> find_in_path(std::string_view name, std::string_view path_env) {
    std::size_t start = 0;
    while (start <= path_env.size()) {
        std::size_t end = path_env.find(':', start);
        if (end == std::string_view::npos) end = path_env.size();
        std::string_view dir = path_env.substr(start, end - start);
        start = end + 1;
        if (dir.empty() || dir.front() != '/') continue;
        std::string candidate(dir);
        if (candidate.back() != '/') candidate += '/';
        candidate += name;
        struct stat st {};
        if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0)
            return candidate;
    }
    return std::nullopt;
}

}  // namespace sv::unit
