// Shared by the loader tests: the load context they all use, fixture paths, a
// private temporary directory, and diagnostics rendered relative to a directory.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "unit/loader.hpp"

namespace sv::unit::testing {

inline const LoadContext kCtx{"/run/sockvisor-test", "/usr/bin:/bin"};

inline std::string fixtures(const std::string& sub) {
    return std::string(SOCKVISOR_FIXTURES) + "/units/" + sub;
}

// Each rendered diagnostic, with `prefix` removed from the front of its file.
inline std::vector<std::string> rendered(const Diagnostics& diagnostics,
                                         const std::string& prefix = {}) {
    std::vector<std::string> lines;
    for (const Diagnostic& d : diagnostics) {
        std::string line = d.render();
        if (!prefix.empty() && line.starts_with(prefix)) line.erase(0, prefix.size());
        lines.push_back(line);
    }
    return lines;
}

class TempDir {
  public:
    TempDir() {
        std::string pattern = (std::filesystem::temp_directory_path() / "sv-unit-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
    }
    ~TempDir() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }
    std::string write(const std::string& relative, const std::string& text) const {
        std::filesystem::path p = std::filesystem::path(path_) / relative;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }

  private:
    std::string path_;
};

}  // namespace sv::unit::testing
