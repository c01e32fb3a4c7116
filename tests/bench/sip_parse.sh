#!/usr/bin/env bash
# SIP messages parsed per second on one core, doing the control lcore's work
# on each (parse, Call-ID, CSeq, From/To and Request-URI, SDP and SDES),
# beside a memchr scan of the same bytes for line ends as the ceiling.
#
# Usage: tests/bench/sip_parse.sh [BUILD_DIR] [MESSAGES_PER_ROUND] [ROUNDS]
# LIME_BENCH_CPU sets the CPU to pin to (default: the highest-numbered one).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
MESSAGES=${2:-200000}
ROUNDS=${3:-7}
CPU=${LIME_BENCH_CPU:-$(($(nproc) - 1))}

meson compile -C "$BUILD" sip_parse_bench >/dev/null

# Pinned to one CPU, so the figures are per core and the process does not
# migrate between caches in the middle of a round.
PIN=()
if command -v taskset >/dev/null 2>&1; then
	PIN=(taskset -c "$CPU")
else
	echo "sip_parse.sh: taskset not found, running unpinned" >&2
fi
"${PIN[@]}" "$BUILD/tests/bench/sip_parse_bench" "$MESSAGES" "$ROUNDS"
