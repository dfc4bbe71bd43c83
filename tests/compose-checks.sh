#!/usr/bin/env bash
# Offline checks of the deployment files (no Docker engine needed):
#   - every docker/compose*.yml against the Compose schema (dclint) and through `docker compose
#     config` (or docker-compose v1.29 when v2 is missing), with placeholder secrets;
#   - what the compose files promise: scalable silos, health-gated start, restart policies and
#     limits in prod, credentials on every published UI, files they mount exist, the
#     observability file is prod plus more;
#   - the Dockerfiles, minimally (multi-stage, restore layer, non-root, health check, every project);
#   - the variable sets: every variable the services read (found in src/) is in .env.example and in
#     README.md's configuration table, and every name there is read by the services (or, for
#     .env.example, used by a compose file).
# Prints "compose-checks: N passed, N failed" last; exits non-zero when a check failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1
ROOT="$(pwd)"
TOOLS_DIR="$ROOT/.tools"
COMPOSE_FILES=(docker/compose.dev.yml docker/compose.prod.yml docker/compose.prod.observability.yml)
PROD_FILES=(docker/compose.prod.yml docker/compose.prod.observability.yml)
DOCKERFILES=(docker/Dockerfile.silo docker/Dockerfile.gateway)
# Read by the framework, not by settings of ours: not expected in .env.example or the README table.
FRAMEWORK_VARS="urls ASPNETCORE_URLS"
# dclint rules that are house style, not correctness.
DCLINT_OFF=(service-keys-order services-alphabetical-order service-dependencies-alphabetical-order
            top-level-properties-order require-quotes-in-ports no-build-and-image)

passed=0
failed=0
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

ok()   { passed=$((passed + 1)); echo "  ok    $*"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $*"; }
section() { printf '\n==> %s\n' "$*"; }
# check_none "description" "names" "label": passes when the list of names is empty, else shows it.
check_none() {
    if [ -z "$(printf '%s' "$2" | tr -d '[:space:]')" ]; then ok "$1"; else fail "$1"; echo "        $3: $(echo $2)"; fi
}
# check "description" command...: one check, its output shown only when it fails.
check() {
    local what="$1"; shift
    if "$@" >"$WORK/out" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/        /' "$WORK/out" | head -n 40; fi
}
words() { tr ' ' '\n' | sed '/^$/d' | sort -u; }
# Names in list $1 missing from list $2 (newline-separated, sorted).
missing() { comm -23 <(printf '%s\n' "$1" | sed '/^$/d' | sort -u) <(printf '%s\n' "$2" | sed '/^$/d' | sort -u); }

# ---------------------------------------------------------------------------------------------
section "tools"
DCLINT="$TOOLS_DIR/node_modules/.bin/dclint"
if [ ! -x "$DCLINT" ] && command -v npm >/dev/null 2>&1; then
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --loglevel=error dclint@3.1.0 >"$WORK/npm.log" 2>&1 || cat "$WORK/npm.log"
fi
check "dclint is available (npm dclint@3.1.0 in .tools/)" test -x "$DCLINT"

COMPOSE=()
if docker compose version >/dev/null 2>&1; then
    COMPOSE=(docker compose)
else
    if ! command -v docker-compose >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose \
            || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; }; } >"$WORK/apt.log" 2>&1
    fi
    if command -v docker-compose >/dev/null 2>&1; then COMPOSE=(docker-compose); fi
fi
check "docker compose v2 or docker-compose is available" test "${#COMPOSE[@]}" -gt 0

# ---------------------------------------------------------------------------------------------
section "variables the services read (src/)"
code_vars() {
    local files
    files=$(find src -name '*.cs' -not -path '*/bin/*' -not -path '*/obj/*')
    {
        # [ConfigurationKeyName("X")] on bound options
        grep -ohE 'ConfigurationKeyName\("[^"]+"\)' $files | sed -E 's/.*\("([^"]+)"\).*/\1/'
        # config["X"], Configuration["X"]
        grep -ohE '([cC]onfig|[cC]onfiguration)\["[^"]+"\]' $files | sed -E 's/.*\["([^"]+)"\]/\1/'
        # config.GetValue<T>("X"...), GetValue("X", ...)
        grep -ohE '(^|[^A-Za-z])GetValue(<[^>]*>)?\("[^"]+"' $files | sed -E 's/.*\("([^"]+)"/\1/'
        # helpers that take the configuration and a name: ReadPort(config, "X", ...)
        grep -ohE '\((config|configuration|builder\.Configuration), "[A-Za-z_][A-Za-z0-9_:]*"' $files | sed -E 's/.*"([^"]+)"/\1/'
    } | sed 's/:/__/g' | sort -u
}
CODE_VARS="$(code_vars)"
for f in $FRAMEWORK_VARS; do CODE_VARS="$(printf '%s\n' "$CODE_VARS" | grep -vx "$f")"; done
echo "  found $(printf '%s\n' "$CODE_VARS" | sed '/^$/d' | wc -l) variables: $(printf '%s ' $CODE_VARS)"
check "src/ reads at least 40 variables (the extraction still works)" test "$(printf '%s\n' "$CODE_VARS" | sed '/^$/d' | wc -l)" -ge 40

