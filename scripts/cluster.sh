#!/usr/bin/env bash
# A clustered Delineate on this machine's loopback, without Docker: Redis, s3rver (an S3 server),
# N silos and M gateways as plain processes on free ports, sharing one Redis. The way to try
# clustered mode (failover, scaling) on a laptop.
#
#   scripts/cluster.sh up [--silos N] [--gateways M] [--no-build]   build, start, seed, print URLs
#   scripts/cluster.sh status                                       processes, ports, health
#   scripts/cluster.sh add-silo                                     one more silo
#   scripts/cluster.sh remove-silo [NAME] [--force]                 SIGTERM a silo, the newest unless
#                                                                   NAME (e.g. silo-1) is given (graceful)
#   scripts/cluster.sh logs [NAME] [-f]                             e.g. logs silo-2 -f
#   scripts/cluster.sh down                                         stop everything it started
#
# Everything lives in .cluster/ (gitignored; CLUSTER_DIR=path puts it elsewhere, so that two
# clusters can run side by side): logs/ (one file per process), run/ (PIDs, ports), data/ (the S3
# objects). It stops only the PIDs it recorded. Settings the services read
# (README "Configuration") pass through from your environment, e.g.
#   DOWNLOAD_DELAY_MAX_MS=1500 scripts/cluster.sh up --silos 3
# Needs: dotnet, redis-server (Debian package redis-server), node + npm (s3rver is installed into
# .tools/ on first use), curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${CLUSTER_DIR:-$ROOT/.cluster}"
mkdir -p "$STATE"
STATE="$(cd "$STATE" && pwd)"
RUN="$STATE/run"
LOGS="$STATE/logs"
DATA="$STATE/data"
CONFIGURATION=Release
SILO_DLL="$ROOT/src/Silo/bin/$CONFIGURATION/net10.0/Delineate.Silo.dll"
GATEWAY_DLL="$ROOT/src/Gateway/bin/$CONFIGURATION/net10.0/Delineate.Gateway.dll"
S3RVER="$ROOT/.tools/node_modules/.bin/s3rver"
S3RVER_VERSION=3.7.1
SEED_RANGE="${SEED_RANGE:-70000-72000}"
BUCKET=downloads
START_TIMEOUT=90   # seconds for one process to become healthy
STOP_TIMEOUT=60    # seconds for one process to exit after SIGTERM

say()  { printf '%s\n' "$*"; }
step() { printf '==> [%3ss] %s\n' "$SECONDS" "$*"; }
die()  { printf 'cluster.sh: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
    exit "${1:-0}"
}

# ---- process records ------------------------------------------------------------------------------
# run/NAME.pid holds the PID; run/NAME.ports holds KEY=VALUE lines (HTTP_PORT, SILO_PORT, ...).

# What /proc/PID/cmdline must contain for PID to still be the process we started as NAME.
signature() {
    case "$1" in
        redis) echo redis-server ;;
        s3rver) echo s3rver ;;
        silo-*) echo Delineate.Silo.dll ;;
        gateway-*) echo Delineate.Gateway.dll ;;
        *) echo "$1" ;;
    esac
}

pid_of() { [ -f "$RUN/$1.pid" ] && cat "$RUN/$1.pid" || true; }

is_running() { # NAME
    local pid
    pid="$(pid_of "$1")"
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$(signature "$1")"
}

port_of() { # NAME KEY
    sed -n "s/^$2=//p" "$RUN/$1.ports" 2>/dev/null
}

# Names of recorded processes of a kind (silo, gateway), in start order.
names_of() {
    local f
    for f in "$RUN/$1"-*.pid; do
        [ -e "$f" ] || continue
        basename "$f" .pid
    done | sort -t- -k2 -n
}

