"""What we believe causes each miss, with the evidence and a fix suggestion.
Written by hand from profiles (see docs/benchmarks.md); shown only for a
measure whose goal was missed in the run being reported."""

CAUSES = {}
