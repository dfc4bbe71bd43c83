#!/usr/bin/env bash
# The benchmarks of issue #7 (docs/benchmarks.md), one entry point. Starts everything it needs on
# loopback (redis-server, s3rver, silo(s), gateway, the BullMQ peer, the bare-Kestrel baseline), runs
# each benchmark, stops what it started, prints the table and writes bench/results/latest.json.
#
#   bench/run.sh            # full run (15-20 minutes on the 2-core machine before P1 had six figures; longer now)
#   bench/run.sh --quick    # every figure, single rounds, shorter windows (under 10 minutes)
#   bench/run.sh --smoke    # tiny loads, seconds per benchmark, no targets judged (tests/bench-smoke-checks.sh)
#   bench/run.sh --only P1,P3   # a subset (any mode)
#
# NO_BUILD=1 skips the build; DELINEATE_ROOT=DIR measures the service built from another checkout. The raw
# output of every tool and each process's log stay in the run's folder under ${TMPDIR:-/tmp} (printed at
# the end); bench/results/ is gitignored. P1 runs six figures per round (see run_p1).
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
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
    shift
done

# ------------------------------------------------------------------------------------------------
# Sizes per mode
# ------------------------------------------------------------------------------------------------
case "$MODE" in
    full)
        ROUNDS=3; P1_SECONDS=20; P1_WARMUP=20; P2_JOBS=3000; P2_WARMUP=1500
        P3_JOBS=1000; P3_FILES=20; P3_COLLECT=40; P3_WARMUP=10; P3_DELAY_MIN=1000; P3_DELAY_MAX=3000
        P4_JOBS=100000; P4_SUBSCRIBERS=5000; P4_SETTLE=30; P4_HOLD=20
        P5_ENV=(RUNS=3); P6_TUNED_ROUNDS=3; P6_PRODUCTION=1 ;;
    quick)
        ROUNDS=1; P1_SECONDS=8; P1_WARMUP=15; P2_JOBS=500; P2_WARMUP=600
        P3_JOBS=1000; P3_FILES=20; P3_COLLECT=15; P3_WARMUP=5; P3_DELAY_MIN=1000; P3_DELAY_MAX=3000
        P4_JOBS=100000; P4_SUBSCRIBERS=5000; P4_SETTLE=10; P4_HOLD=5
        P5_ENV=(RUNS=1); P6_TUNED_ROUNDS=1; P6_PRODUCTION=1 ;;
    smoke)
        ROUNDS=1; P1_SECONDS=2; P1_WARMUP=1; P2_JOBS=20; P2_WARMUP=0
        P3_JOBS=20; P3_FILES=4; P3_COLLECT=5; P3_WARMUP=0; P3_DELAY_MIN=100; P3_DELAY_MAX=300
        P4_JOBS=300; P4_SUBSCRIBERS=100; P4_SETTLE=2; P4_HOLD=2
        P5_ENV=(RUNS=1 FILES=4 FILE_MIB=2 PART_MB=5); P6_TUNED_ROUNDS=1; P6_PRODUCTION=0 ;;
esac
# Settings both sides get (docs/benchmarks.md, "Machine and conditions": one machine, 2 cores).
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