# Starts "$@" in its own session (so a Ctrl-C in this terminal does not reach it), output to
# logs/NAME.log, and records its PID (the wrapper shell writes its own PID, then execs the command).
start_process() { # NAME command...
    local name="$1"; shift
    rm -f "$RUN/$name.pid"
    ( cd "$ROOT" && exec setsid bash -c 'echo $$ > "$0"; exec "$@"' "$RUN/$name.pid" "$@" ) \
        >>"$LOGS/$name.log" 2>&1 </dev/null &
    local i
    for i in $(seq 1 50); do
        [ -s "$RUN/$name.pid" ] && return 0
        sleep 0.1
    done
    die "$name did not start (see $LOGS/$name.log)"
}

# Waits until "$@" succeeds, while NAME is alive; on failure shows the end of its log.
wait_until() { # NAME DESCRIPTION command...
    local name="$1" what="$2"; shift 2
    local deadline=$((SECONDS + START_TIMEOUT))
    until "$@" >/dev/null 2>&1; do
        if ! is_running "$name"; then
            say "  $name exited before it was $what; last lines of $LOGS/$name.log:" >&2
            tail -n 30 "$LOGS/$name.log" | sed 's/^/    /' >&2
            return 1
        fi
        if [ "$SECONDS" -ge "$deadline" ]; then
            say "  $name not $what after ${START_TIMEOUT}s; last lines of $LOGS/$name.log:" >&2
            tail -n 30 "$LOGS/$name.log" | sed 's/^/    /' >&2
            return 1
        fi
        sleep 0.5
    done
}

# Sends SIGTERM to NAME and waits for it to exit; SIGKILL after STOP_TIMEOUT.
stop_process() { # NAME
    local name="$1" pid
    pid="$(pid_of "$name")"
    if is_running "$name"; then
        kill -TERM "$pid" 2>/dev/null || true
        local deadline=$((SECONDS + STOP_TIMEOUT))
        while is_running "$name"; do
            if [ "$SECONDS" -ge "$deadline" ]; then
                say "  $name (pid $pid) still running after ${STOP_TIMEOUT}s: SIGKILL"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
                break
            fi
            sleep 0.2
        done
        say "  stopped $name (pid $pid)"
    fi
    rm -f "$RUN/$name.pid" "$RUN/$name.ports"
}

# ---- ports ----------------------------------------------------------------------------------------
# N distinct free loopback ports from 20000-32767 (below the ephemeral range, away from the
# services' defaults), each checked by binding it.
free_ports() { # N
    node -e '
        const net = require("net");
        const want = Number(process.argv[1]), taken = new Set(), servers = [];
        const tryOne = () => new Promise(resolve => {
            const port = 20000 + Math.floor(Math.random() * 12768);
            if (taken.has(port)) return resolve();
            const s = net.createServer();
            s.once("error", () => resolve());
            s.listen(port, "127.0.0.1", () => { taken.add(port); servers.push(s); resolve(); });
        });
        (async () => {
            for (let i = 0; taken.size < want && i < 1000; i++) await tryOne();
            servers.forEach(s => s.close());
            if (taken.size < want) process.exit(1);
            console.log([...taken].join(" "));
        })();' "$1"
}

# ---- environment of the services ------------------------------------------------------------------
cluster_env() {
    # shellcheck disable=SC1091
    . "$STATE/cluster.env"
    ENV_COMMON=(
        ORLEANS_CLUSTER_ID=delineate-local
        ORLEANS_SERVICE_ID=delineate-local
        ORLEANS_ADVERTISED_IP=127.0.0.1
        ORLEANS_FAST_FAILOVER="${ORLEANS_FAST_FAILOVER:-true}"
        ORLEANS_REMINDER_PERIOD_SECONDS="${ORLEANS_REMINDER_PERIOD_SECONDS:-10}"
        REDIS_HOST=127.0.0.1
        REDIS_PORT="$REDIS_PORT"
        S3_ENDPOINT="http://127.0.0.1:$S3_PORT"
        S3_REGION=us-east-1
        S3_ACCESS_KEY_ID=S3RVER
        S3_SECRET_ACCESS_KEY=S3RVER
        S3_BUCKET_NAME="$BUCKET"
        S3_FORCE_PATH_STYLE=true
        FILE_SOURCE=s3
    )
}

