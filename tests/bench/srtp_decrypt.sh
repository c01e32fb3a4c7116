#!/usr/bin/env bash
# SRTP packets decrypted per second per core through lime's tap session,
# beside libsrtp2's srtp_unprotect on the same packets as the ceiling.
#
# Usage: tests/bench/srtp_decrypt.sh [BUILD_DIR] [PACKETS]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
PACKETS=${2:-60000}

meson compile -C "$BUILD" srtp_decrypt_bench >/dev/null
cpu=${LIME_BENCH_CPU:-$(($(nproc) - 1))}
if command -v taskset >/dev/null; then
	exec taskset -c "$cpu" "$BUILD/tests/bench/srtp_decrypt_bench" "$PACKETS"
fi
exec "$BUILD/tests/bench/srtp_decrypt_bench" "$PACKETS"
