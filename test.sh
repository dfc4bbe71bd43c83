#!/usr/bin/env bash
# Installs what the tests need, builds the solution, runs every test project and
# prints, as its very last line, "tests: N passed, N failed[, N skipped]".
# Exit code: non-zero when the build failed, a test failed, or no test ran.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
ROOT="$(pwd)"
CONFIGURATION="${CONFIGURATION:-Release}"
TOOLS_DIR="$ROOT/.tools"          # gitignored: npm installs live here
RESULTS_DIR="$ROOT/TestResults/$(date +%Y%m%d-%H%M%S)"

log() { printf '\n==> %s\n' "$*"; }

summary() { # passed failed skipped
    local line="tests: $1 passed, $2 failed"
    if [ "$3" -gt 0 ]; then line="$line, $3 skipped"; fi
    echo "$line"
}

# ---------------------------------------------------------------------------
# Installs. To add a tool, add one line to install_tools below:
#   need_apt  <command on PATH>  <debian package> [more packages]
#   need_npm  <bin name in .tools/node_modules/.bin>  <npm package@version>
# ---------------------------------------------------------------------------
APT_UPDATED=0
need_apt() {
    local command="$1"; shift
    if command -v "$command" >/dev/null 2>&1; then return 0; fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "missing '$command': install Debian package(s) $* (needs root)" >&2
        return 1
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq || return 1
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" || return 1
}

need_npm() {
    local bin="$1" package="$2"
    if [ -x "$TOOLS_DIR/node_modules/.bin/$bin" ]; then return 0; fi
    need_apt npm npm || return 1
    log "npm install $package (into .tools/)"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error "$package" || return 1
}

install_tools() {
    need_apt redis-server redis-server || return 1
    need_apt promtool prometheus || return 1
    need_apt chromium chromium || return 1
    need_apt docker-compose docker-compose || return 1
    need_npm s3rver s3rver@3.7.1 || return 1
    need_npm dclint dclint@3.1.0 || return 1
}

if ! install_tools; then
    echo "installing test tools failed" >&2
    summary 0 0 0
    exit 1
fi

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------
log "dotnet build Delineate.sln -c $CONFIGURATION"
if ! dotnet build Delineate.sln -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly; then
    echo "BUILD FAILED" >&2
    summary 0 0 0
    exit 1
fi

# ---------------------------------------------------------------------------
# Test: one trx per test project, counts summed over all of them. Projects run one
# after another (-m:1): on 2 cores, timing-sensitive suites disturb each other.
# ---------------------------------------------------------------------------
log "dotnet test Delineate.sln -c $CONFIGURATION (results in ${RESULTS_DIR#"$ROOT"/})"
mkdir -p "$RESULTS_DIR"
# The long drill and the soak run from bench/chaos.sh, not here.
dotnet test Delineate.sln -c "$CONFIGURATION" --no-build -nologo -m:1 \
    --filter "Category!=Long&Category!=Soak" \
    --logger trx --logger "console;verbosity=normal" \
    --results-directory "$RESULTS_DIR" \
    --blame-hang-timeout 20m --blame-hang-dump-type none
test_exit=$?

# Reads one attribute of the <Counters .../> element of a trx file.
counter() { grep -o "<Counters [^>]*" "$1" | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9]\+' || echo 0; }

passed=0 failed=0 skipped=0 trx_count=0
failed_names=()
shopt -s nullglob
for trx in "$RESULTS_DIR"/*.trx "$RESULTS_DIR"/*/*.trx; do
    trx_count=$((trx_count + 1))
    passed=$((passed + $(counter "$trx" passed)))
    failed=$((failed + $(counter "$trx" failed) + $(counter "$trx" error) + $(counter "$trx" timeout) + $(counter "$trx" aborted)))
    skipped=$((skipped + $(counter "$trx" notExecuted)))
    while IFS= read -r name; do
        failed_names+=("$name")
    done < <(grep -o '<UnitTestResult [^>]*outcome="Failed"[^>]*' "$trx" | sed -n 's/.* testName="\([^"]*\)".*/\1/p' | sed 's/&quot;/"/g; s/&amp;/\&/g; s/&lt;/</g; s/&gt;/>/g')
done

# ---------------------------------------------------------------------------
# Script checks: each tests/*-checks.sh ends with "NAME: N passed, N failed"; the format check
# is one more (CI's workflow runs the same).
# ---------------------------------------------------------------------------
for script in tests/*-checks.sh; do
    log "bash $script"
    output=$(bash "$script" 2>&1)
    script_exit=$?
    printf '%s\n' "$output" | tail -n 40
    last=$(printf '%s\n' "$output" | tail -n 1)
    script_passed=$(printf '%s' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p')
    script_failed=$(printf '%s' "$last" | sed -n 's/.*: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p')
    if [ -z "$script_passed" ]; then
        script_passed=0 script_failed=1
    fi
    if [ "$script_exit" -ne 0 ] && [ "$script_failed" -eq 0 ]; then script_failed=1; fi
    passed=$((passed + script_passed))
    failed=$((failed + script_failed))
    if [ "$script_failed" -gt 0 ]; then failed_names+=("$script"); fi
done
log "dotnet format --verify-no-changes"
if dotnet format Delineate.sln --verify-no-changes -v quiet; then
    passed=$((passed + 1))
else
    failed=$((failed + 1))
    failed_names+=("dotnet format --verify-no-changes")
fi

echo
echo "==> results: $trx_count test project(s), trx files in ${RESULTS_DIR#"$ROOT"/}"
if [ "${#failed_names[@]}" -gt 0 ]; then
    echo "failed tests:"
    printf '  FAILED %s\n' "${failed_names[@]}"
fi

status=0
if [ "$trx_count" -eq 0 ] || [ $((passed + failed)) -eq 0 ]; then
    echo "no tests ran" >&2
    status=1
fi
if [ "$failed" -gt 0 ]; then status=1; fi
if [ "$test_exit" -ne 0 ] && [ "$failed" -eq 0 ]; then
    echo "dotnet test exited with $test_exit although no trx counted a failure (crash or hang?)" >&2
    status=1
fi

summary "$passed" "$failed" "$skipped"
exit "$status"
