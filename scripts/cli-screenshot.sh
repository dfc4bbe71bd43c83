#!/usr/bin/env bash
# Takes docs/screenshots/cli-progress.png: `delineate download` in a tmux pane, captured mid-job with
# `tmux capture-pane -p -e` (text and colours), turned into HTML (scripts/ansi_to_html.py) and
# photographed by headless Chromium.
#
#   scripts/cli-screenshot.sh [--no-build] [OUT.png]
#
# Starts its own embedded gateway on a free loopback port with per-file delays on (so the job takes
# a while), stops only what it started. Needs: dotnet, tmux, python3, chromium, curl.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD=1
if [ "${1:-}" = "--no-build" ]; then BUILD=0; shift; fi
OUT="${1:-$ROOT/docs/screenshots/cli-progress.png}"
GATEWAY_DLL="$ROOT/src/Gateway/bin/Release/net10.0/Delineate.Gateway.dll"
CLI_DLL="$ROOT/src/Cli/bin/Release/net10.0/delineate.dll"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/delineate-cli-shot.XXXXXX")"
SESSION="delineate-shot-$$"
COLUMNS_WIDE=118
ROWS=6
GATEWAY_PID=""

cleanup() {
    tmux kill-session -t "$SESSION" 2>/dev/null || true
    if [ -n "$GATEWAY_PID" ] && kill -0 "$GATEWAY_PID" 2>/dev/null; then
        kill "$GATEWAY_PID" 2>/dev/null || true
        wait "$GATEWAY_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

die() { printf 'cli-screenshot.sh: %s\n' "$*" >&2; exit 1; }
for tool in dotnet tmux python3 chromium curl; do
    command -v "$tool" >/dev/null || die "needs $tool on PATH"
done

if [ "$BUILD" -eq 1 ]; then
    dotnet build "$ROOT/src/Cli/Cli.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly
    dotnet build "$ROOT/src/Gateway/Gateway.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly
fi
[ -f "$GATEWAY_DLL" ] || die "not built: $GATEWAY_DLL"
[ -f "$CLI_DLL" ] || die "not built: $CLI_DLL"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
HTTP_PORT=$(free_port)
SERVER="http://127.0.0.1:$HTTP_PORT"

# An embedded gateway whose files take 0.4-1.2 s each, two at a time: a 24-file job lasts ~10 s.
env DELINEATE_MODE=embedded ORLEANS_SILO_PORT="$(free_port)" ORLEANS_GATEWAY_PORT="$(free_port)" \
    ORLEANS_ADVERTISED_IP=127.0.0.1 EXPORT_DIR="$WORK/exports" \
    DOWNLOAD_DELAY_ENABLED=true DOWNLOAD_DELAY_MIN_MS=400 DOWNLOAD_DELAY_MAX_MS=1200 JOB_CONCURRENCY=2 \
    Serilog__MinimumLevel__Default=Warning \
    dotnet "$GATEWAY_DLL" --urls "$SERVER" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
for _ in $(seq 1 300); do
    curl -fsS "$SERVER/health/live" >/dev/null 2>&1 && break
    kill -0 "$GATEWAY_PID" 2>/dev/null || { cat "$WORK/gateway.log" >&2; die "the gateway exited"; }
    sleep 0.2
done
curl -fsS "$SERVER/health/live" >/dev/null || die "the gateway did not become live at $SERVER"

# 24 ids: 21 in the synthetic catalogue (multiples of 7), 3 missing (two of them early, so the bar shows them).
IDS="70000 70007 10001 70014 70021 10002 $(seq 70028 7 70140 | tr '\n' ' ') 10004"
cat >"$WORK/run.sh" <<RUN
cd '$WORK'
printf '\$ delineate download 70000 70007 10001 … 10004 --out job.zip\n'
dotnet '$CLI_DLL' download $IDS --server '$SERVER' --out job.zip
sleep 600
RUN
tmux new-session -d -s "$SESSION" -x "$COLUMNS_WIDE" -y "$ROWS" \
    -e TERM=xterm-256color -e COLORTERM=truecolor -e DOTNET_NOLOGO=1 "bash '$WORK/run.sh'"

# Wait, by what the pane shows, until the job is well under way but not finished: 8 or more files done.
captured=""
for _ in $(seq 1 600); do
    text="$(tmux capture-pane -p -t "$SESSION")"
    done_files=$(printf '%s' "$text" | grep -o '[0-9]\+/24 files' | head -1 | cut -d/ -f1 || true)
    if [ -n "$done_files" ] && [ "$done_files" -ge 8 ] && [ "$done_files" -lt 20 ]; then
        tmux capture-pane -p -e -t "$SESSION" >"$WORK/pane.ansi"
        captured=1
        break
    fi
    if printf '%s' "$text" | grep -q 'delineate:'; then die "the command failed: $text"; fi
    sleep 0.1
done
[ -n "$captured" ] || die "the pane never showed the job mid-way; last screen:
$text"

python3 "$ROOT/scripts/ansi_to_html.py" "$WORK/pane.ansi" --title "delineate download" >"$WORK/pane.html"
mkdir -p "$(dirname "$OUT")"
chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$WORK/chromium" \
    --window-size=1120,150 --screenshot="$OUT" "file://$WORK/pane.html" >/dev/null 2>&1
[ -s "$OUT" ] || die "chromium wrote no screenshot"
echo "wrote $OUT"
