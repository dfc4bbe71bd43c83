#!/usr/bin/env bash
# Offline checks of the observability configuration under docker/ (no Docker needed):
#   - Prometheus: promtool check config (with the rule file), check rules, the rule unit
#     tests (tests/prometheus-alerts.test.yml)
#   - every PromQL expression of the Grafana dashboards parses (promtool) and, with the alert
#     rules, uses only metric names the service exports (tests/promql_metric_names.py against
#     docs/metrics.txt, or against live scrapes given with --metrics); every instrument
#     declared in src/ is in docs/metrics.txt
#   - Grafana: dashboards are JSON with unique uids and panel ids, on provisioned data sources
#   - Kibana: saved-objects.ndjson is one JSON object a line, references resolve, embedded
#     JSON parses, attributes fit Kibana 8's schemas; load.sh posts it the way the import API
#     wants (against a stand-in Kibana)
#   - the YAML files parse; the collector's pipelines name only defined components
#   - shell scripts pass bash -n (and shellcheck when installed)
#
#   tests/config-checks.sh                       # names checked against docs/metrics.txt
#   tests/config-checks.sh --metrics scrape.prom # ...against a real /metrics scrape (repeatable);
#                                                # docs/metrics.txt's lazy names still count
#
# Prints one line per check and, last, "config-checks: N passed, N failed[, N skipped]".
# Exit code: non-zero when a check failed.
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
export PYTHONDONTWRITEBYTECODE=1

SCRAPES=()
while [ $# -gt 0 ]; do
    case "$1" in
        --metrics) SCRAPES+=("$2"); shift 2 ;;
        *) echo "usage: tests/config-checks.sh [--metrics FILE]..." >&2; exit 2 ;;
    esac
done