alive() { # pid: running (a zombie not yet reaped is not); builtins only, so polling it costs no fork
    local stat
    { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
    stat="${stat##*) }"
    [ "${stat:0:1}" != Z ]
}
now_us() { echo "${EPOCHREALTIME/./}"; }
# stop_pid PID: SIGTERM, then SIGKILL after 10 s; only a process this script started and has not stopped
# yet (a stopped one's number may be reused). Sets STOP_S (SIGTERM -> exit, s; null when it was not
# running) and STOP_KILLED (true when it needed SIGKILL).
stop_pid() {
    local pid="$1" t0="" p kept=() mine=false
    STOP_S=null STOP_KILLED=false
    [ -n "$pid" ] || return 0
    for p in "${STARTED[@]}"; do
        if [ "$p" = "$pid" ]; then mine=true; else kept+=("$p"); fi
    done
    [ "$mine" = true ] || return 0
    STARTED=("${kept[@]}")
    if alive "$pid"; then
        t0="$(now_us)"
        kill -TERM "$pid" 2>/dev/null || true
        while alive "$pid" && [ $(($(now_us) - t0)) -lt 10000000 ]; do sleep 0.05; done
        if alive "$pid"; then STOP_KILLED=true; kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    wait "$pid" 2>/dev/null || true
    [ -z "$t0" ] || STOP_S="$(awk -v us=$(($(now_us) - t0)) 'BEGIN {printf "%.2f", us / 1e6}')"
}
cleanup() {
    local pid
    for pid in "${STARTED[@]}"; do stop_pid "$pid"; done
    rm -rf "$S3_DATA" "$S3_DATA"-exports-*
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
        RATE_LIMIT_MAX_REQUESTS=100000000 MAX_ACTIVE_JOBS_PER_OWNER=1000000 MAX_ACTIVE_JOBS=100000000 \
        MAX_JOBS_PER_ADDRESS_PER_MINUTE=100000000 MAX_STREAMS_PER_ADDRESS=1000000 MAX_STREAMS_PER_OWNER=1000000 "$@")
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
    start gateway "$WORK/gateway-$CLUSTER_SEQ.log" env -C "$SERVICE_ROOT/src/Gateway" "${env_all[@]}" DELINEATE_MODE=clustered ALLOW_ANONYMOUS=true \
        dotnet "$GATEWAY_DLL" --urls "http://127.0.0.1:$port"
    GATEWAY_PID=$LAST_PID
    GATEWAY_URL="http://127.0.0.1:$port"
    for i in "${!SILO_HTTP[@]}"; do
        load wait-http --url "http://127.0.0.1:${SILO_HTTP[$i]}/health/ready" --timeout-s 90 || return 1
    done
    load wait-http --url "$GATEWAY_URL/health/ready" --timeout-s 90
}
stop_ours() { stop "$GATEWAY_PID" "${SILO_PIDS[@]}"; }

# Delineate embedded: the gateway alone (DELINEATE_MODE=embedded co-hosts a silo; in-memory state,
# reminders and streams; exports in a local folder; the synthetic catalogue). No silo process, no Redis.
# start_embedded VAR=value... ; sets GATEWAY_URL, GATEWAY_PID (SILO_PIDS empty)
start_embedded() {
    CLUSTER_SEQ=$((CLUSTER_SEQ + 1))
    reset_state
    local cluster="bench-$STAMP-$CLUSTER_SEQ" port silo_port gateway_port
    port="$(free_port)"; silo_port="$(free_port)"; gateway_port="$(free_port)"
    local exports="$S3_DATA-exports-$CLUSTER_SEQ"
    SILO_PIDS=(); SILO_LOGS=(); SILO_HTTP=()
    start "gateway (embedded)" "$WORK/gateway-$CLUSTER_SEQ-embedded.log" env -C "$SERVICE_ROOT/src/Gateway" \
        DELINEATE_MODE=embedded ORLEANS_CLUSTER_ID="$cluster" ORLEANS_SERVICE_ID="$cluster" \
        ORLEANS_SILO_PORT="$silo_port" ORLEANS_GATEWAY_PORT="$gateway_port" FILE_SOURCE=synthetic EXPORT_DIR="$exports" \
        JOB_CONCURRENCY="$JOB_CONCURRENCY" SILO_CONCURRENCY="$SILO_CONCURRENCY" \
        RATE_LIMIT_MAX_REQUESTS=100000000 MAX_ACTIVE_JOBS_PER_OWNER=1000000 MAX_ACTIVE_JOBS=100000000 \
        MAX_JOBS_PER_ADDRESS_PER_MINUTE=100000000 MAX_STREAMS_PER_ADDRESS=1000000 MAX_STREAMS_PER_OWNER=1000000 "$@" \
        dotnet "$GATEWAY_DLL" --urls "http://127.0.0.1:$port"
    GATEWAY_PID=$LAST_PID
    GATEWAY_URL="http://127.0.0.1:$port"
    load wait-http --url "$GATEWAY_URL/health/ready" --timeout-s 90
}