# .env.example: "NAME=value" and "# NAME=value" lines (the latter: fixed by compose, shown for reference).
ENV_VARS="$(sed -nE 's/^(# )?([A-Z][A-Za-z0-9_]*)=.*/\2/p' .env.example 2>/dev/null | sort -u)"
# README: backticked names in the first column of the table under "## Configuration".
README_VARS="$(awk '/^## /{on = ($0 ~ /^## Configuration/)} on && /^\|/' README.md 2>/dev/null \
    | awk -F'|' '{print $2}' | grep -oE '`[A-Za-z_][A-Za-z0-9_:]*`' | tr -d '`' | sed 's/:/__/g' | sort -u)"
# Compose interpolation: ${NAME...} in the prod files ($$ escapes excluded).
COMPOSE_VARS="$(cat "${PROD_FILES[@]}" 2>/dev/null | sed 's/\$\$//g' | grep -oE '\$\{[A-Za-z_][A-Za-z0-9_]*' | cut -c3- | sort -u)"

check ".env.example exists" test -f .env.example
# Read by a library from the configuration we hand it: Serilog's own section (ReadFrom.Configuration).
LIBRARY_VARS="$( { printf '%s\n' "$ENV_VARS" "$README_VARS"; } | grep -E '^Serilog__' | sort -u)"
if ! grep -rqF 'ReadFrom.Configuration(' src --include='*.cs'; then LIBRARY_VARS=""; fi
READ_VARS="$(printf '%s\n%s\n' "$CODE_VARS" "$LIBRARY_VARS" | sed '/^$/d' | sort -u)"

check_none "every variable read in src/ is in .env.example" \
    "$(missing "$CODE_VARS" "$ENV_VARS")" "missing from .env.example"
check_none "every name in .env.example is read by the services or used by a compose file" \
    "$(missing "$ENV_VARS" "$(printf '%s\n%s\n' "$READ_VARS" "$COMPOSE_VARS")")" "not read anywhere"
check_none "every variable read in src/ is in README.md's configuration table" \
    "$(missing "$CODE_VARS" "$README_VARS")" "missing from the README table"
check_none "every name in README.md's configuration table is read by the services" \
    "$(missing "$README_VARS" "$READ_VARS")" "not read by the services"
check_none "every variable the prod compose files interpolate is in .env.example" \
    "$(missing "$COMPOSE_VARS" "$ENV_VARS")" "missing from .env.example"
# .env.example must not carry a real secret: every secret line is empty.
secret_values="$(grep -E '^(REDIS_PASSWORD|S3_ACCESS_KEY_ID|S3_SECRET_ACCESS_KEY|DASHBOARD_PASSWORD|BLOB_SIGNING_KEY|SENTRY_DSN|GRAFANA_ADMIN_PASSWORD|ELASTIC_PASSWORD|KIBANA_SYSTEM_PASSWORD)=.+' .env.example || true)"
check ".env.example leaves every secret empty" test -z "$secret_values"
check ".env is not tracked by git" bash -c '! git ls-files --error-unmatch .env >/dev/null 2>&1'

# ---------------------------------------------------------------------------------------------
# A .env made from .env.example with a placeholder for every empty value.
sed -E 's/^([A-Z][A-Za-z0-9_]*)=$/\1=placeholder-\1/' .env.example > "$WORK/test.env" 2>/dev/null

# The file to hand to compose: itself, or for docker-compose v1.29 (which knows every key used
# here but the top-level project name) a copy without "name:". Paths resolve against docker/
# either way (--project-directory docker).
compose_target() {
    if [ "${COMPOSE[0]}" = docker-compose ]; then
        sed '/^name:/d' "$1" > "$WORK/$(basename "$1")"
        echo "$WORK/$(basename "$1")"
    else
        echo "$1"
    fi
}

