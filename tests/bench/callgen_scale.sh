#!/usr/bin/env bash
# Time and memory of lime-callgen at scale: by default 20,000 SDES calls
# of 3 s, all active at once (--calls 20000 --concurrency 20000
# --duration 3), written to a capture of about 1.5 GB. Then every stream
# is decrypted with tests/callgen/srtp_decode and compared with the
# ground truth.
#
# Usage: tests/bench/callgen_scale.sh [BUILD_DIR] [CALLS] [DURATION_S]
#
# Needs about 80 MB of disk per 1,000 calls of 3 s in TMPDIR (default
# /tmp). Prints one RESULT line per figure:
#   callgen_elapsed       wall-clock seconds; ceiling: the capture's own
#                         duration, so ratio < 1 is faster than real time
#   callgen_write_rate    capture bytes per second; ceiling: dd writing the
#                         same number of bytes to the same folder
#   callgen_peak_rss      peak resident memory in MiB; ceiling: MemTotal
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CALLS=${2:-20000}
DURATION=${3:-3}
python=/usr/bin/python3

meson compile -C "$BUILD" >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-callgen-scale.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

echo "lime-callgen --calls $CALLS --concurrency $CALLS --duration $DURATION in $work"
# Python measures the wall time and the child's peak RSS (getrusage), so
# GNU time is not needed.
read -r elapsed rss_kib < <("$python" - "$BUILD/lime-callgen" "$work" "$CALLS" "$DURATION" <<'PY'
import resource, subprocess, sys, time
callgen, work, calls, duration = sys.argv[1:5]
start = time.monotonic()
subprocess.run([callgen, "--out", work + "/scale.pcap", "--truth", work + "/scale.json",
                "--truth-keys", work + "/scale.keys", "--calls", calls,
                "--concurrency", calls, "--duration", duration], check=True,
               stdout=sys.stderr)
elapsed = time.monotonic() - start
print("%.3f %d" % (elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
PY
)

bytes=$(stat -c %s "$work/scale.pcap")
span=$("$python" -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print("%.3f" % ((s["last_us"] - s["first_us"]) / 1e6))' "$work/scale.json")
dd_start=$(date +%s.%N)
dd if=/dev/zero of="$work/dd.bin" bs=4M count=$(((bytes + 4194303) / 4194304)) status=none
dd_end=$(date +%s.%N)
rm -f "$work/dd.bin"
mem_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)

"$python" - "$elapsed" "$span" "$bytes" "$dd_start" "$dd_end" "$rss_kib" "$mem_kib" <<'PY'
import sys
elapsed, span, size, dd_start, dd_end, rss, mem = map(float, sys.argv[1:8])
rate = size / elapsed
dd_rate = size / (dd_end - dd_start)
for name, value, unit, ceiling in (
        ("callgen_elapsed", elapsed, "s", span),
        ("callgen_write_rate", rate / 1e6, "MB/s", dd_rate / 1e6),
        ("callgen_peak_rss", rss / 1024, "MiB", mem / 1024)):
    print("RESULT %s value=%.3f unit=%s ceiling=%.3f ratio=%.3f" % (name, value, unit, ceiling, value / ceiling))
PY

echo "decrypting every stream with srtp_decode"
"$BUILD/tests/callgen/srtp_decode" "$work/scale.pcap" "$work/scale.keys" >"$work/scale.tsv"
"$python" - "$work/scale.json" "$work/scale.tsv" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
decoded = {}
for line in open(sys.argv[2]):
    f = line.rstrip("\n").split("\t")
    decoded[(f[0], f[1])] = f
bad = 0
streams = 0
for call in truth["calls"]:
    for s in call["streams"]:
        streams += 1
        d = decoded.get((call["call_id"], s["direction"]))
        if d is None or int(d[3]) != s["packets"] or d[4] != "0" or d[7] != s["payload_sha256"]:
            bad += 1
print("%d streams checked, %d differ from the ground truth" % (streams, bad))
sys.exit(1 if bad else 0)
PY