# ---- commands -------------------------------------------------------------------------------------
need() { command -v "$1" >/dev/null 2>&1 || die "$1 is missing: $2"; }

ensure_tools() {
    need dotnet "install the .NET 10 SDK"
    need redis-server "install the Debian package redis-server (apt-get install -y redis-server)"
    need node "install Node.js (Debian package nodejs npm)"
    need curl "install curl"
    if [ ! -x "$S3RVER" ]; then
        need npm "install npm"
        step "npm install s3rver@$S3RVER_VERSION (into .tools/)"
        npm install --prefix "$ROOT/.tools" --no-audit --no-fund --loglevel=error "s3rver@$S3RVER_VERSION" >/dev/null
    fi
}

start_silo() { # INDEX
    local name="silo-$1" ports http silo gw
    ports="$(free_ports 3)" || die "no free ports"
    read -r http silo gw <<<"$ports"
    printf 'HTTP_PORT=%s\nSILO_PORT=%s\nGATEWAY_PORT=%s\n' "$http" "$silo" "$gw" > "$RUN/$name.ports"
    start_process "$name" env "${ENV_COMMON[@]}" ORLEANS_SILO_PORT="$silo" ORLEANS_GATEWAY_PORT="$gw" \
        dotnet "$SILO_DLL" --urls "http://127.0.0.1:$http"
    say "  $name: pid $(pid_of "$name"), http://127.0.0.1:$http (silo port $silo, gateway port $gw)"
}

start_gateway() { # INDEX
    local name="gateway-$1" http
    http="$(free_ports 1)" || die "no free ports"
    printf 'HTTP_PORT=%s\n' "$http" > "$RUN/$name.ports"
    start_process "$name" env "${ENV_COMMON[@]}" DELINEATE_MODE=clustered ALLOW_ANONYMOUS=true \
        dotnet "$GATEWAY_DLL" --urls "http://127.0.0.1:$http" --contentRoot "$ROOT/src/Gateway"
    say "  $name: pid $(pid_of "$name"), http://127.0.0.1:$http"
}

healthy() { curl -fsS -m 3 "http://127.0.0.1:$1/health/ready"; }

