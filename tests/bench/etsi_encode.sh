#!/usr/bin/env bash
# CC records encoded per second per core (per-stream template) beside a
# plain memcpy of the same bytes as the ceiling.
#
# Usage: tests/bench/etsi_encode.sh [BUILD_DIR] [RECORDS]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
RECORDS=${2:-20000000}

meson compile -C "$BUILD" etsi_encode_bench >/dev/null
"$BUILD/tests/bench/etsi_encode_bench" "$RECORDS"
