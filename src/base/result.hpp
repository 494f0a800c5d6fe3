// Result<T>: a value or a SysError (tier (b) of the three error tiers: a failed
// syscall, with the call, the object it was made on and errno). No exceptions
// cross a module boundary; callers test and render.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace sv {

struct SysError {
    std::string call;    // "bind", "mkdirat", ...
    std::string object;  // "/run/app.sock", "unit web", ...
    int err = 0;         // errno value; 0 when `detail` says it all
    std::string detail;  // extra human text (used instead of strerror when err == 0)

    // "cannot bind '/run/app.sock': Address already in use"
    std::string message() const;
};

SysError sys_error(std::string call, std::string object, int err);  // from an errno
SysError plain_error(std::string call, std::string object, std::string detail);

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(SysError error) : v_(std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    const T& value() const& { return std::get<0>(v_); }
    T& operator*() & { return value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const SysError& error() const { return std::get<1>(v_); }

private:
    std::variant<T, SysError> v_;
};

// Result<void>: success or an error.
struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace sv