section "compose files"
for file in "${COMPOSE_FILES[@]}"; do
    if [ ! -f "$file" ]; then fail "$file exists"; continue; fi
    off=(); for r in "${DCLINT_OFF[@]}"; do off+=(--disable-rule "$r"); done
    if [ -x "$DCLINT" ]; then
        check "$file: Compose schema and lint rules (dclint)" "$DCLINT" "$file" --color false "${off[@]}"
    fi
    if [ "${#COMPOSE[@]}" -gt 0 ]; then
        target="$(compose_target "$file")"
        check "$file: '${COMPOSE[*]} config' resolves it (placeholder secrets)" \
            "${COMPOSE[@]}" --project-directory docker --env-file "$WORK/test.env" -f "$target" config -q
    fi
done
for file in "${PROD_FILES[@]}"; do
    if [ "${#COMPOSE[@]}" -gt 0 ] && [ -f "$file" ]; then
        target="$(compose_target "$file")"
        # An empty .env must be refused: the secrets are required, not defaulted.
        : > "$WORK/empty.env"
        check "$file: refuses to start without the secrets from .env" \
            bash -c '! "$@" --project-directory docker --env-file "'"$WORK/empty.env"'" -f "'"$target"'" config -q' _ "${COMPOSE[@]}"
    fi
done

# Structural checks on the parsed files (node + the yaml package dclint brings).
if [ -x "$DCLINT" ] && command -v node >/dev/null 2>&1; then
    CODE_VARS="$READ_VARS" node - "$ROOT" "${COMPOSE_FILES[@]}" >"$WORK/structure.out" 2>&1 <<'NODE'
const fs = require('fs'), path = require('path');
const [root, ...files] = process.argv.slice(2);
const YAML = require(require.resolve('yaml', { paths: [path.join(root, '.tools/node_modules/dclint')] }));
const code = new Set(process.env.CODE_VARS.split('\n').filter(Boolean));
const frameworkPrefixes = ['ASPNETCORE_', 'DOTNET_', 'OTEL_'];
const results = [];
const check = (what, good, detail) => results.push(`${good ? 'ok' : 'FAIL'}\t${what}${good || !detail ? '' : `\n        ${detail}`}`);
const load = f => YAML.parse(fs.readFileSync(path.join(root, f), 'utf8'), { merge: true });
const envKeys = svc => Object.keys(Array.isArray(svc.environment)
  ? Object.fromEntries(svc.environment.map(e => [e.split('=')[0], 1])) : (svc.environment || {}));
