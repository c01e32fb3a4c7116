#!/usr/bin/env bash
# Memory of lime per tracked dialog, per intercepted call (its media flows
# and decrypting streams) and per slot of the tables sized by the
# configuration, from the peak resident set (ru_maxrss) of lime runs that
# differ in one thing only.
#
# Usage: tests/bench/memory.sh [BUILD_DIR] [CALLS] [TARGET_CALLS]
#        defaults: 5000 calls, 500 target calls
#
# Runs, each on a capture of lime-callgen SDES calls over UDP of 2 s:
#   dialogs     CALLS and 2*CALLS concurrent calls without a target: the
#               difference in peak RSS over the difference in the
#               summary's dialogs.peak is the cost of one tracked dialog;
#   intercepted TARGET_CALLS and 2*TARGET_CALLS calls, every one with a
#               target: per intercepted call, its dialog, its media flows
#               and its decrypting streams;
#   tables      CALLS/10 calls with max_dialogs, max_flows and mbufs each
#               raised in turn: the cost of one slot, allocated at start.
# lime delivers to a lime-lemf on loopback. Records waiting for it count
# in the intercepted runs, up to delivery_memory_mb (default 64 MiB), so
# those runs are kept small enough for lime-lemf to keep up.
# NOTE: with 2,000 target calls lime-lemf fell behind and records went to
# the spool. The offline run then stopped making progress, its receiving
# lcore spinning in ring_enqueue_all, so each lime run is limited to 600 s.
# Prints one RESULT line per figure (ceiling 0: there is no bound to
# compare with) and a table.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CALLS=${2:-5000}
TARGET_CALLS=${3:-500}
python=/usr/bin/python3

meson compile -C "$BUILD" lime:executable lime-callgen lime-lemf >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-memory.XXXXXX")
lemf_pid=
cleanup() {
	if [[ -n $lemf_pid ]]; then
		kill -TERM "$lemf_pid" 2>/dev/null || true
		wait "$lemf_pid" 2>/dev/null || true
	fi
	rm -rf -- "$work"
}
trap cleanup EXIT

free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

hi2=$(free_port)
hi3=$(free_port)
mkdir -p "$work/lemf"
"$BUILD/lime-lemf" --hi2 "127.0.0.1:$hi2" --hi3 "127.0.0.1:$hi3" --out "$work/lemf" \
	--log-level error 2>"$work/lemf.log" &
lemf_pid=$!

# generate NAME CALLS TARGET_SHARE
generate() {
	"$BUILD/lime-callgen" --out "$work/$1.pcap" --truth "$work/$1.json" --calls "$2" \
		--concurrency "$2" --duration 2 --target-share "$3" --targets 4 --seed 21 --quiet
}

# run NAME CAPTURE [EXTRA_CONFIG_LINE ...]: lime on CAPTURE, peak RSS and
# summary into NAME.proc.json and NAME.json.
run() {
	local name=$1 capture=$2
	shift 2
	{
		echo 'lcores: "0-1"'
		echo "workers: 1"
		echo "stats_interval_s: 0"
		echo "spool_dir: \"$work/spool\""
		for line in "$@"; do echo "$line"; done
		echo "intercepts:"
		echo '  - liid: "LIID-MEM"'
		echo '    targets: ["sip:target-0@ims.test", "tel:+15550101", "sip:target-2@ims.test", "tel:+15550103"]'
		echo '    agency: "lea-1"'
		echo "agencies:"
		echo '  - name: "lea-1"'
		echo "    hi2: \"127.0.0.1:$hi2\""
		echo "    hi3: \"127.0.0.1:$hi3\""
		echo '    operator_id: "BENCH"'
	} >"$work/$name.yaml"
	mkdir -p "$work/spool"
	if ! "$python" "$ROOT/tests/bench/run_sampled.py" --timeout 600 "$work/$name.proc.json" "$BUILD/lime" \
		--config "$work/$name.yaml" --pcap "$work/$capture.pcap" --summary "$work/$name.json" \
		--log-level warning >"$work/$name.log" 2>&1; then
		tail -n 20 "$work/$name.log" >&2
		echo "memory.sh: lime failed or ran over 600 s on $capture.pcap" >&2
		exit 1
	fi
	rm -rf -- "$work/spool"
}

echo "generating captures of $CALLS and $((2 * CALLS)) calls, $TARGET_CALLS and $((2 * TARGET_CALLS)) target calls, in $work"
small=$((CALLS / 10))
generate plain1 "$CALLS" 0
generate plain2 "$((2 * CALLS))" 0
generate target1 "$TARGET_CALLS" 1
generate target2 "$((2 * TARGET_CALLS))" 1
generate tiny "$small" 0

run plain1 plain1 "max_dialogs: $((4 * CALLS))"
run plain2 plain2 "max_dialogs: $((4 * CALLS))"
run target1 target1 "max_dialogs: $((4 * CALLS))" "max_flows: $((16 * TARGET_CALLS))"
run target2 target2 "max_dialogs: $((4 * CALLS))" "max_flows: $((16 * TARGET_CALLS))"
run base tiny
run dialogs tiny "max_dialogs: 1000000"
run flows tiny "max_flows: 1048576"
run mbufs tiny "mbufs: 131071"

"$python" - "$work" <<'PY'
import json, sys
work = sys.argv[1]

def load(name):
    s = json.load(open("%s/%s.json" % (work, name)))
    p = json.load(open("%s/%s.proc.json" % (work, name)))
    return s, p["peak_rss_kib"] * 1024

figures = []
s1, r1 = load("plain1")
s2, r2 = load("plain2")
d = s2["dialogs"]["peak"] - s1["dialogs"]["peak"]
per_dialog = (r2 - r1) / d
figures.append(("memory_per_dialog", per_dialog, "bytes",
                "tracked dialog without a target: peaks %d and %d dialogs, %.0f and %.0f MiB"
                % (s1["dialogs"]["peak"], s2["dialogs"]["peak"], r1 / 2**20, r2 / 2**20)))

t1, q1 = load("target1")
t2, q2 = load("target2")
d = t2["dialogs"]["peak"] - t1["dialogs"]["peak"]
per_call = (q2 - q1) / d
flows = (t2["flows"]["peak"] - t1["flows"]["peak"]) / d
figures.append(("memory_per_intercepted_call", per_call, "bytes",
                "intercepted call with its flows and streams: peaks %d and %d dialogs, "
                "%.1f flows per call at the peak, %d and %d streams, %.0f and %.0f MiB"
                % (t1["dialogs"]["peak"], t2["dialogs"]["peak"], flows,
                   t1["media"]["streams"], t2["media"]["streams"], q1 / 2**20, q2 / 2**20)))

base, rb = load("base")
for name, key, before, after in (("dialogs", "max_dialogs", 100000, 1000000),
                                 ("flows", "max_flows", 65536, 1048576),
                                 ("mbufs", "mbufs", 16383, 131071)):
    s, r = load(name)
    figures.append(("memory_per_%s_slot" % key, (r - rb) / (after - before), "bytes",
                    "%s raised from %d to %d: %.0f to %.0f MiB" % (key, before, after, rb / 2**20, r / 2**20)))
figures.append(("memory_base", rb / 2**20, "MiB", "peak RSS with the default tables and %d calls"
                % base["calls"]))

print("| figure | value | how |")
print("|---|---|---|")
for name, value, unit, how in figures:
    print("| %s | %.0f %s | %s |" % (name, value, unit, how))
for name, value, unit, _ in figures:
    print("RESULT %s value=%.1f unit=%s ceiling=0 ratio=0" % (name, value, unit))
PY
