#!/usr/bin/env bash
# Regenerates docs/openapi.json, the committed OpenAPI document, from the gateway's own build:
# Microsoft.Extensions.ApiDescription.Server loads the built app and writes the document that
# /openapi/v1.json serves (default settings: Auth:Mode none). Commit the result. The Api tests'
# OpenApiDocumentTests fail when the running gateway's document drifts from the committed one.
#
#   scripts/openapi.sh            regenerate docs/openapi.json
#   scripts/openapi.sh --check    regenerate into a temporary copy and fail if it differs (no test run needed)
set -euo pipefail
cd "$(dirname "$0")/.."

committed=docs/openapi.json
# The document is generated with default settings (what the drift test's gateway runs with): settings
# that change it (apikey mode adds a security scheme) must not leak in from this shell.
unset Auth__Mode Auth__ApiKeys DELINEATE_MODE
if [[ "${1:-}" == "--check" ]]; then
  saved=$(mktemp)
  cp "$committed" "$saved"
  trap 'cp "$saved" "$committed"; rm -f "$saved"' EXIT
fi

dotnet build src/Gateway/Gateway.csproj -c Release -nologo -v quiet -clp:ErrorsOnly -p:GenerateOpenApiDocument=true

if [[ "${1:-}" == "--check" ]]; then
  if ! cmp -s "$saved" "$committed"; then
    diff -u "$saved" "$committed" | head -40 || true
    echo "docs/openapi.json is out of date: run scripts/openapi.sh and commit it." >&2
    exit 1
  fi
  echo "docs/openapi.json is up to date."
else
  echo "wrote $committed"
fi