const isOneShot = svc => svc.restart === 'no';
const hostPorts = svc => (svc.ports || []).map(String);
// deploy.replicas, or the default of its ${VAR:-N} interpolation.
const replicas = svc => { const r = String((svc.deploy || {}).replicas ?? 1); const m = r.match(/^\$\{[A-Za-z_][A-Za-z0-9_]*:-(\d+)\}$/); return Number(m ? m[1] : r); };
const docs = {};
for (const f of files) {
  let doc;
  try { doc = load(f); } catch (e) { check(`${f}: parses`, false, e.message); continue; }
  docs[f] = doc;
  const s = doc.services || {};
  const dir = path.dirname(path.join(root, f));
  // Every variable given to our services is one they read.
  for (const name of ['gateway', 'silo', 'seed']) {
    if (!s[name]) continue;
    const unknown = envKeys(s[name]).filter(k => !code.has(k) && !frameworkPrefixes.some(p => k.startsWith(p) && k !== 'OTEL_EXPORTER_OTLP_ENDPOINT'));
    check(`${f}: every variable given to ${name} is one the services read`, unknown.length === 0, `unknown: ${unknown.join(' ')}`);
  }
  // Files the services mount or build from exist.
  const absent = [];
  for (const [name, svc] of Object.entries(s)) {
    for (const v of svc.volumes || []) {
      const src = typeof v === 'string' ? v.split(':')[0] : v.source;
      if (src && (src.startsWith('./') || src.startsWith('../')) && !fs.existsSync(path.join(dir, src))) absent.push(`${name}: ${src}`);
    }
    if (svc.build) {
      const ctx = path.join(dir, typeof svc.build === 'string' ? svc.build : svc.build.context || '.');
      const df = path.join(ctx, (svc.build && svc.build.dockerfile) || 'Dockerfile');
      if (!fs.existsSync(df)) absent.push(`${name}: ${path.relative(root, df)}`);
    }
  }
  check(`${f}: every mounted file and Dockerfile exists`, absent.length === 0, absent.join(', '));
  // The order of start is gated on health.
  const cond = (a, b) => (((s[a] || {}).depends_on || {})[b] || {}).condition;
  check(`${f}: gateway starts after the silo is healthy`, cond('gateway', 'silo') === 'service_healthy');
  check(`${f}: silo starts after Redis is healthy and the bucket exists`,
    cond('silo', 'redis') === 'service_healthy' && cond('silo', 'rustfs-init') === 'service_completed_successfully');
  check(`${f}: the seed runs the silo image with "seed 70000-70700"`,
    s.seed && s.seed.image === (s.silo || {}).image && JSON.stringify(s.seed.command) === '["seed","70000-70700"]');
  check(`${f}: silos advertise their own container address (ORLEANS_ADVERTISED_IP left to the image)`,
    s.silo && !envKeys(s.silo).includes('ORLEANS_ADVERTISED_IP'));
  check(`${f}: gateway runs clustered`, s.gateway && (s.gateway.environment || {}).DELINEATE_MODE === 'clustered');
  // Nothing but the gateway and the logged-in UIs listens beyond loopback.
  const publicPorts = { gateway: ['3000'], grafana: ['3001'], kibana: ['5601'] };
  const open = [];
  for (const [name, svc] of Object.entries(s)) {
    for (const p of hostPorts(svc)) {
      const parts = p.split(':');
      const host = parts.length === 3 ? parts[0] : '';
      const published = parts.length >= 2 ? parts[parts.length - 2] : parts[0];
      if (host !== '127.0.0.1' && !(publicPorts[name] || []).includes(published)) open.push(`${name} ${p}`);
    }
  }
  check(`${f}: only the gateway, Grafana and Kibana are published beyond loopback`, open.length === 0, open.join(', '));
}
for (const f of files.filter(f => /compose\.prod/.test(f))) {
  const doc = docs[f]; if (!doc) continue;
  const s = doc.services, raw = fs.readFileSync(path.join(root, f), 'utf8');
  const silo = s.silo || {};
  check(`${f}: silo scales (--scale silo=N): several replicas, no container_name, no host ports`,
    replicas(silo) >= 2 && !silo.container_name && hostPorts(silo).length === 0);
  const longRunning = Object.entries(s).filter(([, v]) => !isOneShot(v));
  const noRestart = longRunning.filter(([, v]) => !['always', 'unless-stopped', 'on-failure'].includes(v.restart)).map(([n]) => n);
  check(`${f}: every long-running service has a restart policy`, noRestart.length === 0, noRestart.join(' '));
  const noLimits = longRunning.filter(([, v]) => !(((v.deploy || {}).resources || {}).limits || {}).memory).map(([n]) => n);
  check(`${f}: every long-running service has resource limits`, noLimits.length === 0, noLimits.join(' '));
  const redis = s.redis || {};
  check(`${f}: Redis keeps an append-only file on a named volume`,
    JSON.stringify(redis.command || '').includes('--appendonly yes') && (redis.volumes || []).some(v => String(v).endsWith(':/data')));
  check(`${f}: the dashboard needs credentials (DASHBOARD_USERNAME/PASSWORD required from .env)`,
    /DASHBOARD_USERNAME: \$\{DASHBOARD_USERNAME:\?/.test(raw) && /DASHBOARD_PASSWORD: \$\{DASHBOARD_PASSWORD:\?/.test(raw)
    && ['gateway', 'silo'].every(n => envKeys(s[n] || {}).includes('DASHBOARD_PASSWORD')));
  const gw = (s.gateway || {}).environment || {};
  check(`${f}: the gateway defaults to apikey mode (Auth__Mode \${Auth__Mode:-apikey}), anonymous use only with ALLOW_ANONYMOUS`,
    gw.Auth__Mode === '${Auth__Mode:-apikey}' && gw.ALLOW_ANONYMOUS === '${ALLOW_ANONYMOUS:-false}');
  check(`${f}: the seed runs only with --profile seed, and the gateway does not wait for it`,
    JSON.stringify((s.seed || {}).profiles) === '["seed"]' && !(((s.gateway || {}).depends_on || {}).seed));
  check(`${f}: S3_PUBLIC_ENDPOINT is required from .env (presigned links must reach clients)`,
    /S3_PUBLIC_ENDPOINT: \$\{S3_PUBLIC_ENDPOINT:\?/.test(raw));
  check(`${f}: the silo's graceful stop gets more time than Docker's 10 s default`, /^(\d+)s$/.test(silo.stop_grace_period || '') && parseInt(silo.stop_grace_period) > 10);
}
const prod = docs['docker/compose.prod.yml'], obs = docs['docker/compose.prod.observability.yml'];
if (prod && obs) {
  const lacking = Object.keys(prod.services).filter(n => !obs.services[n]);
  check('compose.prod.observability.yml has every service of compose.prod.yml', lacking.length === 0, lacking.join(' '));
  for (const n of ['gateway', 'silo', 'seed']) {
    const a = envKeys(prod.services[n] || {}).sort().join(' '), b = envKeys(obs.services[n] || {}).sort().join(' ');
    check(`compose.prod.observability.yml gives ${n} the same variables as compose.prod.yml`, a === b);
  }
  const extra = ['otel-collector', 'prometheus', 'grafana', 'elasticsearch', 'kibana', 'filebeat'].filter(n => !obs.services[n]);
  check('compose.prod.observability.yml adds the collector, Prometheus, Grafana, Elasticsearch, Kibana, Filebeat', extra.length === 0, extra.join(' '));
  const g = (obs.services.grafana || {}).environment || {}, k = (obs.services.kibana || {}).environment || {};
  check('Grafana and Kibana need logins (admin password from .env; Elasticsearch security on)',
    /GRAFANA_ADMIN_PASSWORD:\?/.test(fs.readFileSync(path.join(root, 'docker/compose.prod.observability.yml'), 'utf8'))
    && g.GF_AUTH_ANONYMOUS_ENABLED === 'false' && ((obs.services.elasticsearch || {}).environment || {})['xpack.security.enabled'] === 'true'
    && k.ELASTICSEARCH_USERNAME === 'kibana_system');
}
console.log(results.join('\n'));
NODE
    while IFS= read -r line; do
        case "$line" in
            ok$'\t'*) ok "${line#ok$'\t'}" ;;
            FAIL$'\t'*) fail "${line#FAIL$'\t'}" ;;
            *) echo "$line" ;;
        esac
    done < "$WORK/structure.out"
