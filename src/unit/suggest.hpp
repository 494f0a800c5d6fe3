// "Did you mean ...?": the closest candidate to a misspelt word, by edit
// distance (with transpositions, so "mdoe" is one edit from "mode"). Pure.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string_view>

namespace sv::unit {

// Optimal-string-alignment distance: insertions, deletions, substitutions and
// swaps of two adjacent characters each cost 1. Case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be a plausible
// typo: at most max(1, |word| / 3) edits (ties: the first in `candidates`).
std::optional<std::string_view> closest_match(std::string_view word,
                                              std::span<const std::string_view> candidates);

}  // namespace sv::unit
