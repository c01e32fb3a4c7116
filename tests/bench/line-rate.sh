#!/usr/bin/env bash
# Line-rate load test of the whole lime pipeline on one capture of a
# realistic traffic mix, beside dpdk-testpmd reading the same capture in
# the same run.
#
# Usage: tests/bench/line-rate.sh [BUILD_DIR]
#
# The mix, made once by lime-callgen and cached:
#   - LIME_LR_CALLS concurrent calls (default 20000) of LIME_LR_DURATION
#     seconds of media (default 3), about LIME_LR_TARGET_SHARE of them
#     (default 0.01) with a target; SIP over UDP and TCP, SRTP with SDES
#     and MIKEY-TICKET keys (a lime-kms on 127.0.0.1 issues the tickets);
#   - four fifths of the calls G.711 20 ms over IPv4, one fifth wideband
#     (G.722 framing, 20 ms) over IPv6, so that their addresses never meet;
#   - LIME_LR_BACKGROUND non-VoIP packets per second (default 150000):
#     DNS, NTP, syslog, QUIC-sized UDP and HTTPS-like TCP.
# The two lime-callgen captures are merged by capture time into one file
# under LIME_BENCH_CACHE (default /var/tmp/lime-bench-cache), in a folder
# named after the parameters, with the KMS certificates and settings that
# resolve its tickets. Delete that folder after changing lime-callgen.
# LIME_BENCH_KEEP=1 keeps the run's work folder (configurations, logs,
# summaries) and prints its path.
#
# Each run then reads the capture once from the page cache, never in a
# loop, because a replayed capture repeats SRTP indexes and Call-IDs:
#   - dpdk-testpmd, io forwarding from net_pcap into net_null: the ceiling;
#   - lime --pcap with lcores "0-1" and one worker (lcore 1 receives and
#     decrypts, lcore 0 is the control lcore), through a fresh lime-kms;
#   - with 4 or more CPUs, lime again with two workers.
# tests/bench/line_rate_report.py prints the table and the RESULT lines
# and keeps them under LIME_BENCH_RESULTS (default
# /var/tmp/lime-bench-results), with the ratio to the previous run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CALLS=${LIME_LR_CALLS:-20000}
DURATION=${LIME_LR_DURATION:-3}
TARGET_SHARE=${LIME_LR_TARGET_SHARE:-0.01}
BACKGROUND=${LIME_LR_BACKGROUND:-150000}
SEED=${LIME_LR_SEED:-7}
CACHE_ROOT=${LIME_BENCH_CACHE:-/var/tmp/lime-bench-cache}
RESULTS_ROOT=${LIME_BENCH_RESULTS:-/var/tmp/lime-bench-results}
python=/usr/bin/python3
# Capture start, RFC 3339. A capture replayed live on a real port (see
# docs/pktgen.md) needs a start on the day of the test, because a live
# lime judges MIKEY ticket validity by the wall clock.
start_time=${LIME_LR_START:-2026-06-01T00:00:00Z}

# testpmd and lime run at a raised priority (root only) so that builds
# sharing the machine take less of their CPUs; LIME_BENCH_NICE=0 turns
# that off.
NICE=${LIME_BENCH_NICE:--10}
priority=()
if [[ $(id -u) -eq 0 && $NICE -ne 0 ]]; then
	priority=(nice -n "$NICE")
fi

WIDEBAND_CALLS=$((CALLS / 5))
NARROWBAND_CALLS=$((CALLS - WIDEBAND_CALLS))
KEY="calls${CALLS}-d${DURATION}-t${TARGET_SHARE}-bg${BACKGROUND}-s${SEED}"
if [[ -n ${LIME_LR_START:-} ]]; then
	KEY="$KEY-$(echo "$start_time" | tr -c 'A-Za-z0-9\n' '_')"
fi
CACHE="$CACHE_ROOT/line-rate-$KEY"
RESULTS="$RESULTS_ROOT/line-rate-$KEY"

