#include "base/result.hpp"

#include <cstring>

namespace sv {

std::string SysError::message() const {
    std::string text = "cannot " + call;
    if (!object.empty()) text += " '" + object + "'";
    text += ": ";
    text += err != 0 ? std::strerror(err) : detail;
    if (err != 0 && !detail.empty()) text += " (" + detail + ")";
    return text;
}

SysError sys_error(std::string call, std::string object, int err) {
    return SysError{std::move(call), std::move(object), err, {}};
}

SysError plain_error(std::string call, std::string object, std::string detail) {
    return SysError{std::move(call), std::move(object), 0, std::move(detail)};
}

}  // namespace sv
