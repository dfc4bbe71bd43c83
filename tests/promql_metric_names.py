#!/usr/bin/env python3
"""Checks that every PromQL expression in Grafana dashboards and Prometheus rule files
uses only metric names the service exports.

    tests/promql_metric_names.py [--metrics FILE]... [--lazy FILE]... [--list] [--declared SRC] FILE...

FILE: a Grafana dashboard (*.json: every "expr" of a Prometheus target, and label_values()/
query_result() template variables) or a Prometheus rule file (*.yml/*.yaml: every "expr").

--metrics FILE   names the service exports. Either a Prometheus text exposition (a raw
                 `curl /metrics`: sample names, plus _bucket/_sum/_count of each histogram
                 family) or a list with one name per line ('#' starts a comment).
                 Repeatable. Default: docs/metrics.txt.
--lazy FILE      add only the names below the '# lazy:' marker of a docs/metrics.txt-style
                 list: instruments declared in src that appear on /metrics only once first
                 used. For a live scrape: --metrics scrape.txt --lazy docs/metrics.txt.
--list           print each expression's metric names instead of checking.
--declared SRC   also check that every instrument declared in SRC/**/*.cs (CreateCounter<T>("a.b",
                 "unit") and the like) is in the lists, under its Prometheus name: a new meter
                 must be added to docs/metrics.txt (tests/refresh-metrics.sh). FILE may then be
                 omitted. --print-declared SRC prints those names.

Always allowed: Prometheus' own series (up, scrape_*, ALERTS, ALERTS_FOR_STATE) and the
recording rules defined in the rule files checked.
Exit code: 0 all known, 1 unknown names (each printed with where it is used), 2 bad input.
"""
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_METRICS = os.path.join(ROOT, "docs", "metrics.txt")

PROMETHEUS_OWN = {
    "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
    "scrape_series_added", "scrape_timeout_seconds", "scrape_sample_limit", "scrape_body_size_bytes",
    "ALERTS", "ALERTS_FOR_STATE",
}
KEYWORDS = {
    "and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
    "offset", "bool", "inf", "nan", "atan2", "start", "end",
}
NAME_RE = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
NON_PROMETHEUS_DATASOURCES = {"loki", "elasticsearch", "jaeger", "tempo", "-- grafana --", "grafana"}


# ---------------------------------------------------------------------------
# PromQL: metric names of one expression
# ---------------------------------------------------------------------------
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_COMMENT = re.compile(r"#[^\n]*")
_NAME_MATCHER = re.compile(r'__name__\s*=\s*"((?:\\.|[^"\\])*)"')
_BRACES = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_GRAFANA_VARS = re.compile(r"\$\{[^}]*\}|\$\w+|\[\[\w+\]\]")
_TOKEN = re.compile(
    r"(?P<num>(?<![A-Za-z0-9_:.])(?:0[xX][0-9a-fA-F]+|(?:\d+(?:ms|s|m|h|d|w|y))+|"
    r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?))"
    r"|(?P<id>[A-Za-z_:][A-Za-z0-9_:]*)"
)


def metric_names(expr):
    """The metric names an expression selects (identifiers that are not functions,
    keywords, label names or numbers)."""
    names = set()
    text = _COMMENT.sub(" ", expr)
    # {__name__="x"} selects x: keep it before strings and braces go.
    for match in _NAME_MATCHER.finditer(text):
        names.add(match.group(1))
    text = _STRING.sub('""', text)
    text = _GRAFANA_VARS.sub(" ", text)
    previous = None
    while previous != text:  # braces and brackets do not nest once strings are gone
        previous = text
        text = _BRACES.sub(" ", text)
        text = _BRACKETS.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    for match in _TOKEN.finditer(text):
        ident = match.group("id")
        if not ident:
            continue
        rest = text[match.end():].lstrip()
        if rest.startswith("("):
            continue  # function or aggregation
        if ident.lower() in KEYWORDS:
            continue
        names.add(ident)
    return names


# ---------------------------------------------------------------------------
# Known names
# ---------------------------------------------------------------------------
def read_known(path, lazy_only=False):
    """Names from an exposition text or a name list; with lazy_only, the '# lazy:' section only."""
    names = set()
    in_lazy = False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.strip()
            if not line:
                continue
            if line.startswith("#"):
                if re.match(r"#\s*lazy\s*:", line):
                    in_lazy = True
                    continue
                parts = line.split()
                if len(parts) >= 4 and parts[1] == "TYPE" and not lazy_only:
                    family, kind = parts[2], parts[3]
                    if kind in ("histogram", "gaugehistogram"):
                        names.update({family + "_bucket", family + "_sum", family + "_count"})
                    elif kind == "summary":
                        names.update({family, family + "_sum", family + "_count"})
                continue
            if lazy_only and not in_lazy:
                continue
            match = NAME_RE.match(line)
            if match:
                names.add(match.group(0))
    return names