for tool in dpdk-testpmd openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "line-rate.sh: $tool not found; install it (deploy/install-deps.sh)" >&2
		exit 2
	fi
done
meson compile -C "$BUILD" lime:executable lime-callgen lime-kms lime-lemf >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-line-rate.XXXXXX")
kms_pid=
lemf_pid=
cleanup() {
	local pid
	for pid in $kms_pid $lemf_pid; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf -- "/var/run/dpdk/lime-lr-testpmd-$$"
	if [[ -n ${LIME_BENCH_KEEP:-} ]]; then
		echo "line-rate.sh: work folder kept: $work"
	else
		rm -rf -- "$work"
	fi
}
trap cleanup EXIT

free_port() {
	"$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Writes the lime-kms settings of folder DIR for PORT. The ticket key is
# fixed, so a KMS started later resolves the tickets of a cached capture.
# The clock runs 20 s behind the capture start so that tickets cover the
# calls. lime stamps its requests with the wall clock, so the KMS does not
# check the skew.
write_kms_config() {
	local dir=$1 port=$2
	local now start_s
	now=$(date +%s)
	start_s=$(date -d "$start_time" +%s)
	cat >"$dir/kms.yaml" <<YAML
listen: "127.0.0.1:$port"
cert_file: "$dir/kms.pem"
key_file: "$dir/kms.key"
kms_identity: "sip:kms@lime.test"
ticket_key_hex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
clock_offset_s: $((start_s - now - 20))
max_clock_skew_s: 0
max_connections: 4096
users:
  - identity: "sip:target-0@ims.test"
    psk_hex: "11111111111111111111111111111111"
  - identity: "tel:+15550101"
    psk_hex: "22222222222222222222222222222222"
  - identity: "sip:alice@ims.test"
    psk_hex: "33333333333333333333333333333333"
  - identity: "sip:bob@ims.test"
    psk_hex: "44444444444444444444444444444444"
li_nodes:
  - identity: "sip:li-node-1@lime.test"
    psk_hex: "55555555555555555555555555555555"
ticket_policy:
  validity_s: 86400
  reusable: false
  forking: true
YAML
}

start_kms() {
	local dir=$1 port=$2 log=$3
	write_kms_config "$dir" "$port"
	"$BUILD/lime-kms" --config "$dir/kms.yaml" --log-level warning 2>"$log" &
	kms_pid=$!
	for _ in $(seq 1 50); do
		if "$python" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' \
			"$port" 2>/dev/null; then
			return 0
		fi
		sleep 0.1
	done
	echo "line-rate.sh: lime-kms did not listen on 127.0.0.1:$port; its log:" >&2
	cat "$log" >&2
	exit 1
}

stop_kms() {
	kill -TERM "$kms_pid" 2>/dev/null || true
	wait "$kms_pid" 2>/dev/null || true
	kms_pid=
}

make_capture() {
	local tmp="$CACHE.partial"
	rm -rf -- "$tmp"
	mkdir -p "$tmp"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$tmp/ca.key" -out "$tmp/ca.pem" -days 3650 -subj "/CN=lime bench CA" 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/kms.key" \
		-out "$tmp/kms.csr" -subj "/CN=127.0.0.1" 2>/dev/null
	printf 'subjectAltName=IP:127.0.0.1\n' >"$tmp/kms.ext"
	openssl x509 -req -in "$tmp/kms.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
		-CAcreateserial -out "$tmp/kms.pem" -days 3650 -extfile "$tmp/kms.ext" 2>/dev/null

	local port
	port=$(free_port)
	start_kms "$tmp" "$port" "$tmp/kms-generate.log"
	local common=(--duration "$DURATION" --target-share "$TARGET_SHARE" --targets 4
		--transport mixed --keying mixed --start "$start_time" --quiet
		--kms "https://127.0.0.1:$port/mikey" --kms-ca "$tmp/ca.pem" --kms-config "$tmp/kms.yaml")
	echo "generating $NARROWBAND_CALLS G.711 calls over IPv4 and $WIDEBAND_CALLS wideband calls over IPv6 into $CACHE"
	# The two halves run side by side, one per CPU.
	"$BUILD/lime-callgen" --out "$tmp/narrowband.pcap" --truth "$tmp/narrowband.json" \
		--calls "$NARROWBAND_CALLS" --concurrency "$NARROWBAND_CALLS" --codec pcmu \
		--background "$BACKGROUND" --seed "$SEED" "${common[@]}" &
	local narrowband_pid=$!
	"$BUILD/lime-callgen" --out "$tmp/wideband.pcap" --truth "$tmp/wideband.json" \
		--calls "$WIDEBAND_CALLS" --concurrency "$WIDEBAND_CALLS" --codec wideband --ipv6 \
		--seed "$((SEED + 1))" "${common[@]}"
	wait "$narrowband_pid"
	stop_kms
	"$python" "$ROOT/tests/bench/merge_pcaps.py" "$tmp/mix.pcap" "$tmp/narrowband.pcap" "$tmp/wideband.pcap"
	"$python" "$ROOT/tests/bench/capture_mix.py" "$tmp/mix.pcap" "$tmp/mix.json"
	rm -f "$tmp/narrowband.pcap" "$tmp/wideband.pcap" "$tmp/kms.csr" "$tmp/ca.key"
	mv "$tmp" "$CACHE"
}

if [[ ! -s $CACHE/mix.pcap ]]; then
	mkdir -p "$CACHE_ROOT"
	generate_start=$(date +%s)
	make_capture
	echo "capture made in $(($(date +%s) - generate_start)) s"
else
	echo "capture from the cache: $CACHE"
fi
capture="$CACHE/mix.pcap"
# Read the capture once so that both runs read it from the page cache.
cat "$capture" >/dev/null

# ---- ceiling: dpdk-testpmd, net_pcap into net_null ----

# testpmd forwards port 0 (the capture) to port 1 (net_null, which
# receives nothing). The script requests the port statistics every 50 ms
# until all the capture's records are counted. The report takes the rate
# from testpmd's "Rx-pps" of the intervals in which the port was busy
# throughout, which testpmd times with its own TSC. --no-flush-rx keeps testpmd
# from reading and discarding packets before "start".
run_testpmd() {
	local records=$1 fifo="$work/testpmd.in"
	mkfifo "$fifo"
	"${priority[@]}" dpdk-testpmd -l 0-1 --no-huge --no-pci -m 1024 --no-shconf \
		--file-prefix="lime-lr-testpmd-$$" --log-level=error \
		--vdev "net_pcap0,rx_pcap=$capture" --vdev "net_null0,no-rx=1" -- \
		-i --forward-mode=io --port-topology=paired --total-num-mbufs=65536 \
		--rxq=1 --txq=1 --burst=32 --no-flush-rx \
		<"$fifo" >"$work/testpmd.log" 2>&1 &
	local testpmd_pid=$!
	exec 7>"$fifo"
	echo "start" >&7
	local seen=0
	for _ in $(seq 1 6000); do
		sleep 0.05
		echo "show port stats 0" >&7
		seen=$(grep 'RX-packets:' "$work/testpmd.log" | tail -n 1 | awk '{print $2}' || true)
		if [[ ${seen:-0} -ge $records ]]; then
			break
		fi
	done
	echo "stop" >&7
	echo "quit" >&7
	exec 7>&-
	wait "$testpmd_pid" || true
	if [[ ${seen:-0} -lt $records ]]; then
		echo "line-rate.sh: testpmd received ${seen:-0} of $records records; its log:" >&2
		tail -n 30 "$work/testpmd.log" >&2
		exit 1
	fi
}

# ---- lime ----

# lime delivers to a lime-lemf on loopback. An agency that cannot be
# reached would send every record to the spool instead.
start_lemf() {
	local name=$1
	lemf_hi2=$(free_port)
	lemf_hi3=$(free_port)
	mkdir -p "$work/lemf-$name"
	"$BUILD/lime-lemf" --hi2 "127.0.0.1:$lemf_hi2" --hi3 "127.0.0.1:$lemf_hi3" \
		--out "$work/lemf-$name" --log-level warning 2>"$work/lemf-$name.log" &
	lemf_pid=$!
}

stop_lemf() {
	kill -TERM "$lemf_pid" 2>/dev/null || true
	wait "$lemf_pid" 2>/dev/null || true
	lemf_pid=
}

run_lime() {
	local name=$1 lcores=$2 workers=$3
	local port
	port=$(free_port)
	start_kms "$CACHE" "$port" "$work/kms-$name.log"
	start_lemf "$name"
	"$python" - "$CACHE" "$port" "$lcores" "$workers" "$work" "$lemf_hi2" "$lemf_hi3" \
		>"$work/lime-$name.yaml" <<'PY'
import json, sys
cache, port, lcores, workers, work, hi2, hi3 = sys.argv[1:8]
targets = set()
for part in ("narrowband", "wideband"):
    targets.update(json.load(open("%s/%s.json" % (cache, part)))["targets"])
print('lcores: "%s"' % lcores)
print("workers: %s" % workers)
print("sip_ports: [5060]")
print("stats_interval_s: 0")
print('spool_dir: "%s/spool"' % work)
print("kms:")
print('  url: "https://127.0.0.1:%s/mikey"' % port)
print('  ca_file: "%s/ca.pem"' % cache)
print('  identity: "sip:li-node-1@lime.test"')
print('  kms_identity: "sip:kms@lime.test"')
print('  psk_hex: "55555555555555555555555555555555"')
print("  timeout_ms: 2000")
print("intercepts:")
print('  - liid: "LIID-LR"')
print("    targets: [%s]" % ", ".join('"%s"' % t for t in sorted(targets)))
print('    agency: "lea-1"')
print("agencies:")
print('  - name: "lea-1"')
print('    hi2: "127.0.0.1:%s"' % hi2)
print('    hi3: "127.0.0.1:%s"' % hi3)
print('    operator_id: "BENCH"')
PY
	mkdir -p "$work/spool"
	echo "lime, $workers worker(s), lcores $lcores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	if ! "${priority[@]}" "$python" "$ROOT/tests/bench/run_sampled.py" --timeout 900 "$work/lime-$name.proc.json" \
		"$BUILD/lime" --config "$work/lime-$name.yaml" --pcap "$capture" \
		--summary "$work/lime-$name.json" --log-level warning >"$work/lime-$name.log" 2>&1; then
		tail -n 20 "$work/lime-$name.log" >&2
		echo "line-rate.sh: lime failed or ran over 900 s on $capture" >&2
		exit 1
	fi
	stop_kms
	stop_lemf
	cp "$work/lemf-$name/summary.json" "$work/lemf-$name.json" 2>/dev/null || true
	rm -rf -- "$work/spool" "$work/lemf-$name"
}

records=$("$python" - "$CACHE" <<'PY'
import json, sys
total = 0
for part in ("narrowband", "wideband"):
    total += json.load(open("%s/%s.json" % (sys.argv[1], part)))["summary"]["frames"]
print(total)
PY
)
echo "dpdk-testpmd on $records records; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run_testpmd "$records"
run_lime one 0-1 1
runs=(one)
if [[ $(nproc) -ge 4 ]]; then
	run_lime two 0-2 2
	runs+=(two)
fi

mkdir -p "$RESULTS"
"$python" "$ROOT/tests/bench/line_rate_report.py" --capture "$capture" --cache "$CACHE" \
	--testpmd-log "$work/testpmd.log" --results "$RESULTS" \
	$(for r in "${runs[@]}"; do echo "--lime $r:$work/lime-$r.json:$work/lime-$r.proc.json"; done)
