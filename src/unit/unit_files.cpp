#include "unit/unit_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/limits.hpp"

namespace sv::unit {
namespace {

constexpr SourcePos kWholeFile{0, 0};

}  // namespace

std::string join(const std::string& dir, const std::string& name) {
    if (dir.empty() || dir.back() == '/') return dir + name;
    return dir + "/" + name;
}

std::optional<std::vector<std::string>> list_unit_files(const std::string& dir, Diagnostics& out) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) {
        const int err = errno;
        out.push_back({dir, kWholeFile,
                       err == ENOENT
                           ? "unit directory does not exist"
                           : "cannot read unit directory: " + std::string(std::strerror(err))});
        return std::nullopt;
    }
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* entry = ::readdir(d)) {
        std::string name = entry->d_name;
        if (name.size() > 5 && name.ends_with(".toml")) names.push_back(name);
    }
    const int err = errno;
    ::closedir(d);
    if (err != 0) {
        out.push_back(
            {dir, kWholeFile, "cannot read unit directory: " + std::string(std::strerror(err))});
        return std::nullopt;
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<std::string> read_unit_text(const std::string& file, Diagnostics& out) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        out.push_back(
            {file, kWholeFile, "cannot read unit file: " + std::string(std::strerror(errno))});
        return std::nullopt;
    }
    struct stat st {};
    std::string text;
    std::string problem;
    if (::fstat(fd, &st) < 0) {
        problem = "cannot read unit file: " + std::string(std::strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        problem = "unit file is not a regular file";
    } else if (static_cast<std::size_t>(st.st_size) > limits::kMaxUnitFileBytes) {
        problem = "file is " + std::to_string(st.st_size) + " bytes; a unit file may be at most " +
                  std::to_string(limits::kMaxUnitFileBytes) + " bytes";
    } else {
        char buf[65536];
        for (;;) {
            ssize_t n = ::read(fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                problem = "cannot read unit file: " + std::string(std::strerror(errno));
                break;
            }
            if (n == 0) break;
            text.append(buf, static_cast<std::size_t>(n));
            if (text.size() > limits::kMaxUnitFileBytes)
                break;  // grew while we read: parse refuses
        }
    }
    ::close(fd);
    if (!problem.empty()) {
        out.push_back({file, kWholeFile, problem});
        return std::nullopt;
    }
    return text;
}

}  // namespace sv::unit
