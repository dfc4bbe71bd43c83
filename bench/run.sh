#!/usr/bin/env bash
# The benchmarks of issue #7 (docs/benchmarks.md), one entry point. Starts everything it needs on
# loopback (redis-server, s3rver, silo(s), gateway, the BullMQ peer, the bare-Kestrel baseline), runs
# each benchmark, stops what it started, prints the table and writes bench/results/latest.json.
#
#   bench/run.sh            # full run (15-20 minutes on the 2-core machine)
#   bench/run.sh --quick    # every figure, single rounds, shorter windows (under 10 minutes)
#   bench/run.sh --smoke    # tiny loads, seconds per benchmark, no targets judged (tests/bench-smoke-checks.sh)
#   bench/run.sh --only P1,P3   # a subset (any mode)
#
# NO_BUILD=1 skips the build. The raw output of every tool and each process's log stay in the run's
# folder under ${TMPDIR:-/tmp} (printed at the end); bench/results/ is gitignored.
set -euo pipefail

cd "${BENCH_REPO_ROOT:-$(dirname "${BASH_SOURCE[0]}")/..}"  # BENCH_REPO_ROOT: when running a copy of this script
ROOT="$(pwd)"
MODE=full
ONLY="P1,P2,P3,P4,P5,P6"
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) MODE=quick ;;
        --smoke) MODE=smoke ;;
        --full) MODE=full ;;
        --only) ONLY="$2"; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# ------------------------------------------------------------------------------------------------
# Sizes per mode
# ------------------------------------------------------------------------------------------------
case "$MODE" in
    full)
        ROUNDS=3; P1_SECONDS=20; P1_WARMUP=5; P2_JOBS=3000; P2_WARMUP=200
        P3_JOBS=1000; P3_FILES=20; P3_COLLECT=40; P3_DELAY_MIN=1000; P3_DELAY_MAX=3000
        P4_JOBS=10000; P4_SUBSCRIBERS=5000; P4_FILES=4; P4_SETTLE=20; P4_HOLD=20
        P5_ENV=(RUNS=3); P6_TUNED_ROUNDS=3; P6_PRODUCTION=1 ;;
    quick)
        ROUNDS=1; P1_SECONDS=8; P1_WARMUP=2; P2_JOBS=500; P2_WARMUP=50
        P3_JOBS=1000; P3_FILES=20; P3_COLLECT=15; P3_DELAY_MIN=1000; P3_DELAY_MAX=3000
        P4_JOBS=10000; P4_SUBSCRIBERS=5000; P4_FILES=4; P4_SETTLE=5; P4_HOLD=5
        P5_ENV=(RUNS=1); P6_TUNED_ROUNDS=1; P6_PRODUCTION=1 ;;
    smoke)
        ROUNDS=1; P1_SECONDS=2; P1_WARMUP=1; P2_JOBS=20; P2_WARMUP=0
        P3_JOBS=20; P3_FILES=4; P3_COLLECT=5; P3_DELAY_MIN=100; P3_DELAY_MAX=300
        P4_JOBS=200; P4_SUBSCRIBERS=100; P4_FILES=1; P4_SETTLE=2; P4_HOLD=2
        P5_ENV=(RUNS=1 FILES=4 FILE_MIB=2 PART_MB=5); P6_TUNED_ROUNDS=1; P6_PRODUCTION=0 ;;
esac
# Settings both sides get (PLATFORM.md: one machine, 2 cores).
JOB_CONCURRENCY="${JOB_CONCURRENCY:-4}"
SILO_CONCURRENCY="${SILO_CONCURRENCY:-64}"
CONNECTIONS=64

