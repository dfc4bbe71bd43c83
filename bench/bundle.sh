#!/usr/bin/env bash
# Benchmark (not a test): bundles a 1 GiB synthetic job (64 files x 16 MiB) through ArchiveWriter and
# S3ExportStore into a local s3rver, next to a raw multipart upload of the same bytes in the same run.
# Each measurement is its own process (its own peak RSS); modes alternate, RUNS times each, and the
# medians are reported. The last bundle is downloaded and checked as a zip.
#
#   bench/bundle.sh                 # RUNS=3 FILES=64 FILE_MIB=16 PART_MB=8
#   RUNS=5 PART_MB=16 bench/bundle.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
RUNS="${RUNS:-3}"
FILES="${FILES:-64}"
FILE_MIB="${FILE_MIB:-16}"
PART_MB="${PART_MB:-8}"
TOOLS_DIR="$ROOT/.tools"
S3RVER="$TOOLS_DIR/node_modules/.bin/s3rver"
RESULTS_DIR="$ROOT/bench/results"
RESULTS="$RESULTS_DIR/bundle-$(date +%Y%m%d-%H%M%S).txt"
BENCH_DLL="$ROOT/bench/Delineate.Bench.Bundle/bin/Release/net10.0/Delineate.Bench.Bundle.dll"

log() { printf '==> %s\n' "$*" >&2; }

if [ ! -x "$S3RVER" ]; then
    log "npm install s3rver@3.7.1 (into .tools/)"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error s3rver@3.7.1
fi

log "dotnet build bench/Delineate.Bench.Bundle -c Release"
dotnet build "$ROOT/bench/Delineate.Bench.Bundle/Delineate.Bench.Bundle.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >&2

PORT="$(dotnet "$BENCH_DLL" free-port)"
# s3rver keeps objects on disk; on tmpfs the figures measure the uploaders, not the disk's mood
# (on disk they swing 65-125 MiB/s from run to run). DATA_PARENT=/tmp measures with the disk.
DATA_PARENT="${DATA_PARENT:-/dev/shm}"
if [ ! -d "$DATA_PARENT" ] || [ ! -w "$DATA_PARENT" ]; then DATA_PARENT="${TMPDIR:-/tmp}"; fi
DATA_DIR="$(mktemp -d -p "$DATA_PARENT" delineate-bench-s3rver-XXXXXX)"
NODE_OPTIONS=--openssl-legacy-provider "$S3RVER" -d "$DATA_DIR" -a 127.0.0.1 -p "$PORT" --silent &
S3RVER_PID=$!
cleanup() {
    kill "$S3RVER_PID" 2>/dev/null || true
    wait "$S3RVER_PID" 2>/dev/null || true
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

deadline=$((SECONDS + 20))
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do
    if ! kill -0 "$S3RVER_PID" 2>/dev/null; then log "s3rver exited"; exit 1; fi
    if [ "$SECONDS" -ge "$deadline" ]; then log "s3rver did not listen on $PORT within 20 s"; exit 1; fi
    sleep 0.1
done
log "s3rver (pid $S3RVER_PID) on 127.0.0.1:$PORT, data in $DATA_DIR"

mkdir -p "$RESULTS_DIR"
{
    echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) nproc=$(nproc) mem=$(free -m | awk '/^Mem:/{print $2}')MiB dotnet=$(dotnet --version) node=$(node --version)"
    echo "# load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# runs=$RUNS files=$FILES file_mib=$FILE_MIB part_mb=$PART_MB s3rver_data=$DATA_DIR"
} | tee "$RESULTS"

# utime + stime of the s3rver process, in clock ticks
s3rver_ticks() { awk '{print $14 + $15}' "/proc/$S3RVER_PID/stat"; }

common=(--endpoint "http://127.0.0.1:$PORT" --bucket bench --part-mb "$PART_MB" --files "$FILES" --file-mib "$FILE_MIB")
for run in $(seq 1 "$RUNS"); do
    for mode in raw bundle; do
        extra=()
        if [ "$mode" = bundle ] && [ "$run" -eq "$RUNS" ]; then extra=(--verify); fi
        log "run $run/$RUNS: $mode"
        before="$(s3rver_ticks)"
        output="$(dotnet "$BENCH_DLL" "$mode" "${common[@]}" "${extra[@]}")"
        s3rver_cpu="$(awk -v a="$before" -v b="$(s3rver_ticks)" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", (b - a) / hz}')"
        # The server's CPU for the same run: who the bottleneck is.
        echo "$output" | sed "s/^\(RESULT .*\)$/\1 s3rver_cpu_seconds=$s3rver_cpu/" | tee -a "$RESULTS"
    done
done

# field MODE NAME -> the values of NAME=... on the RESULT lines of MODE, one per line
field() { grep "^RESULT mode=$1 " "$RESULTS" | tr ' ' '\n' | sed -n "s/^$2=//p"; }
median() { sort -g | awk '{v[NR]=$1} END {if (NR % 2) print v[(NR+1)/2]; else printf "%.1f\n", (v[NR/2]+v[NR/2+1])/2}'; }

raw_mibps="$(field raw mibps | median)"
bundle_mibps="$(field bundle mibps | median)"
raw_rss="$(field raw peak_rss_mib | median)"
bundle_rss="$(field bundle peak_rss_mib | median)"
bundle_rss_max="$(field bundle peak_rss_mib | sort -g | tail -1)"
raw_cpu="$(field raw cpu_seconds | median)"
bundle_cpu="$(field bundle cpu_seconds | median)"
raw_s3rver_cpu="$(field raw s3rver_cpu_seconds | median)"
bundle_s3rver_cpu="$(field bundle s3rver_cpu_seconds | median)"
ratio="$(awk -v b="$bundle_mibps" -v r="$raw_mibps" 'BEGIN {printf "%.1f", 100 * b / r}')"
# Each bundle against the raw run just before it: less exposed to drift across the run.
pair_ratios="$(paste <(field raw mibps) <(field bundle mibps) | awk '{printf "%.1f\n", 100 * $2 / $1}')"
pair_median="$(echo "$pair_ratios" | median)"

{
    echo
    echo "| phase | MiB/s (median of $RUNS) | all runs | peak RSS MiB (median) | CPU s, uploader | CPU s, s3rver |"
    echo "| --- | --- | --- | --- | --- | --- |"
    echo "| raw multipart upload | $raw_mibps | $(field raw mibps | paste -sd ' ') | $raw_rss | $raw_cpu | $raw_s3rver_cpu |"
    echo "| bundle (ArchiveWriter -> S3ExportStore) | $bundle_mibps | $(field bundle mibps | paste -sd ' ') | $bundle_rss | $bundle_cpu | $bundle_s3rver_cpu |"
    echo
    echo "bundling / raw = $ratio % of the medians; per pair: $(echo "$pair_ratios" | paste -sd ' ') (median $pair_median %); target >= 70 %"
    echo "bundle peak RSS max = $bundle_rss_max MiB (target <= 300 MiB)"
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine skews the wall-clock figures)"
} | tee -a "$RESULTS"
log "results in ${RESULTS#"$ROOT"/}"
