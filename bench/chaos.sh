#!/usr/bin/env bash
# Reliability drills (issue #8) on a local cluster: redis-server with an append-only file, s3rver,
# 3 silos and 2 gateways, each a real process on loopback, started by the drill itself.
#
#   bench/chaos.sh short       # the drill ./test.sh runs: 100 jobs, 2 silo kills, a Redis restart, an S3 outage (~3 min)
#   bench/chaos.sh long        # the fault-free baseline, then 10 minutes of silo kills plus every other fault (~20 min)
#   bench/chaos.sh baseline    # the baseline alone
#   bench/chaos.sh soak        # 20 minutes of steady load, memory and handles sampled (DRILL_SOAK_MINUTES shortens it)
#   bench/chaos.sh regressions # the focused tests written for bugs the drills found
#
# DRILL_SEED=n replays a run's random choices (printed at the start, kept in the report).
# NO_BUILD=1 skips the build. Results: bench/results/drill-<kind>-<time>.json (gitignored);
# each process's log stays under $TMPDIR/delineate-e2e/drill-<kind>-*/ (the path is in the report).
# Long runs outlive a terminal: nohup bench/chaos.sh soak > /tmp/soak.log 2>&1 &
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
KIND="${1:-short}"
CONFIGURATION="${CONFIGURATION:-Release}"
PROJECT="$ROOT/tests/Delineate.Drills.Tests/Delineate.Drills.Tests.csproj"
TOOLS_DIR="$ROOT/.tools"

log() { printf '==> %s\n' "$*" >&2; }

case "$KIND" in
    short) FILTER="Category=Drill" ;;
    long) FILTER="Category=Long" ;;
    baseline) FILTER="Category=Long&FullyQualifiedName~Baseline" ;;
    soak) FILTER="Category=Soak" ;;
    regressions) FILTER="Category=Regression" ;;
    *) echo "usage: $0 short|long|baseline|soak|regressions" >&2; exit 2 ;;
esac

if ! command -v redis-server >/dev/null 2>&1; then
    echo "redis-server is missing: apt-get install -y redis-server (or run ./test.sh once, which installs it)" >&2
    exit 1
fi
if [ ! -x "$TOOLS_DIR/node_modules/.bin/s3rver" ]; then
    log "npm install s3rver@3.7.1 (into .tools/)"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error s3rver@3.7.1
fi

if [ "${NO_BUILD:-0}" != "1" ]; then
    log "dotnet build tests/Delineate.Drills.Tests -c $CONFIGURATION (also builds src/Silo and src/Gateway)"
    dotnet build "$PROJECT" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
fi

mkdir -p "$ROOT/bench/results"
STAMP="$(date +%Y%m%d-%H%M%S)"
log "drill '$KIND' (filter $FILTER), started $STAMP"
status=0
DRILL="$KIND" dotnet test "$PROJECT" -c "$CONFIGURATION" --no-build -nologo \
    --filter "$FILTER" \
    --logger "console;verbosity=detailed" \
    --logger "trx;LogFileName=chaos-$KIND-$STAMP.trx" \
    --results-directory "$ROOT/TestResults/chaos" \
    --blame-hang-timeout 60m --blame-hang-dump-type none || status=$?

log "reports written since the start:"
find "$ROOT/bench/results" -name 'drill-*.json' -newermt "$(date -d "${STAMP:0:8} ${STAMP:9:2}:${STAMP:11:2}:${STAMP:13:2}" '+%Y-%m-%d %H:%M:%S')" -print | sort >&2 || true
exit "$status"