PASSED=0
FAILED=0
SKIPPED=0
WORK="$(mktemp -d)"
MOCK_PID=""
cleanup() {
    if [ -n "$MOCK_PID" ]; then kill "$MOCK_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# check NAME COMMAND...: runs the command, output shown only when it fails.
check() {
    local name="$1"; shift
    if "$@" >"$WORK/out" 2>&1; then
        PASSED=$((PASSED + 1))
        echo "ok   - $name"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL - $name"
        sed 's/^/       /' "$WORK/out"
    fi
}
skip() {
    SKIPPED=$((SKIPPED + 1))
    echo "skip - $1"
}

PROMETHEUS_YML=docker/prometheus.yml
ALERTS_YML=docker/prometheus/alerts.yml
DASHBOARDS=(docker/grafana/dashboards/*.json)
NDJSON=docker/kibana/saved-objects.ndjson
HAVE_YAML=0
if python3 -c 'import yaml' 2>/dev/null; then HAVE_YAML=1; fi

# ---------------------------------------------------------------------------
# promtool (Debian package prometheus)
# ---------------------------------------------------------------------------
if ! command -v promtool >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
    echo "promtool missing: apt-get install prometheus" >&2
    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; }; } >"$WORK/apt.log" 2>&1 \
        || tail -5 "$WORK/apt.log" >&2
fi

if command -v promtool >/dev/null 2>&1; then
    # prometheus.yml names the rule file where compose mounts it (/etc/prometheus/alerts.yml):
    # check a copy that points at a copy of the rule file instead.
    prometheus_config() {
        mkdir -p "$WORK/prometheus"
        cp "$ALERTS_YML" "$WORK/prometheus/alerts.yml"
        sed "s#/etc/prometheus/#$WORK/prometheus/#g" "$PROMETHEUS_YML" >"$WORK/prometheus/prometheus.yml"
        grep -q "$WORK/prometheus/alerts.yml" "$WORK/prometheus/prometheus.yml" \
            || { echo "prometheus.yml does not load /etc/prometheus/alerts.yml"; return 1; }
        promtool check config "$WORK/prometheus/prometheus.yml"
    }
    check "promtool check config $PROMETHEUS_YML (+ rule_files)" prometheus_config
    check "promtool check rules $ALERTS_YML" promtool check rules "$ALERTS_YML"
    check "promtool test rules tests/prometheus-alerts.test.yml" promtool test rules tests/prometheus-alerts.test.yml

    # Dashboard expressions as recording rules, Grafana's variables replaced: promtool parses them.
    dashboard_promql() {
        python3 - "$WORK/dashboard-rules.yml" "${DASHBOARDS[@]}" <<'EOF' || return 1
import json, sys
sys.path.insert(0, "tests")
from promql_metric_names import dashboard_expressions
out, paths = sys.argv[1], sys.argv[2:]
subs = {"$__rate_interval": "1m", "$__interval": "1m", "$__range": "1h", "$instance": ".*"}
lines = ["groups:", "  - name: dashboards", "    rules:"]
n = 0
for path in paths:
    for where, expr in dashboard_expressions(path):
        for k, v in subs.items():
            expr = expr.replace(k, v)
        if "$" in expr:
            print(f"{where}: unknown Grafana variable in {expr!r}")
            sys.exit(1)
        n += 1
        lines.append(f"      - record: dashboard:expr:{n}")
        lines.append(f"        expr: {json.dumps(expr)}")
open(out, "w").write("\n".join(lines) + "\n")
print(f"{n} expressions")
EOF
        promtool check rules "$WORK/dashboard-rules.yml"
    }
    check "Grafana dashboard expressions parse as PromQL" dashboard_promql
else
    for name in "promtool check config" "promtool check rules" "promtool test rules" "dashboard PromQL syntax"; do
        FAILED=$((FAILED + 1))
        echo "FAIL - $name: promtool not found (Debian package prometheus)"
    done
fi

# ---------------------------------------------------------------------------
# Metric names: dashboards and alerts use only exported names; src's instruments are listed
# ---------------------------------------------------------------------------
if [ ${#SCRAPES[@]} -gt 0 ]; then
    ARGS=()
    for f in "${SCRAPES[@]}"; do ARGS+=(--metrics "$f"); done
    check "PromQL metric names exist in the scraped /metrics (${SCRAPES[*]})" \
        python3 tests/promql_metric_names.py "${ARGS[@]}" --lazy docs/metrics.txt "${DASHBOARDS[@]}" "$ALERTS_YML"
else
    check "PromQL metric names exist in docs/metrics.txt" \
        python3 tests/promql_metric_names.py --metrics docs/metrics.txt "${DASHBOARDS[@]}" "$ALERTS_YML"
fi
check "every instrument declared in src/ is in docs/metrics.txt" \
    python3 tests/promql_metric_names.py --metrics docs/metrics.txt --declared src

# ---------------------------------------------------------------------------
# Grafana
# ---------------------------------------------------------------------------
grafana_dashboards() {
    python3 - "${DASHBOARDS[@]}" <<'EOF'
import json, sys
PROVISIONED = {"prometheus", "loki", "jaeger", "elasticsearch", "-- Grafana --", "grafana"}
errors, uids = [], {}
for path in sys.argv[1:]:
    try:
        d = json.load(open(path, encoding="utf-8"))
    except ValueError as e:
        errors.append(f"{path}: not JSON: {e}")
        continue
    for key in ("uid", "title", "panels", "schemaVersion"):
        if key not in d:
            errors.append(f"{path}: no {key}")
    if d.get("uid") in uids:
        errors.append(f"{path}: uid {d.get('uid')} also in {uids[d.get('uid')]}")
    uids[d.get("uid")] = path
    if "id" in d and d["id"] is not None:
        errors.append(f"{path}: a provisioned dashboard must not carry a numeric id")
    ids = set()
    def walk(node):
        if isinstance(node, dict):
            if "gridPos" in node:
                if node.get("id") in ids:
                    errors.append(f"{path}: panel id {node.get('id')} used twice")
                ids.add(node.get("id"))
                for t in node.get("targets", []):
                    if not t.get("expr", "").strip():
                        errors.append(f"{path}: panel {node.get('title')!r} has a target without expr")
            ds = node.get("datasource")
            if isinstance(ds, dict) and ds.get("uid") not in PROVISIONED and not str(ds.get("uid", "")).startswith("$"):
                errors.append(f"{path}: data source uid {ds.get('uid')!r} is not provisioned")
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(d)
print("\n".join(errors) or f"{len(sys.argv) - 1} dashboards")
sys.exit(1 if errors else 0)
EOF
}
check "Grafana dashboards: JSON, unique uids and panel ids, provisioned data sources" grafana_dashboards

if [ "$HAVE_YAML" -eq 1 ]; then
    grafana_provisioning() {
        python3 - <<'EOF'
import yaml, sys
ds = yaml.safe_load(open("docker/grafana/provisioning/datasources/datasources.yml"))
uids = {d["uid"]: d for d in ds["datasources"]}
errors = [f"no data source with uid {u}" for u in ("prometheus", "loki") if u not in uids]
if uids.get("prometheus", {}).get("type") != "prometheus":
    errors.append("uid prometheus is not a Prometheus data source")
if uids.get("loki", {}).get("type") != "loki":
    errors.append("uid loki is not a Loki data source")
if sum(1 for d in ds["datasources"] if d.get("isDefault")) != 1:
    errors.append("exactly one data source must be the default")
prov = yaml.safe_load(open("docker/grafana/provisioning/dashboards/dashboards.yml"))
paths = [p["options"]["path"] for p in prov["providers"]]
if "/var/lib/grafana/dashboards" not in paths:
    errors.append("no dashboard provider reads /var/lib/grafana/dashboards")
print("\n".join(errors) or f"data sources {sorted(uids)}, providers {paths}")
sys.exit(1 if errors else 0)
EOF
    }
    check "Grafana provisioning: data sources (uids prometheus, loki) and dashboard provider" grafana_provisioning
else
    skip "Grafana provisioning (PyYAML missing)"
fi

# ---------------------------------------------------------------------------
# Kibana
# ---------------------------------------------------------------------------
kibana_ndjson() {
    python3 - "$NDJSON" <<'EOF'
import json, re, sys
path = sys.argv[1]
# Attribute names Kibana 8's saved-object schemas accept (dashboard forbids unknown keys).
ALLOWED = {
    "dashboard": {"title", "description", "kibanaSavedObjectMeta", "timeRestore", "timeFrom", "timeTo",
                  "refreshInterval", "controlGroupInput", "panelsJSON", "optionsJSON", "hits", "version"},
    "search": {"title", "description", "columns", "sort", "grid", "rowHeight", "rowsPerPage", "hideChart",
               "breakdownField", "kibanaSavedObjectMeta", "isTextBasedQuery", "usesAdHocDataView", "timeRestore",
               "timeRange", "refreshInterval", "viewMode", "hideAggregatedPreview", "hits", "version", "sampleSize",
               "headerRowHeight", "visContext", "density"},
    "visualization": {"title", "description", "visState", "uiStateJSON", "version", "kibanaSavedObjectMeta",
                      "savedSearchRefName"},
    "index-pattern": {"title", "timeFieldName", "fields", "fieldAttrs", "fieldFormatMap", "runtimeFieldMap",
                      "sourceFilters", "typeMeta", "allowNoIndex", "name", "allowHidden", "intervalName", "type"},
}
errors, objects = [], []
with open(path, encoding="utf-8") as f:
    for n, line in enumerate(f, 1):
        if not line.strip():
            errors.append(f"line {n}: empty line")
            continue
        try:
            objects.append((n, json.loads(line)))
        except ValueError as e:
            errors.append(f"line {n}: not JSON: {e}")
have = {(o.get("type"), o.get("id")) for _, o in objects}
if len(have) != len(objects):
    errors.append("an (type, id) pair appears twice")
for n, o in objects:
    where = f"line {n} ({o.get('type')} {o.get('id')})"
    for key in ("id", "type", "attributes", "references"):
        if key not in o:
            errors.append(f"{where}: no {key}")
    attrs, refs = o.get("attributes", {}), o.get("references", [])
    if not attrs.get("title"):
        errors.append(f"{where}: no title")
    extra = set(attrs) - ALLOWED.get(o.get("type"), set(attrs))
    if extra:
        errors.append(f"{where}: attributes Kibana 8 rejects: {sorted(extra)}")
    ref_names = {r.get("name") for r in refs}
    for r in refs:
        if (r.get("type"), r.get("id")) not in have:
            errors.append(f"{where}: reference {r} is not in the file")
    embedded = {}
    for key in ("visState", "uiStateJSON", "panelsJSON", "optionsJSON", "fields", "fieldAttrs", "runtimeFieldMap", "typeMeta"):
        if key in attrs:
            try:
                embedded[key] = json.loads(attrs[key])
            except ValueError as e:
                errors.append(f"{where}: {key} is not JSON: {e}")
    meta = attrs.get("kibanaSavedObjectMeta", {}).get("searchSourceJSON")
    if meta is not None:
        try:
            source = json.loads(meta)
        except ValueError as e:
            errors.append(f"{where}: searchSourceJSON is not JSON: {e}")
            source = {}
        wanted = [source.get("indexRefName")] + [f.get("meta", {}).get("indexRefName") for f in source.get("filter", [])]
        for name in filter(None, wanted):
            if name not in ref_names:
                errors.append(f"{where}: searchSourceJSON names reference {name!r}, not in references")
    for panel in embedded.get("panelsJSON", []):
        name = panel.get("panelRefName")
        if not panel.get("type"):
            errors.append(f"{where}: panel {panel.get('panelIndex')} has no type")
        if name and f"{panel.get('panelIndex')}:{name}" not in ref_names and name not in ref_names:
            errors.append(f"{where}: panel {panel.get('panelIndex')} refers to {name!r}, not in references")
    if o.get("type") == "index-pattern" and attrs.get("timeFieldName") != "@timestamp":
        errors.append(f"{where}: time field is not @timestamp")
titles = {o["attributes"].get("title") for _, o in objects}
for wanted in ("delineate-logs-*", "Errors", "One job"):
    if wanted not in titles:
        errors.append(f"no saved object titled {wanted!r}")
print("\n".join(errors) or f"{len(objects)} saved objects")
sys.exit(1 if errors else 0)
EOF
}
check "Kibana saved objects: NDJSON, references resolve, embedded JSON, Kibana 8 attributes" kibana_ndjson

# load.sh against a stand-in Kibana: /api/status, then a multipart POST of the file to the
# import API with overwrite=true, kbn-xsrf and the credentials from the environment.
kibana_load() {
    local port
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    python3 - "$port" "$WORK/kibana-request" <<'EOF' &
import http.server, json, sys
port, out = int(sys.argv[1]), sys.argv[2]
class Kibana(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def reply(self, code, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data))); self.end_headers(); self.wfile.write(data)
    def do_GET(self):
        if self.path == "/api/status":
            self.reply(200, {"status": {"overall": {"level": "available"}}})
        else:
            self.reply(404, {})
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(out, "wb") as f:
            f.write(json.dumps({"path": self.path, "xsrf": self.headers.get("kbn-xsrf"),
                                "auth": self.headers.get("Authorization"),
                                "type": self.headers.get("Content-Type")}).encode() + b"\n" + body)
        lines = [l for l in body.split(b"\n") if l.startswith(b"{\"id\"")]
        self.reply(200, {"success": True, "successCount": len(lines), "successResults": []})
http.server.HTTPServer(("127.0.0.1", port), Kibana).serve_forever()
EOF
    MOCK_PID=$!
    for _ in $(seq 1 50); do
        curl -s "http://127.0.0.1:$port/api/status" >/dev/null 2>&1 && break
        sleep 0.1
    done
    KIBANA_URL="http://127.0.0.1:$port" KIBANA_USERNAME=elastic KIBANA_PASSWORD=secret KIBANA_WAIT_SECONDS=10 \
        bash docker/kibana/load.sh || return 1
    kill "$MOCK_PID" 2>/dev/null; wait "$MOCK_PID" 2>/dev/null; MOCK_PID=""
    python3 - "$WORK/kibana-request" "$NDJSON" <<'EOF'
import base64, json, sys
raw = open(sys.argv[1], "rb").read()
head, body = raw.split(b"\n", 1)
req = json.loads(head)
errors = []
if req["path"] != "/api/saved_objects/_import?overwrite=true":
    errors.append(f"posted to {req['path']}")
if req["xsrf"] != "true":
    errors.append("no kbn-xsrf: true header")
if req["auth"] != "Basic " + base64.b64encode(b"elastic:secret").decode():
    errors.append(f"authorization header {req['auth']!r}")
if not (req["type"] or "").startswith("multipart/form-data"):
    errors.append(f"content type {req['type']!r}")
if b'name="file"' not in body:
    errors.append("no multipart field named file")
if open(sys.argv[2], "rb").read().strip() not in body:
    errors.append("the NDJSON file is not in the request body")
print("\n".join(errors) or "import request as Kibana expects")
sys.exit(1 if errors else 0)
EOF
}
check "Kibana load.sh posts the saved objects to the import API (stand-in Kibana)" kibana_load

# ---------------------------------------------------------------------------
# YAML files, the collector's pipelines
# ---------------------------------------------------------------------------
YAML_FILES=(docker/otel-collector-config.yml docker/prometheus.yml docker/prometheus/alerts.yml docker/filebeat.yml
            docker/loki-config.yml docker/promtail-config.yml docker/grafana/provisioning/datasources/datasources.yml
            docker/grafana/provisioning/dashboards/dashboards.yml tests/prometheus-alerts.test.yml)
if [ "$HAVE_YAML" -eq 1 ]; then
    check "YAML files parse (${#YAML_FILES[@]})" python3 -c '
import sys, yaml
for path in sys.argv[1:]:
    doc = yaml.safe_load(open(path, encoding="utf-8"))
    if not isinstance(doc, dict):
        sys.exit(f"{path}: not a mapping")
' "${YAML_FILES[@]}"

    collector_pipelines() {
        python3 - <<'EOF'
import sys, yaml
c = yaml.safe_load(open("docker/otel-collector-config.yml"))
errors, used = [], {"receivers": set(), "processors": set(), "exporters": set()}
service = c.get("service", {})
for name, p in service.get("pipelines", {}).items():
    if name.split("/")[0] not in ("traces", "metrics", "logs"):
        errors.append(f"pipeline {name}: unknown signal")
    for kind in used:
        for comp in p.get(kind, []):
            used[kind].add(comp)
            if comp not in (c.get(kind) or {}):
                errors.append(f"pipeline {name}: {kind[:-1]} {comp} is not defined")
    if not p.get("receivers") or not p.get("exporters"):
        errors.append(f"pipeline {name}: needs receivers and exporters")
    if p.get("processors") and p["processors"][0] != "memory_limiter":
        errors.append(f"pipeline {name}: memory_limiter should come first")
for kind in used:
    for comp in (c.get(kind) or {}):
        if comp not in used[kind]:
            errors.append(f"{kind[:-1]} {comp} is defined but in no pipeline")
for ext in service.get("extensions", []):
    if ext not in (c.get("extensions") or {}):
        errors.append(f"extension {ext} is not defined")
for signal in ("traces", "metrics"):
    if signal not in service.get("pipelines", {}):
        errors.append(f"no {signal} pipeline")
grpc = c["receivers"]["otlp"]["protocols"]["grpc"]["endpoint"]
if not grpc.endswith(":4317") or grpc.startswith(("localhost", "127.")):
    errors.append(f"OTLP gRPC must listen on 0.0.0.0:4317 (is {grpc})")
print("\n".join(errors) or "pipelines: " + ", ".join(service["pipelines"]))
sys.exit(1 if errors else 0)
EOF
    }
    check "OTel collector: pipelines use defined components, OTLP on :4317" collector_pipelines
else
    skip "YAML files parse (PyYAML missing: python3 -m pip install pyyaml)"
    skip "OTel collector pipelines (PyYAML missing)"
fi

# ---------------------------------------------------------------------------
# Shell scripts
# ---------------------------------------------------------------------------
SCRIPTS=(docker/kibana/load.sh tests/refresh-metrics.sh tests/config-checks.sh)
check "shell scripts parse (bash -n)" bash -c 'for f in "$@"; do bash -n "$f" || exit 1; done' _ "${SCRIPTS[@]}"
if command -v shellcheck >/dev/null 2>&1; then
    check "shellcheck" shellcheck -S warning "${SCRIPTS[@]}"
else
    skip "shellcheck (not installed)"
fi

summary="config-checks: $PASSED passed, $FAILED failed"
if [ "$SKIPPED" -gt 0 ]; then summary="$summary, $SKIPPED skipped"; fi
echo "$summary"
[ "$FAILED" -eq 0 ]