# The BullMQ peer: API and worker, two Node processes (as gateway and silo are two). Sets PEER_URL.
# start_peer [--no-worker] VAR=value... : --no-worker starts the API alone (accepted jobs stay queued).
PEER_SEQ=0
start_peer() {
    local worker=true
    if [ "${1:-}" = --no-worker ]; then worker=false; shift; fi
    reset_state
    PEER_SEQ=$((PEER_SEQ + 1))
    local port
    port="$(free_port)"
    local env_all=("${COMMON_ENV[@]}" PORT="$port" PEER_QUEUE="bench-$STAMP-$PEER_SEQ" "$@")
    PEER_WORKER_PID=""
    if [ "$worker" = true ]; then
        start "peer worker" "$WORK/peer-worker-$PEER_SEQ.log" env "${env_all[@]}" node "$PEER_DIR/server.js" worker
        PEER_WORKER_PID=$LAST_PID
    fi
    start "peer api" "$WORK/peer-api-$PEER_SEQ.log" env "${env_all[@]}" node "$PEER_DIR/server.js" api
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
# P1: initiate throughput and latency (wrk, 64 connections, 2 threads; owners varied per request),
# and the CPU each process spends per accepted initiate. Per round, each figure on fresh processes:
#   baseline   bare Kestrel, a constant 202
#   parked     the main figure: 600 s source delays, so jobs are only accepted (ours: 1 silo + 1 gateway
#              on Redis; the peer: its API alone, no worker, so jobs stay queued)
#   embedded   ours, the gateway alone in embedded mode (in-memory, co-hosted silo), parked likewise
#   running    delays off: every accepted job runs at once (the peer with its worker)
# ------------------------------------------------------------------------------------------------
CLK_TCK="$(getconf CLK_TCK)"
PARKED=(DOWNLOAD_DELAY_ENABLED=true DOWNLOAD_DELAY_MIN_MS=600000 DOWNLOAD_DELAY_MAX_MS=600000)
cpu_ticks() { # pid: utime + stime of the whole process (all threads), clock ticks; empty once it is gone
    local stat fields
    stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 0
    read -ra fields <<<"${stat##*) }"   # after "pid (comm) ": state is field 3, utime 14, stime 15
    echo $((fields[11] + fields[12]))
}
real_pid() { # pid: the process doing the work; a wrapper (env, sh, bash) is followed to its only child
    local pid="$1" comm children
    comm="$(cat "/proc/$pid/comm" 2>/dev/null || true)"
    case "$comm" in
        env|sh|bash|dash)
            children="$(cat /proc/"$pid"/task/*/children 2>/dev/null | xargs)"
            if [ -n "$children" ] && [[ "$children" != *" "* ]]; then real_pid "$children"; return; fi ;;
    esac
    echo "$pid"
}
# wrk_initiate FIGURE SIDE URL NAME=PID... : a warm-up run, then the measured one with each named
# process's CPU read before and after it; prints wrk's JSON plus cpu_s and cpu_us_per_req per process.
wrk_initiate() {
    local figure="$1" side="$2" url="$3"; shift 3
    local tag="$figure-$side" line spec name pid cpu='{}' names=() pids=() before=()
    OWNERS=256 FILE_ID="$SMALLEST" OWNER_PREFIX="warm-$tag" wrk -t2 -c"$CONNECTIONS" -d"${P1_WARMUP}s" -s "$LUA" "$url/v1/download/initiate" >/dev/null 2>&1 || true
    for spec in "$@"; do
        name="${spec%%=*}"; pid="$(real_pid "${spec#*=}")"
        names+=("$name"); pids+=("$pid"); before+=("$(cpu_ticks "$pid")")
    done
    line="$(OWNERS=256 FILE_ID="$SMALLEST" OWNER_PREFIX="p1-$tag" wrk -t2 -c"$CONNECTIONS" -d"${P1_SECONDS}s" --timeout 10s -s "$LUA" "$url/v1/download/initiate" 2>&1 \
        | tee -a "$WORK/wrk-$tag.txt" | grep '^{' | tail -1)"
    local i after
    for i in "${!names[@]}"; do
        after="$(cpu_ticks "${pids[$i]}")"
        if [ -z "${before[$i]}" ] || [ -z "$after" ]; then
            log "P1 $tag: ${names[$i]} (pid ${pids[$i]}) was not running through the window"; return 1
        fi
        cpu="$(jq -c --arg n "${names[$i]}" --argjson pid "${pids[$i]}" --arg comm "$(cat "/proc/${pids[$i]}/comm")" \
            --argjson ticks "$((after - ${before[$i]}))" --argjson hz "$CLK_TCK" \
            '. + {($n): {pid: $pid, comm: $comm, cpu_s: ($ticks / $hz)}}' <<<"$cpu")"
    done
    [ -n "$line" ] || return 1
    if [ "$(jq '.requests - .non2xx' <<<"$line")" -le 0 ]; then
        # No figure at all (everything still in flight when the window closed, or only errors): a failure,
        # except in smoke mode, where a starved machine may do this to a 2 s window.
        log "P1 $tag: no request accepted within the ${P1_SECONDS} s window"
        [ "$MODE" = smoke ] || return 1
    fi
    # µs of CPU per accepted (2xx) request: the process's CPU seconds over the window x 1e6 / accepted
    echo "$line" | jq -c --arg figure "$figure" --arg side "$side" --argjson cpu "$cpu" '
        (.requests - .non2xx) as $ok
        | {bench: "P1", figure: $figure, side: $side} + . + {accepted: $ok,
           cpu_s: ($cpu | map_values(.cpu_s)),
           cpu_us_per_req: ($cpu | map_values(if $ok > 0 then (.cpu_s * 1e6 / $ok | round) else null end)),
           processes: ($cpu | map_values({pid, comm}))}'
}
# stop_timed NAME=PID... : stops each in turn (SIGTERM, SIGKILL after 10 s), logs and collects how long
# each took to exit after SIGTERM into STOPS (JSON: name -> seconds, and which needed SIGKILL)
stop_timed() {
    local spec
    STOPS='{}'
    for spec in "$@"; do
        [ -n "${spec#*=}" ] || continue
        stop_pid "${spec#*=}"
        if [ "$STOP_S" = null ]; then log "${spec%%=*} (pid ${spec#*=}) was no longer running"
        else log "stopped ${spec%%=*} (pid ${spec#*=}): ${STOP_S} s after SIGTERM$([ "$STOP_KILLED" = false ] || echo ' (did not exit: SIGKILL at 10 s)')"; fi
        STOPS="$(jq -c --arg n "${spec%%=*}" --argjson s "$STOP_S" --argjson k "$STOP_KILLED" '. + {($n): {s: $s, killed: $k}}' <<<"$STOPS")"
    done
}
# p1_record ROUND LABEL MEASURED-JSON : one RESULT line (the measurement + its round + STOPS), or FAILED
p1_record() {
    local round="$1" label="$2" measured="$3"
    if [ -z "$measured" ]; then failed "P1 $label"; return; fi
    echo "RESULT $(jq -c --argjson round "$round" --argjson stops "$STOPS" '. + {round: $round, stop_s: ($stops | map_values(.s)), stop_killed: ($stops | map_values(.killed))}' <<<"$measured")" | record
}
run_p1() {
    local round out
    for round in $(seq 1 "$ROUNDS"); do
        log "P1 round $round/$ROUNDS: baseline"
        out=""
        if start_baseline; then out="$(wrk_initiate http baseline "$BASELINE_URL" baseline="$BASELINE_PID")" || out=""; fi
        stop_timed baseline="$BASELINE_PID"
        p1_record "$round" baseline "$out"

        log "P1 round $round/$ROUNDS: Delineate clustered, parked (600 s delays)"
        out=""
        if start_ours 1 "${PARKED[@]}" ORLEANS_REMINDER_PERIOD_SECONDS=60; then
            out="$(wrk_initiate parked ours "$GATEWAY_URL" gateway="$GATEWAY_PID" silo="${SILO_PIDS[0]}" redis="$REDIS_PID")" || out=""
        else log "P1 parked ours: start failed"; fi
        stop_timed gateway="$GATEWAY_PID" silo="${SILO_PIDS[0]:-}"
        p1_record "$round" "parked ours" "$out"

        log "P1 round $round/$ROUNDS: BullMQ peer, parked (API alone, no worker)"
        out=""
        if start_peer --no-worker "${PARKED[@]}"; then
            out="$(wrk_initiate parked peer "$PEER_URL" api="$PEER_API_PID" redis="$REDIS_PID")" || out=""
        else log "P1 parked peer: start failed"; fi
        stop_timed api="$PEER_API_PID"
        p1_record "$round" "parked peer" "$out"

        log "P1 round $round/$ROUNDS: Delineate embedded (gateway alone, in-memory), parked"
        out=""
        if start_embedded "${PARKED[@]}" ORLEANS_REMINDER_PERIOD_SECONDS=60; then
            out="$(wrk_initiate embedded ours "$GATEWAY_URL" gateway="$GATEWAY_PID")" || out=""
        else log "P1 embedded ours: start failed"; fi
        stop_timed gateway="$GATEWAY_PID"
        p1_record "$round" "embedded ours" "$out"

        log "P1 round $round/$ROUNDS: Delineate clustered, delays off (jobs run)"
        out=""
        if start_ours 1 DOWNLOAD_DELAY_ENABLED=false ORLEANS_REMINDER_PERIOD_SECONDS=60; then
            out="$(wrk_initiate running ours "$GATEWAY_URL" gateway="$GATEWAY_PID" silo="${SILO_PIDS[0]}" redis="$REDIS_PID" s3rver="$S3_PID")" || out=""
        else log "P1 running ours: start failed"; fi
        stop_timed gateway="$GATEWAY_PID" silo="${SILO_PIDS[0]:-}"
        p1_record "$round" "running ours" "$out"

        log "P1 round $round/$ROUNDS: BullMQ peer, delays off (API + worker)"
        out=""
        if start_peer DOWNLOAD_DELAY_ENABLED=false; then
            out="$(wrk_initiate running peer "$PEER_URL" api="$PEER_API_PID" worker="$PEER_WORKER_PID" redis="$REDIS_PID" s3rver="$S3_PID")" || out=""
        else log "P1 running peer: start failed"; fi
        stop_timed api="$PEER_API_PID" worker="$PEER_WORKER_PID"
        p1_record "$round" "running peer" "$out"
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
            --collect-s "$P3_COLLECT" --warmup-s "$P3_WARMUP" | record || failed "P3"
    else failed "P3 (start)"; fi
    stop_ours
}

# ------------------------------------------------------------------------------------------------
# P4: capacity: N accepted jobs (1-4 files, 600 s source delays: nothing finishes) on one silo, at most
# SILO_MAX_RUNNING_JOBS of them running and the rest queued; the accept rate while the backlog builds; the
# silo's RSS once all are accepted; then M WebSocket subscribers to M of those jobs on the one gateway
# ------------------------------------------------------------------------------------------------
P4_MAX_RUNNING=256   # the service's default SILO_MAX_RUNNING_JOBS, given explicitly
run_p4() {
    log "P4: Delineate, $P4_JOBS jobs accepted (at most $P4_MAX_RUNNING running), then $P4_SUBSCRIBERS subscribers"
    # 256 owners of ~N/256 jobs each: MAX_ACTIVE_JOBS_PER_OWNER (1000000 from start_ours) is far above that.
    if start_ours 1 DOWNLOAD_DELAY_ENABLED=true DOWNLOAD_DELAY_MIN_MS=600000 DOWNLOAD_DELAY_MAX_MS=600000 \
        SILO_CONCURRENCY=512 SILO_MAX_RUNNING_JOBS="$P4_MAX_RUNNING" MAX_ACTIVE_JOBS_PER_OWNER=1000000 ORLEANS_REMINDER_PERIOD_SECONDS=60; then
        load capacity --url "$GATEWAY_URL" --jobs "$P4_JOBS" --subscribers "$P4_SUBSCRIBERS" --min-files 1 --max-files 4 \
            --file-ids "$MANY_IDS" --connections "$CONNECTIONS" --owners 256 --max-running "$P4_MAX_RUNNING" \
            --settle-s "$P4_SETTLE" --hold-s "$P4_HOLD" --silo-metrics "http://127.0.0.1:${SILO_HTTP[0]}/metrics" \
            --pid "silo=${SILO_PIDS[0]}" --pid "gateway=$GATEWAY_PID" --pid "redis=$REDIS_PID" | record || failed "P4"
    else failed "P4 (start)"; fi
    stop_ours
}

# ------------------------------------------------------------------------------------------------
# P5: bundling vs raw PutObject of the same bytes: bench/bundle.sh, as it is
# ------------------------------------------------------------------------------------------------
run_p5() {
    # With DELINEATE_ROOT, that checkout's own bench/bundle.sh: it builds the bundling client against that tree's src/.
    local bundle_sh="$ROOT/bench/bundle.sh"
    if [ "$(realpath "$SERVICE_ROOT")" != "$(realpath "$ROOT")" ] && [ -f "$SERVICE_ROOT/bench/bundle.sh" ]; then
        bundle_sh="$SERVICE_ROOT/bench/bundle.sh"
    fi
    log "P5: ${bundle_sh} (${P5_ENV[*]})"
    local out
    if ! out="$(env "${P5_ENV[@]}" bash "$bundle_sh" 2>"$WORK/bundle.stderr")"; then
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
