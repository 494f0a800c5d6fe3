#include "unit/diagnostic.hpp"

namespace sv::unit {

std::string Diagnostic::render() const {
    int line = pos.line > 0 ? pos.line : 1;
    int column = pos.column > 0 ? pos.column : 1;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

}  // namespace sv::unit
