#!/usr/bin/env bash
# Loads docker/kibana/saved-objects.ndjson into Kibana through the saved objects import API:
# the data views delineate-logs-* and delineate-traces*, the searches "Errors" and "One job",
# the visualizations and the "Delineate logs" dashboard. Overwrites objects of the same id,
# so running it again after an edit updates them.
#
#   docker/kibana/load.sh                       # Kibana on http://localhost:5601
#   KIBANA_URL=http://kibana:5601 docker/kibana/load.sh
#
# Environment:
#   KIBANA_URL         default http://localhost:5601
#   KIBANA_SPACE       a space id to import into (default: the default space)
#   KIBANA_USERNAME / KIBANA_PASSWORD   basic auth, when Elasticsearch security is on
#   KIBANA_API_KEY     an API key ("id:key" base64-encoded, as Kibana shows it) instead
#   KIBANA_WAIT_SECONDS  how long to wait for Kibana to be available (default 180)
# Exit code: 0 when every object was imported, 1 otherwise (Kibana's answer is printed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
FILE="${1:-$HERE/saved-objects.ndjson}"
KIBANA_URL="${KIBANA_URL:-http://localhost:5601}"
KIBANA_URL="${KIBANA_URL%/}"
WAIT="${KIBANA_WAIT_SECONDS:-180}"
BASE="$KIBANA_URL"
if [ -n "${KIBANA_SPACE:-}" ]; then BASE="$KIBANA_URL/s/$KIBANA_SPACE"; fi

AUTH=()
if [ -n "${KIBANA_API_KEY:-}" ]; then
    AUTH=(-H "Authorization: ApiKey $KIBANA_API_KEY")
elif [ -n "${KIBANA_USERNAME:-}" ]; then
    AUTH=(-u "$KIBANA_USERNAME:${KIBANA_PASSWORD:-}")
fi

if [ ! -f "$FILE" ]; then
    echo "load.sh: no such file: $FILE" >&2
    exit 1
fi

# Kibana answers /api/status with 503 until its overall status is at least "degraded"
# (the saved objects service works from then on).
deadline=$((SECONDS + WAIT))
until [ "$(curl -sS -o /dev/null -w '%{http_code}' "${AUTH[@]}" "$KIBANA_URL/api/status" 2>/dev/null)" = "200" ]; do
    if [ "$SECONDS" -ge "$deadline" ]; then
        echo "load.sh: Kibana at $KIBANA_URL is not available after ${WAIT}s" >&2
        exit 1
    fi
    sleep 3
done

response=$(curl -sS "${AUTH[@]}" -X POST "$BASE/api/saved_objects/_import?overwrite=true" \
    -H "kbn-xsrf: true" \
    --form "file=@$FILE")
echo "$response"

# {"success":true,"successCount":N,...} when every object went in.
if printf '%s' "$response" | grep -Eq '"success" *: *true'; then
    count=$(printf '%s' "$response" | sed -n 's/.*"successCount" *: *\([0-9]*\).*/\1/p')
    echo "load.sh: imported ${count:-all} saved objects into $BASE" >&2
    exit 0
fi
echo "load.sh: import failed (see the errors above)" >&2
exit 1