log() { printf '==> [%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
wants() { [[ ",$ONLY," == *",$1,"* ]]; }

# ------------------------------------------------------------------------------------------------
# Prerequisites (./test.sh installs redis-server, node/npm and s3rver; wrk is installed here)
# ------------------------------------------------------------------------------------------------
TOOLS_DIR="$ROOT/.tools"
S3RVER="$TOOLS_DIR/node_modules/.bin/s3rver"
PEER_DIR="$ROOT/bench/peers/bullmq"
need_apt() {
    local command="$1"; shift
    command -v "$command" >/dev/null 2>&1 && return 0
    if [ "$(id -u)" -ne 0 ]; then echo "missing '$command': apt-get install -y $*" >&2; exit 1; fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null 2>&1 \
        || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}
need_apt wrk wrk
need_apt jq jq
need_apt redis-server redis-server
need_apt redis-cli redis-tools
need_apt node nodejs
need_apt npm npm
if [ ! -x "$S3RVER" ]; then
    log "npm install s3rver@3.7.1 (into .tools/)"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error s3rver@3.7.1 >&2
fi
if [ ! -d "$PEER_DIR/node_modules/bullmq" ] || [ "$PEER_DIR/package-lock.json" -nt "$PEER_DIR/node_modules/.package-lock.json" ]; then
    log "npm ci (bench/peers/bullmq)"
    (cd "$PEER_DIR" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi

# DELINEATE_ROOT=DIR measures the service built from another checkout (before/after a change).
SERVICE_ROOT="${DELINEATE_ROOT:-$ROOT}"
SILO_DLL="$SERVICE_ROOT/src/Silo/bin/Release/net10.0/Delineate.Silo.dll"
GATEWAY_DLL="$SERVICE_ROOT/src/Gateway/bin/Release/net10.0/Delineate.Gateway.dll"
LOAD_DLL="$ROOT/bench/Delineate.Bench.Load/bin/Release/net10.0/Delineate.Bench.Load.dll"
BASELINE_DLL="$ROOT/bench/Delineate.Bench.Baseline/bin/Release/net10.0/Delineate.Bench.Baseline.dll"
LUA="$ROOT/bench/Delineate.Bench.Load/bin/Release/net10.0/initiate.lua"
if [ "${NO_BUILD:-0}" != "1" ]; then
    log "dotnet build src/Gateway -c Release (in $SERVICE_ROOT)"
    dotnet build "$SERVICE_ROOT/src/Gateway" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
    for project in bench/Delineate.Bench.Load bench/Delineate.Bench.Baseline; do
        log "dotnet build $project -c Release"
        dotnet build "$ROOT/$project" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
    done
fi
load() { dotnet "$LOAD_DLL" "$@"; }

# ------------------------------------------------------------------------------------------------
# Processes: every one this script starts is recorded, and only those are stopped
# ------------------------------------------------------------------------------------------------
STAMP="$(date -u +%Y%m%d-%H%M%S)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/delineate-bench-$STAMP-XXXX")"
RESULTS_JSONL="$WORK/results.jsonl"
: > "$RESULTS_JSONL"
DATA_PARENT=/dev/shm
if [ ! -d "$DATA_PARENT" ] || [ ! -w "$DATA_PARENT" ]; then DATA_PARENT="${TMPDIR:-/tmp}"; fi
S3_DATA="$(mktemp -d "$DATA_PARENT/delineate-bench-s3-XXXX")"
STARTED=()
GATEWAY_PID="" SILO_PIDS=() PEER_API_PID="" PEER_WORKER_PID="" BASELINE_PID=""
FAILED_BENCHES=()
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
START_TIME="$(date -u +%Y-%m-%dT%H:%M:%SZ)"

stop_pid() { # pid: SIGTERM, then SIGKILL after 10 s
    local pid="$1"
    [ -n "$pid" ] || return 0
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do stop_pid "$pid"; done
    rm -rf "$S3_DATA"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME LOGFILE command... (environment via `env`); sets LAST_PID
start() {
    local name="$1" logfile="$2"; shift 2
    "$@" >"$logfile" 2>&1 &
    LAST_PID=$!
    STARTED+=("$LAST_PID")
    log "started $name (pid $LAST_PID, log ${logfile#"$WORK"/})"
}
stop() { # pids...
    local pid
    for pid in "$@"; do stop_pid "$pid"; done
}
wait_port() { # port timeout-s
    local deadline=$((SECONDS + $2))
    until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do
        [ "$SECONDS" -lt "$deadline" ] || { log "nothing listens on $1 after $2 s"; return 1; }
        sleep 0.1
    done
}
free_port() { load free-port; }

# ------------------------------------------------------------------------------------------------
# Shared services: redis-server and s3rver, with the synthetic sources seeded
# ------------------------------------------------------------------------------------------------
REDIS_PORT="$(free_port)"
start redis "$WORK/redis.log" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no
REDIS_PID=$LAST_PID
S3_PORT="$(free_port)"
start s3rver "$WORK/s3rver.log" env NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$S3_DATA" -a 127.0.0.1 -p "$S3_PORT" --silent
S3_PID=$LAST_PID
wait_port "$REDIS_PORT" 20
wait_port "$S3_PORT" 20

COMMON_ENV=(
    REDIS_HOST=127.0.0.1 REDIS_PORT="$REDIS_PORT"
    S3_ENDPOINT="http://127.0.0.1:$S3_PORT" S3_ACCESS_KEY_ID=S3RVER S3_SECRET_ACCESS_KEY=S3RVER
    S3_BUCKET_NAME=downloads S3_FORCE_PATH_STYLE=true FILE_SOURCE=s3
    JOB_CONCURRENCY="$JOB_CONCURRENCY" SILO_CONCURRENCY="$SILO_CONCURRENCY"
)
log "seeding the S3 source (ids 70000-72000)"
env "${COMMON_ENV[@]}" Logging__LogLevel__Default=Warning dotnet "$SILO_DLL" seed 70000-72000 >"$WORK/seed.log" 2>&1 \
    || { cat "$WORK/seed.log" >&2; exit 1; }
# One small available file per job (P1, P2): the 16 smallest of the seeded range; more for jobs of many files.
SMALL_IDS="$(load file-ids --from 70000 --to 72000 --count 16 --smallest true)"
MANY_IDS="$(load file-ids --from 70000 --to 72000 --count 40 --smallest true)"
SMALLEST="${SMALL_IDS%%,*}"

reset_state() { # between benchmarks: empty Redis, drop exports (sources stay)
    redis-cli -p "$REDIS_PORT" flushall >/dev/null
    rm -rf "$S3_DATA/downloads/exports"
}

# ------------------------------------------------------------------------------------------------
# Delineate: N silos + one gateway. start_ours N VAR=value... ; sets GATEWAY_URL, GATEWAY_PID, SILO_PIDS, SILO_LOGS
# ------------------------------------------------------------------------------------------------
CLUSTER_SEQ=0
start_ours() {
    local silos="$1"; shift
    CLUSTER_SEQ=$((CLUSTER_SEQ + 1))
    reset_state
    local cluster="bench-$STAMP-$CLUSTER_SEQ"
    local env_all=("${COMMON_ENV[@]}" ORLEANS_CLUSTER_ID="$cluster" ORLEANS_SERVICE_ID="$cluster"
        RATE_LIMIT_MAX_REQUESTS=100000000 MAX_ACTIVE_JOBS_PER_OWNER=1000000 "$@")
    SILO_PIDS=(); SILO_LOGS=(); SILO_HTTP=()
    local i
    for i in $(seq 1 "$silos"); do
        local http_port silo_port gateway_port
        http_port="$(free_port)"; silo_port="$(free_port)"; gateway_port="$(free_port)"
        SILO_LOGS+=("$WORK/silo-$CLUSTER_SEQ-$i.log")
        start "silo $i" "${SILO_LOGS[-1]}" env -C "$SERVICE_ROOT/src/Silo" "${env_all[@]}" ORLEANS_SILO_PORT="$silo_port" ORLEANS_GATEWAY_PORT="$gateway_port" \
            dotnet "$SILO_DLL" --urls "http://127.0.0.1:$http_port"
        SILO_PIDS+=("$LAST_PID"); SILO_HTTP+=("$http_port")
    done
    # With several silos the gateway starts once all are up, so it knows every one of them (P6 kills one);
    # with one, both start together (the gateway keeps retrying until the silo answers).
    if [ "$silos" -gt 1 ]; then
        for i in "${!SILO_HTTP[@]}"; do
            load wait-http --url "http://127.0.0.1:${SILO_HTTP[$i]}/health/ready" --timeout-s 90 || return 1
        done
    fi
    local port
    port="$(free_port)"
    start gateway "$WORK/gateway-$CLUSTER_SEQ.log" env -C "$SERVICE_ROOT/src/Gateway" "${env_all[@]}" DELINEATE_MODE=clustered \
        dotnet "$GATEWAY_DLL" --urls "http://127.0.0.1:$port"
    GATEWAY_PID=$LAST_PID
    GATEWAY_URL="http://127.0.0.1:$port"
    for i in "${!SILO_HTTP[@]}"; do
        load wait-http --url "http://127.0.0.1:${SILO_HTTP[$i]}/health/ready" --timeout-s 90 || return 1
    done
    load wait-http --url "$GATEWAY_URL/health/ready" --timeout-s 90
}
stop_ours() { stop "$GATEWAY_PID" "${SILO_PIDS[@]}"; }

# The BullMQ peer: API and worker, two Node processes (as gateway and silo are two). Sets PEER_URL.
start_peer() {
    reset_state
    local port
    port="$(free_port)"
    local env_all=("${COMMON_ENV[@]}" PORT="$port" PEER_QUEUE="bench-$STAMP" "$@")
    start "peer worker" "$WORK/peer-worker.log" env "${env_all[@]}" node "$PEER_DIR/server.js" worker
    PEER_WORKER_PID=$LAST_PID
    start "peer api" "$WORK/peer-api.log" env "${env_all[@]}" node "$PEER_DIR/server.js" api
    PEER_API_PID=$LAST_PID
    PEER_URL="http://127.0.0.1:$port"
    load wait-http --url "$PEER_URL/health" --timeout-s 30
}
stop_peer() { stop "$PEER_API_PID" "$PEER_WORKER_PID"; }

start_baseline() {
    local port
    port="$(free_port)"
    start baseline "$WORK/baseline.log" dotnet "$BASELINE_DLL" --urls "http://127.0.0.1:$port"
    BASELINE_PID=$LAST_PID
    BASELINE_URL="http://127.0.0.1:$port"
    load wait-http --url "$BASELINE_URL/health" --timeout-s 30
}

# record BENCH SIDE < output-with-RESULT-lines : appends each RESULT's JSON to the run's results
record() {
    local out
    out="$(cat)"
    printf '%s\n' "$out" | sed -n 's/^RESULT //p' >>"$RESULTS_JSONL"
    printf '%s\n' "$out" | sed -n 's/^RESULT //p' | sed 's/^/    /' >&2
}
failed() { FAILED_BENCHES+=("$1"); log "FAILED: $1"; }

# ------------------------------------------------------------------------------------------------
# P1: initiate throughput and latency (wrk, 64 connections, 2 threads; owners varied per request)
# ------------------------------------------------------------------------------------------------
wrk_initiate() { # side url
    local side="$1" url="$2" line
    OWNERS=256 FILE_ID="$SMALLEST" OWNER_PREFIX="warm-$side" wrk -t2 -c"$CONNECTIONS" -d"${P1_WARMUP}s" -s "$LUA" "$url/v1/download/initiate" >/dev/null 2>&1 || true
    line="$(OWNERS=256 FILE_ID="$SMALLEST" OWNER_PREFIX="p1-$side" wrk -t2 -c"$CONNECTIONS" -d"${P1_SECONDS}s" --timeout 10s -s "$LUA" "$url/v1/download/initiate" 2>&1 \
        | tee -a "$WORK/wrk-$side.txt" | grep '^{' | tail -1)"
    [ -n "$line" ] || return 1
    echo "RESULT $(echo "$line" | jq -c --arg side "$side" '{bench: "P1", side: $side} + .')"
}
run_p1() {
    local round
    for round in $(seq 1 "$ROUNDS"); do
        log "P1 round $round/$ROUNDS: baseline"
        start_baseline && wrk_initiate baseline "$BASELINE_URL" | record || failed "P1 baseline"
        stop "$BASELINE_PID"

        log "P1 round $round/$ROUNDS: Delineate"
        if start_ours 1 DOWNLOAD_DELAY_ENABLED=false ORLEANS_REMINDER_PERIOD_SECONDS=60; then
            wrk_initiate ours "$GATEWAY_URL" | record || failed "P1 ours"
        else failed "P1 ours (start)"; fi
        stop_ours

        log "P1 round $round/$ROUNDS: BullMQ peer"
        if start_peer DOWNLOAD_DELAY_ENABLED=false; then
            wrk_initiate peer "$PEER_URL" | record || failed "P1 peer"
        else failed "P1 peer (start)"; fi
        stop_peer
    done
}

# ------------------------------------------------------------------------------------------------
# P2: jobs end to end, delays off, one small available file per job, same settings both sides
# ------------------------------------------------------------------------------------------------
run_p2() {
    local round
    for round in $(seq 1 "$ROUNDS"); do
        log "P2 round $round/$ROUNDS: Delineate"
        if start_ours 1 DOWNLOAD_DELAY_ENABLED=false ORLEANS_REMINDER_PERIOD_SECONDS=60; then
            load jobs --side ours --url "$GATEWAY_URL" --jobs "$P2_JOBS" --warmup "$P2_WARMUP" --connections "$CONNECTIONS" \
                --owners 16 --file-ids "$SMALL_IDS" | record || failed "P2 ours"
        else failed "P2 ours (start)"; fi
        stop_ours

        log "P2 round $round/$ROUNDS: BullMQ peer"
        if start_peer DOWNLOAD_DELAY_ENABLED=false; then
            load jobs --side peer --url "$PEER_URL" --jobs "$P2_JOBS" --warmup "$P2_WARMUP" --connections "$CONNECTIONS" \
                --owners 16 --file-ids "$SMALL_IDS" | record || failed "P2 peer"
        else failed "P2 peer (start)"; fi
        stop_peer
    done
}

# ------------------------------------------------------------------------------------------------
# P3: progress latency with N jobs live and subscribed (one WebSocket each)
# ------------------------------------------------------------------------------------------------
run_p3() {
    log "P3: Delineate, $P3_JOBS jobs x $P3_FILES files, delays ${P3_DELAY_MIN}-${P3_DELAY_MAX} ms"
    if start_ours 1 DOWNLOAD_DELAY_ENABLED=true DOWNLOAD_DELAY_MIN_MS="$P3_DELAY_MIN" DOWNLOAD_DELAY_MAX_MS="$P3_DELAY_MAX" \
        JOB_CONCURRENCY=2 SILO_CONCURRENCY=512 ORLEANS_REMINDER_PERIOD_SECONDS=60; then
        load progress --url "$GATEWAY_URL" --jobs "$P3_JOBS" --files-per-job "$P3_FILES" --file-ids "$MANY_IDS" \
            --collect-s "$P3_COLLECT" | record || failed "P3"
    else failed "P3 (start)"; fi
    stop_ours
}

# ------------------------------------------------------------------------------------------------
# P4: capacity: N in-flight jobs on one silo (long delays), then M WebSocket subscribers on one gateway
# ------------------------------------------------------------------------------------------------
run_p4() {
    log "P4: Delineate, $P4_JOBS jobs in flight, then $P4_SUBSCRIBERS subscribers"
    if start_ours 1 DOWNLOAD_DELAY_ENABLED=true DOWNLOAD_DELAY_MIN_MS=600000 DOWNLOAD_DELAY_MAX_MS=600000 \
        SILO_CONCURRENCY=512 ORLEANS_REMINDER_PERIOD_SECONDS=60; then
        load capacity --url "$GATEWAY_URL" --jobs "$P4_JOBS" --subscribers "$P4_SUBSCRIBERS" --files-per-job "$P4_FILES" \
            --file-ids "$MANY_IDS" --settle-s "$P4_SETTLE" --hold-s "$P4_HOLD" \
            --pid "silo=${SILO_PIDS[0]}" --pid "gateway=$GATEWAY_PID" | record || failed "P4"
    else failed "P4 (start)"; fi
    stop_ours
}

# ------------------------------------------------------------------------------------------------
# P5: bundling vs raw PutObject of the same bytes: bench/bundle.sh, as it is
# ------------------------------------------------------------------------------------------------
run_p5() {
    log "P5: bench/bundle.sh (${P5_ENV[*]})"
    local out
    if ! out="$(env "${P5_ENV[@]}" bash "$ROOT/bench/bundle.sh" 2>"$WORK/bundle.stderr")"; then
        printf '%s\n' "$out" >"$WORK/bundle.txt"
        failed "P5"; return
    fi
    printf '%s\n' "$out" >"$WORK/bundle.txt"
    # RESULT mode=raw|bundle ... mibps=X peak_rss_mib=Y ...
    field() { grep "^RESULT mode=$1 " "$WORK/bundle.txt" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
    median() { sort -g | awk '{v[NR]=$1} END {if (NR == 0) print "null"; else if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }
    local raw bundle raw_rss rss runs pair
    raw="$(field raw mibps | median)"; bundle="$(field bundle mibps | median)"
    raw_rss="$(field raw peak_rss_mib | sort -g | tail -1)"; rss="$(field bundle peak_rss_mib | sort -g | tail -1)"
    runs="$(field bundle mibps | wc -l)"
    pair="$(sed -n 's/.*(median \([0-9.]*\) %).*/\1/p' "$WORK/bundle.txt" | tail -1)"
    # bundle.sh's header: "# runs=R files=F file_mib=M part_mb=P ..."
    total="$(sed -n 's/^# runs=[0-9]* files=\([0-9]*\) file_mib=\([0-9]*\).*/\1 \2/p' "$WORK/bundle.txt" | awk '{print $1 * $2}')"
    echo "RESULT $(jq -nc --argjson raw "$raw" --argjson bundle "$bundle" --argjson rss "${rss:-null}" --argjson raw_rss "${raw_rss:-null}" \
        --argjson runs "$runs" --argjson pair "${pair:-null}" --argjson total "${total:-null}" \
        '{bench: "P5", side: "ours", runs: $runs, total_mib: $total, raw_mibps: $raw, bundle_mibps: $bundle, ratio_pct: (if $raw > 0 then (1000 * $bundle / $raw | round) / 10 else null end), pair_median_pct: $pair, peak_rss_mib: $rss, raw_peak_rss_mib: $raw_rss}')" | record
}

# ------------------------------------------------------------------------------------------------
# P6: resume after kill -9 of the silo hosting a job: tuned and production membership/reminders
# ------------------------------------------------------------------------------------------------
resume_once() { # label fast-failover reminder-period
    local label="$1" fast="$2" period="$3"
    log "P6 $label: two silos (ORLEANS_FAST_FAILOVER=$fast, ORLEANS_REMINDER_PERIOD_SECONDS=$period)"
    if start_ours 2 DOWNLOAD_DELAY_ENABLED=true DOWNLOAD_DELAY_MIN_MS=300 DOWNLOAD_DELAY_MAX_MS=700 JOB_CONCURRENCY=2 \
        ORLEANS_FAST_FAILOVER="$fast" ORLEANS_REMINDER_PERIOD_SECONDS="$period"; then
        load resume --label "$label" --url "$GATEWAY_URL" --files 40 --file-ids "$MANY_IDS" --kill-after-s 2 --timeout-s 240 \
            --silo "${SILO_PIDS[0]}=${SILO_LOGS[0]}" --silo "${SILO_PIDS[1]}=${SILO_LOGS[1]}" | record || failed "P6 $label"
    else failed "P6 $label (start)"; fi
    stop_ours
}
run_p6() {
    local round
    for round in $(seq 1 "$P6_TUNED_ROUNDS"); do resume_once tuned true 1; done
    if [ "$P6_PRODUCTION" -gt 0 ]; then resume_once production false 60; fi
}

# ------------------------------------------------------------------------------------------------
log "mode $MODE ($ONLY); load average $LOAD_START; logs in $WORK"
for bench in P1 P2 P3 P4 P5 P6; do
    if wants "$bench"; then
        "run_${bench,,}" || failed "$bench"
    fi
done

LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
service_version() { # what was measured: the checkout, its commit, whether src/ had uncommitted changes
    if git -C "$SERVICE_ROOT" rev-parse --short HEAD >/dev/null 2>&1; then
        local dirty=""
        git -C "$SERVICE_ROOT" diff --quiet HEAD -- src || dirty=" +uncommitted src changes"
        echo "$SERVICE_ROOT $(git -C "$SERVICE_ROOT" rev-parse --short HEAD)$dirty"
    else
        echo "$SERVICE_ROOT (not a git checkout)"
    fi
}
mkdir -p "$ROOT/bench/results"
targets=true
[ "$MODE" = smoke ] && targets=false
OUT="$ROOT/bench/results/latest.json"
[ "$MODE" = smoke ] && OUT="$ROOT/bench/results/smoke.json"
echo
load report --in "$RESULTS_JSONL" --out "$OUT" --targets "$targets" \
    --meta "mode=$MODE" --meta "started=$START_TIME" --meta "finished=$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
    --meta "load_average_start=$LOAD_START" --meta "load_average_end=$LOAD_END" \
    --meta "machine=$(nproc) cpu, $(free -m | awk '/^Mem:/{print $2}') MiB, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" \
    --meta "dotnet=$(dotnet --version)" --meta "node=$(node --version)" --meta "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
    --meta "settings=JOB_CONCURRENCY=$JOB_CONCURRENCY SILO_CONCURRENCY=$SILO_CONCURRENCY connections=$CONNECTIONS" \
    --meta "service=$(service_version)" \
    --meta "failed=${FAILED_BENCHES[*]:-}"
cp "$RESULTS_JSONL" "$ROOT/bench/results/$MODE-$STAMP.jsonl"
echo
echo "load average: $LOAD_START at start, $LOAD_END at end ($(nproc) cores shared with whatever else runs)"
echo "results: ${OUT#"$ROOT"/}; logs and raw output: $WORK"
# One line per benchmark (tests/bench-smoke-checks.sh counts them): ok = it ran end to end on every side.
for bench in P1 P2 P3 P4 P5 P6; do
    if wants "$bench"; then
        problems="$(printf '%s\n' "${FAILED_BENCHES[@]:-}" | grep "^$bench\b" | paste -sd ';' || true)"
        if [ -n "$problems" ]; then echo "bench $bench: failed ($problems)"
        elif grep -q "\"bench\":\"$bench\"" "$RESULTS_JSONL"; then echo "bench $bench: ok"
        else echo "bench $bench: failed (no result)"; fi
    fi
done
if [ "${#FAILED_BENCHES[@]}" -gt 0 ]; then
    echo "failed: ${FAILED_BENCHES[*]}"
    exit 1
fi
