#!/usr/bin/env bash
# Regenerates architecture.png (repo root) from docs/architecture.dot with Graphviz `dot`.
# Usage: npm run architecture   |   scripts/render-architecture.sh [output.png]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/architecture.png}"
if ! command -v dot >/dev/null 2>&1; then
  echo "Graphviz 'dot' is missing: apt-get install graphviz (Debian/Ubuntu) or brew install graphviz (macOS)" >&2
  exit 1
fi
dot -Tpng "$root/docs/architecture.dot" -o "$out"