fi

# ---------------------------------------------------------------------------------------------
section "Dockerfiles"
projects="$(find src -mindepth 2 -maxdepth 2 -name '*.csproj' | sort)"
for df in "${DOCKERFILES[@]}"; do
    if [ ! -f "$df" ]; then fail "$df exists"; continue; fi
    check "$df: multi-stage (build and runtime images)" test "$(grep -cE '^FROM ' "$df")" -ge 2
    check "$df: restores from the project files before copying the sources (cached restore layer)" \
        bash -c 'awk "/dotnet restore/{r=NR} /^COPY src\/ /{c=NR} END{exit !(r && c && r < c)}" "$1"' _ "$df"
    check "$df: copies every project file before restoring" \
        bash -c 'for p in $2; do grep -qF "COPY $p " "$1" || { echo "not copied: $p"; exit 1; }; done' _ "$df" "$projects"
    check "$df: runs as a non-root user" bash -c 'u=$(grep -E "^USER " "$1" | tail -n1 | cut -d" " -f2); [ -n "$u" ] && [ "$u" != root ] && [ "$u" != 0 ]' _ "$df"
    check "$df: has a HEALTHCHECK" grep -qE '^HEALTHCHECK ' "$df"
    check "$df: pins its base images (no :latest)" bash -c '! grep -E "^FROM " "$1" | grep -qE ":latest|^FROM [^:]+( |$)"' _ "$df"
done
check ".dockerignore keeps bin/, obj/ and .env out of the build context" \
    bash -c 'grep -qx "\*\*/bin/" .dockerignore && grep -qx "\*\*/obj/" .dockerignore && grep -qx ".env" .dockerignore'

if command -v shellcheck >/dev/null 2>&1; then
    section "scripts"
    for s in scripts/cluster.sh tests/compose-checks.sh; do
        [ -f "$s" ] && check "$s: shellcheck" shellcheck -S warning "$s"
    done
fi

echo
echo "compose-checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