cmd_up() {
    local silos=2 gateways=1 build=1
    while [ $# -gt 0 ]; do
        case "$1" in
            --silos) silos="${2:?--silos needs a number}"; shift 2 ;;
            --gateways) gateways="${2:?--gateways needs a number}"; shift 2 ;;
            --no-build) build=0; shift ;;
            -h|--help) usage ;;
            *) die "up: unknown option $1" ;;
        esac
    done
    [[ "$silos" =~ ^[1-9][0-9]*$ ]] || die "--silos must be a positive number"
    [[ "$gateways" =~ ^[1-9][0-9]*$ ]] || die "--gateways must be a positive number"
    for f in "$RUN"/*.pid; do
        [ -e "$f" ] || continue
        is_running "$(basename "$f" .pid)" && die "a cluster is already up (scripts/cluster.sh status); run 'scripts/cluster.sh down' first"
    done
    ensure_tools
    rm -rf "$RUN" "$LOGS" "$DATA"
    mkdir -p "$RUN" "$LOGS" "$DATA/s3"

    if [ "$build" -eq 1 ]; then
        step "dotnet build -c $CONFIGURATION (gateway and silo)"
        dotnet build "$ROOT/src/Gateway/Gateway.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly >"$LOGS/build.log" 2>&1 \
            || { tail -n 30 "$LOGS/build.log" >&2; die "build failed (log: $LOGS/build.log)"; }
    fi
    [ -f "$SILO_DLL" ] && [ -f "$GATEWAY_DLL" ] || die "no build output at $SILO_DLL / $GATEWAY_DLL"

    # From here on, a failure stops whatever was started.
    trap 'say "up failed: stopping what was started" >&2; cmd_down >&2' EXIT

    local ports redis_port s3_port
    ports="$(free_ports 2)" || die "no free ports"
    read -r redis_port s3_port <<<"$ports"
    printf 'REDIS_PORT=%s\nS3_PORT=%s\n' "$redis_port" "$s3_port" > "$STATE/cluster.env"
    cluster_env

    step "redis-server on 127.0.0.1:$redis_port"
    start_process redis redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no --daemonize no
    wait_until redis "answering" redis-cli -h 127.0.0.1 -p "$redis_port" ping || die "redis did not start"

    step "s3rver on 127.0.0.1:$s3_port (data in ${DATA#"$ROOT"/}/s3)"
    # Without the legacy OpenSSL provider, s3rver answers paged listings with 500 on Node 17+.
    start_process s3rver env NODE_OPTIONS=--openssl-legacy-provider \
        "$S3RVER" -d "$DATA/s3" -a 127.0.0.1 -p "$s3_port" --silent
    wait_until s3rver "answering" curl -sS -m 2 -o /dev/null "http://127.0.0.1:$s3_port/" || die "s3rver did not start"

    step "seed $SEED_RANGE into s3://$BUCKET (ids divisible by 7)"
    env "${ENV_COMMON[@]}" dotnet "$SILO_DLL" seed "$SEED_RANGE" >"$LOGS/seed.log" 2>&1 \
        || { tail -n 30 "$LOGS/seed.log" >&2; die "seed failed (log: $LOGS/seed.log)"; }
    grep -m1 '^seeded' "$LOGS/seed.log" | sed 's/^/  /' || true

    step "$silos silo(s)"
    local i
    for i in $(seq 1 "$silos"); do start_silo "$i"; done
    for i in $(seq 1 "$silos"); do
        wait_until "silo-$i" "healthy" healthy "$(port_of "silo-$i" HTTP_PORT)" || die "silo-$i did not become healthy"
    done

    step "$gateways gateway(s)"
    for i in $(seq 1 "$gateways"); do start_gateway "$i"; done
    for i in $(seq 1 "$gateways"); do
        wait_until "gateway-$i" "healthy" healthy "$(port_of "gateway-$i" HTTP_PORT)" || die "gateway-$i did not become healthy"
    done
    trap - EXIT

    say
    say "Cluster up: $silos silo(s), $gateways gateway(s); logs in ${LOGS#"$ROOT"/}/."
    print_urls
}

print_urls() {
    local g s
    for g in $(names_of gateway); do
        say "  $g: http://127.0.0.1:$(port_of "$g" HTTP_PORT)   (docs /docs, progress page /ui/, dashboard /dashboard)"
    done
    for s in $(names_of silo); do
        say "  $s: http://127.0.0.1:$(port_of "$s" HTTP_PORT)   (health /health, metrics /metrics, dashboard /dashboard)"
    done
    g="$(names_of gateway | head -n 1)"
    if [ -n "$g" ]; then
        say
        say "Try it:"
        say "  curl -s -X POST http://127.0.0.1:$(port_of "$g" HTTP_PORT)/v1/download/initiate \\"
        say "    -H 'content-type: application/json' -d '{\"file_ids\":[70000,70007,70014,10001]}'"
    fi
}

require_up() {
    [ -f "$STATE/cluster.env" ] && is_running redis || die "no cluster is up (scripts/cluster.sh up)"
    cluster_env
}

cmd_add_silo() {
    require_up
    local last next
    last="$(names_of silo | tail -n 1)"
    next=$(( ${last#silo-} + 1 ))
    [ -n "$last" ] || next=1
    step "add silo-$next"
    start_silo "$next"
    wait_until "silo-$next" "healthy" healthy "$(port_of "silo-$next" HTTP_PORT)" || die "silo-$next did not become healthy"
    say "  silo-$next joined the cluster"
}

cmd_remove_silo() {
    local force=0 target=""
    while [ $# -gt 0 ]; do
        case "$1" in
            --force) force=1 ;;
            silo-*) target="$1" ;;
            *) die "remove-silo: unknown argument $1 (a silo name such as silo-1, or --force)" ;;
        esac
        shift
    done
    require_up
    local running=() s
    for s in $(names_of silo); do is_running "$s" && running+=("$s"); done
    [ "${#running[@]}" -gt 0 ] || die "no silo is running"
    if [ "${#running[@]}" -eq 1 ] && [ "$force" -eq 0 ]; then
        die "${running[0]} is the last silo: jobs would wait until a silo is back (remove-silo --force to do it anyway)"
    fi
    if [ -n "$target" ]; then
        is_running "$target" || die "$target is not running (running: ${running[*]})"
        s="$target"
    else
        s="${running[${#running[@]}-1]}"
    fi
    step "remove $s (SIGTERM: it leaves the cluster; its jobs resume on the others)"
    stop_process "$s"
}

cmd_status() {
    if [ ! -d "$RUN" ] || [ -z "$(ls -A "$RUN" 2>/dev/null)" ]; then
        say "no cluster (scripts/cluster.sh up)"
        return 0
    fi
    local name state health port
    printf '%-11s %-8s %-8s %-28s %s\n' NAME PID STATE ADDRESS HEALTH
    for name in redis s3rver $(names_of silo) $(names_of gateway); do
        [ -f "$RUN/$name.pid" ] || continue
        state=dead; health=-
        is_running "$name" && state=running
        case "$name" in
            redis) port="$(sed -n 's/^REDIS_PORT=//p' "$STATE/cluster.env")" ;;
            s3rver) port="$(sed -n 's/^S3_PORT=//p' "$STATE/cluster.env")" ;;
            *) port="$(port_of "$name" HTTP_PORT)"
               if [ "$state" = running ]; then health="$(curl -s -m 3 "http://127.0.0.1:$port/health/ready" || echo unreachable)"; fi ;;
        esac
        printf '%-11s %-8s %-8s %-28s %s\n' "$name" "$(pid_of "$name")" "$state" "127.0.0.1:$port" "$health"
    done
}

cmd_logs() {
    local name="" follow=0
    while [ $# -gt 0 ]; do
        case "$1" in
            -f|--follow) follow=1 ;;
            *) name="$1" ;;
        esac
        shift
    done
    [ -d "$LOGS" ] || die "no logs yet"
    if [ -z "$name" ]; then
        if [ "$follow" -eq 1 ]; then exec tail -n 5 -F "$LOGS"/*.log; fi
        local f
        for f in "$LOGS"/*.log; do
            say "==> ${f#"$ROOT"/} <=="
            tail -n 5 "$f"
        done
        return 0
    fi
    [ -f "$LOGS/$name.log" ] || die "no log $LOGS/$name.log (have: $(cd "$LOGS" && ls))"
    if [ "$follow" -eq 1 ]; then exec tail -n 50 -F "$LOGS/$name.log"; fi
    tail -n 100 "$LOGS/$name.log"
}

cmd_down() {
    [ -d "$RUN" ] || { say "no cluster"; return 0; }
    step "down"
    local name
    # Gateways first (clients), then silos newest first, then storage.
    for name in $(names_of gateway | sort -r) $(names_of silo | sort -t- -k2 -nr) s3rver redis; do
        [ -f "$RUN/$name.pid" ] && stop_process "$name"
    done
    rm -f "$STATE/cluster.env"
    say "  logs kept in ${LOGS#"$ROOT"/}/"
}

# ---- main -----------------------------------------------------------------------------------------
command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
    up) cmd_up "$@" ;;
    down) cmd_down ;;
    add-silo) cmd_add_silo ;;
    remove-silo) cmd_remove_silo "$@" ;;
    status) cmd_status ;;
    logs) cmd_logs "$@" ;;
    -h|--help|help) usage 0 ;;
    *) usage 1 >&2 ;;
esac
