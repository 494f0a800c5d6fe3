// The one call into sd_listen_fds_with_names(); libsystemd owns the protocol's
// parsing (LISTEN_PID check, counts, names). We only take ownership of the result.
//
// libsystemd is loaded with dlopen() only when LISTEN_FDS is set, as systemd itself
// loads its optional libraries. Linked at build time, libsystemd.so.0 and what it
// pulls in (libgcrypt, libgpg-error, liblzma, libzstd, liblz4, libcap) are mapped
// and relocated in every sockvisord: ~1 MiB of resident memory (benchmark measure 5,
// docs/design.md "Memory") for a call that usually has nothing to take.
#include "activation/inherited_fds.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <systemd/sd-daemon.h>  // the prototype and SD_LISTEN_FDS_START

#include <cerrno>
#include <cstdlib>

namespace sv::activation {
namespace {

constexpr const char* kLibsystemd = "libsystemd.so.0";

// What sd_listen_fds_with_names(1, ...) does to the environment when there is
// nothing to take: the variables must not reach a service (see below).
void unset_listen_environment() {
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
}

using ListenFdsWithNames = decltype(&::sd_listen_fds_with_names);

// libsystemd's sd_listen_fds_with_names, loaded here and kept loaded (it is called
// once per process); nullptr after setting `error`. The type comes from the header,
// so a prototype change is a compile error, not a bad call.
ListenFdsWithNames load_listen_fds_with_names(SysError& error) {
    void* lib = ::dlopen(kLibsystemd, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
        error = plain_error("load", kLibsystemd,
                            std::string(::dlerror()) + " (needed because LISTEN_FDS is set)");
        return nullptr;
    }
    void* symbol = ::dlsym(lib, "sd_listen_fds_with_names");
    if (symbol == nullptr) {
        error = plain_error("find sd_listen_fds_with_names in", kLibsystemd, ::dlerror());
        return nullptr;
    }
    return reinterpret_cast<ListenFdsWithNames>(symbol);
}

}  // namespace

Result<std::vector<InheritedFd>> take_inherited_fds() {
    if (std::getenv("LISTEN_FDS") == nullptr) {  // sd_listen_fds() would return 0
        unset_listen_environment();
        return std::vector<InheritedFd>{};
    }
    SysError load_error;
    const ListenFdsWithNames listen_fds_with_names = load_listen_fds_with_names(load_error);
    if (listen_fds_with_names == nullptr) {
        unset_listen_environment();
        return load_error;
    }

    char** names = nullptr;
    // unset_environment = 1: the variables describe *our* fds; a service that saw
    // them would believe it inherited them too (its LISTEN_PID check saves it only
    // until the pid is reused). The Spawner sets fresh ones per service.
    const int n = listen_fds_with_names(1, &names);
    if (n < 0) return sys_error("take inherited fds", "LISTEN_FDS", -n);

    std::vector<InheritedFd> fds;
    fds.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        // Owned from here, so an early return below closes what we took.
        fds.push_back({Fd(SD_LISTEN_FDS_START + i), names ? names[i] : "unknown"});
    }
    if (names != nullptr) {
        for (int i = 0; names[i] != nullptr; ++i) std::free(names[i]);
        std::free(names);
    }
    for (InheritedFd& f : fds) {
        // libsystemd 252 already sets FD_CLOEXEC here, but rule 5 (every fd we hold
        // is close-on-exec) must not depend on a library's internals.
        const int flags = ::fcntl(f.fd.get(), F_GETFD);
        if (flags < 0 || ::fcntl(f.fd.get(), F_SETFD, flags | FD_CLOEXEC) < 0)
            return sys_error("set close-on-exec on inherited fd",
                             std::to_string(f.fd.get()) + " (" + f.name + ")", errno);
    }
    return fds;
}

}  // namespace sv::activation