# ---------------------------------------------------------------------------
# Instruments declared in the C# sources, under their Prometheus names
# ---------------------------------------------------------------------------
_INSTRUMENT = re.compile(
    r'Create(Counter|UpDownCounter|Histogram|Gauge|ObservableCounter|ObservableUpDownCounter|ObservableGauge)'
    r'<[^>]+>\(\s*"([^"]+)"\s*(?:,\s*"([^"]*)")?')
# OpenTelemetry's Prometheus exporter: unit suffix, _total on counters ({...} units add nothing).
_UNIT_SUFFIX = {"s": "seconds", "ms": "milliseconds", "By": "bytes", "KiBy": "kibibytes", "MiBy": "mebibytes"}


def declared_names(src):
    """{prometheus sample name: 'file: instrument'} for every instrument created in src."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames[:] = sorted(d for d in dirnames if d not in ("bin", "obj"))
        for filename in sorted(filenames):
            if not filename.endswith(".cs"):
                continue
            path = os.path.join(dirpath, filename)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for kind, name, unit in _INSTRUMENT.findall(text):
                base = re.sub(r"[^A-Za-z0-9_:]", "_", name)
                suffix = _UNIT_SUFFIX.get(unit or "", "")
                if suffix and not base.endswith("_" + suffix):
                    base += "_" + suffix
                if kind in ("Counter", "ObservableCounter"):
                    samples = [base + "_total"]
                elif kind == "Histogram":
                    samples = [base + "_bucket", base + "_sum", base + "_count"]
                else:
                    samples = [base]
                for sample in samples:
                    found[sample] = f"{os.path.relpath(path)}: {name}"
    return found


# ---------------------------------------------------------------------------
# Expressions in files
# ---------------------------------------------------------------------------
def _datasource_kind(ds):
    if isinstance(ds, dict):
        return str(ds.get("type") or ds.get("uid") or "").lower()
    if isinstance(ds, str):
        return ds.lower()
    return ""


def _template_query(var):
    query = var.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    if not isinstance(query, str) or not query.strip():
        query = var.get("definition") or ""
    query = query.strip()
    match = re.match(r"^label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$", query, re.S)
    if match:
        return match.group(1)
    if re.match(r"^label_values\(\s*[A-Za-z_][A-Za-z0-9_]*\s*\)$", query):
        return None
    match = re.match(r"^query_result\((.*)\)$", query, re.S)
    if match:
        return match.group(1)
    if re.match(r"^(metrics|label_names)\(", query):
        return None
    return query or None


def dashboard_expressions(path):
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    found = []

    def walk(node, where, inherited_ds):
        if isinstance(node, dict):
            ds = node.get("datasource", inherited_ds)
            title = node.get("title")
            here = f"{where} / {title}" if isinstance(title, str) and title and "gridPos" in node else where
            expr = node.get("expr")
            if isinstance(expr, str) and expr.strip() and _datasource_kind(ds) not in NON_PROMETHEUS_DATASOURCES:
                found.append((f"{here} [{node.get('refId', '?')}]", expr))
            for key, value in node.items():
                if key == "templating":
                    continue
                walk(value, here, ds)
        elif isinstance(node, list):
            for item in node:
                walk(item, where, inherited_ds)

    walk(dashboard, os.path.basename(path), None)
    for var in (dashboard.get("templating") or {}).get("list", []):
        if var.get("type") != "query" or _datasource_kind(var.get("datasource")) in NON_PROMETHEUS_DATASOURCES:
            continue
        expr = _template_query(var)
        if expr:
            found.append((f"{os.path.basename(path)} / variable ${var.get('name')}", expr))
    return found


def _rules_with_yaml(text):
    import yaml  # noqa: PLC0415

    doc = yaml.safe_load(text) or {}
    rules = []
    for group in doc.get("groups", []) or []:
        for rule in group.get("rules", []) or []:
            rules.append((group.get("name"), rule.get("alert"), rule.get("record"), str(rule.get("expr", ""))))
    return rules


def _rules_without_yaml(text):
    """Fallback when PyYAML is missing: expr/record/alert keys, inline or block scalars."""
    rules, current, lines, i = [], None, text.splitlines(), 0
    while i < len(lines):
        line = lines[i]
        match = re.match(r"^(\s*)(?:-\s+)?(alert|record|expr):\s*(.*)$", line)
        if match:
            indent, key, value = len(match.group(1)), match.group(2), match.group(3).strip()
            if key in ("alert", "record") and (line.lstrip().startswith("-") or current is None):
                current = {"alert": None, "record": None, "expr": ""}
                rules.append(current)
            if current is None:
                current = {"alert": None, "record": None, "expr": ""}
                rules.append(current)
            if key == "expr" and value[:1] in ("|", ">"):
                block, j = [], i + 1
                while j < len(lines) and (not lines[j].strip() or len(lines[j]) - len(lines[j].lstrip()) > indent):
                    block.append(lines[j])
                    j += 1
                value, i = "\n".join(block), j - 1
            elif len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            current[key] = value
        i += 1
    return [(None, r["alert"], r["record"], r["expr"]) for r in rules if r["expr"]]


def rule_expressions(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        rules = _rules_with_yaml(text)
    except ImportError:
        rules = _rules_without_yaml(text)
    found, recorded = [], set()
    for group, alert, record, expr in rules:
        if record:
            recorded.add(record)
        label = f"alert {alert}" if alert else f"record {record}"
        found.append((f"{os.path.basename(path)} / {label}", expr))
    return found, recorded


# ---------------------------------------------------------------------------
def main(argv):
    metrics_files, lazy_files, targets, list_only, declared_src = [], [], [], False, None
    args = iter(argv)
    for arg in args:
        if arg == "--metrics":
            metrics_files.append(next(args, None))
        elif arg == "--lazy":
            lazy_files.append(next(args, None))
        elif arg == "--list":
            list_only = True
        elif arg == "--declared":
            declared_src = next(args, None) or ""
        elif arg == "--print-declared":
            for name in sorted(declared_names(next(args, None) or ".")):
                print(name)
            return 0
        elif arg in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            targets.append(arg)
    if None in metrics_files or None in lazy_files or declared_src == "" or not (targets or declared_src):
        print(__doc__, file=sys.stderr)
        return 2
    if not metrics_files:
        metrics_files = [DEFAULT_METRICS]

    known = set(PROMETHEUS_OWN)
    try:
        for path in metrics_files:
            known |= read_known(path)
        for path in lazy_files:
            known |= read_known(path, lazy_only=True)
    except OSError as e:
        print(f"promql-metric-names: cannot read metric list: {e}", file=sys.stderr)
        return 2
    if len(known) == len(PROMETHEUS_OWN):
        print("promql-metric-names: the metric lists name no metric", file=sys.stderr)
        return 2

    expressions = []
    try:
        for path in targets:
            if path.endswith(".json"):
                expressions += dashboard_expressions(path)
            else:
                found, recorded = rule_expressions(path)
                expressions += found
                known |= recorded
    except (OSError, ValueError) as e:
        print(f"promql-metric-names: cannot read {path}: {e}", file=sys.stderr)
        return 2

    unknown = {}
    used = set()
    for where, expr in expressions:
        names = metric_names(expr)
        used |= names
        if list_only:
            print(f"{where}: {' '.join(sorted(names)) or '(none)'}")
            continue
        for name in names:
            if name not in known:
                unknown.setdefault(name, []).append(where)
    if list_only:
        return 0
    missing_declared = {}
    if declared_src:
        declared = declared_names(declared_src)
        missing_declared = {n: w for n, w in declared.items() if n not in known}
        for name in sorted(missing_declared):
            print(f"instrument not in the metric lists: '{name}' ({missing_declared[name]}); run tests/refresh-metrics.sh")
        print(f"promql-metric-names: {len(declared)} declared sample names, {len(missing_declared)} missing from the lists")
        if not targets:
            return 1 if missing_declared else 0
    for name in sorted(unknown):
        print(f"unknown metric '{name}' used in:")
        for where in unknown[name]:
            print(f"    {where}")
    print(f"promql-metric-names: {len(expressions)} expressions, {len(used)} metric names, "
          f"{len(unknown)} unknown (checked against {', '.join(os.path.relpath(p) for p in metrics_files + lazy_files)})")
    return 1 if unknown or missing_declared else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
