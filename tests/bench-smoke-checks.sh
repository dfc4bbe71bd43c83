#!/usr/bin/env bash
# ./test.sh runs every tests/*-checks.sh: this one is the bench's smoke mode (bench/smoke-checks.sh).
# Last line: "bench-smoke: N passed, N failed".
exec bash "$(dirname "${BASH_SOURCE[0]}")/../bench/smoke-checks.sh" "$@"
