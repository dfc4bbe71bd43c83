#!/usr/bin/env bash
# The bench's smoke mode, so it cannot rot: bench/run.sh --smoke (tiny loads, every benchmark end to end,
# no figure judged). Prints, as its last line, "bench-smoke: N passed, N failed" (one per benchmark
# that ran on every side) and exits non-zero when any failed. tests/bench-smoke-checks.sh runs this.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

output="$(bash bench/run.sh --smoke 2>&1)"
status=$?
printf '%s\n' "$output" | tail -n 40
passed="$(printf '%s\n' "$output" | grep -c '^bench P[0-9]: ok$' || true)"
failed="$(printf '%s\n' "$output" | grep -c '^bench P[0-9]: failed' || true)"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    # run.sh stopped before its per-benchmark lines (a build or start-up failure): count it.
    failed=1
fi
echo "bench-smoke: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
