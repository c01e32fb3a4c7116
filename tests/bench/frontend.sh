#!/usr/bin/env bash
# Front-end benchmark: packets per second per core on the non-target path
# (receive, decode, flow-table miss, drop), beside the ceiling that
# dpdk-testpmd reaches in io forwarding on the same vdev and the same packets
# in the same run.
#
# Both read the mix through net_pcap with infinite_rx=1: the PMD loads the
# capture into mbufs once and replays it from memory, so no file I/O is
# measured. Each side runs on one lcore plus the main lcore.
#
# Usage: tests/bench/frontend.sh [BUILD_DIR] [SECONDS]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
SECONDS_RUN=${2:-10}
PACKETS=${LIME_BENCH_PACKETS:-16384}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

python3 "$ROOT/tests/bench/gen_frontend_mix.py" "$WORK/mix.pcap" "$PACKETS"
VDEV="net_pcap0,rx_pcap=$WORK/mix.pcap,infinite_rx=1"
MBUFS=$((PACKETS * 2 + 16384))

run_testpmd() {
	# testpmd prints RX-packets per port after "show port stats all".
	{
		echo "start"
		sleep 2
		echo "clear port stats all"
		sleep "$SECONDS_RUN"
		echo "show port stats all"
		echo "stop"
		echo "quit"
	} | dpdk-testpmd -l 0-1 --no-huge --no-pci -m 1024 --no-shconf \
		--file-prefix="lime-bench-testpmd-$$" --log-level=error --vdev "$VDEV" -- \
		-i --forward-mode=io --port-topology=loop --total-num-mbufs="$MBUFS" \
		--rxq=1 --txq=1 --burst=32 >"$WORK/testpmd.log" 2>&1 || true
	local rx
	rx=$(grep -m1 'RX-packets:' "$WORK/testpmd.log" | awk '{print $2}')
	python3 -c "print(${rx:-0} / $SECONDS_RUN)"
}

run_lime() {
	cat >"$WORK/lime.yaml" <<YAML
lcores: "0-1"
workers: 1
ports: ["$VDEV"]
sip_ports: [5060]
mbufs: $MBUFS
stats_interval_s: 0
eal_args: ["--no-huge", "-m", "1024"]
YAML
	timeout -s INT "$((SECONDS_RUN + 2))" "$BUILD/lime" --config "$WORK/lime.yaml" \
		--summary "$WORK/lime.json" --log-level warning >"$WORK/lime.log" 2>&1 || true
	if [ ! -s "$WORK/lime.json" ]; then
		cat "$WORK/lime.log" >&2
		echo "frontend.sh: lime wrote no summary" >&2
		exit 1
	fi
}

ceiling=$(run_testpmd)
run_lime

python3 - "$WORK/lime.json" "$ceiling" <<'PY'
import json
import sys

summary = json.load(open(sys.argv[1]))
ceiling = float(sys.argv[2])
lcore = next(l for l in summary["lcores"] if l["rx"])
rate = lcore.get("rx_packets_per_second", 0.0)
ratio = rate / ceiling if ceiling else 0.0
print("lime front end: %.0f packets/s on lcore %d; testpmd io forwarding: %.0f packets/s"
      % (rate, lcore["lcore"], ceiling))
print("RESULT frontend_nontarget_pps value=%.0f unit=packets/s ceiling=%.0f ratio=%.3f"
      % (rate, ceiling, ratio))
total = sum(lcore["cycles_per_packet"].values())
for stage, cycles in lcore["cycles_per_packet"].items():
    print("RESULT frontend_cycles_%s value=%.1f unit=cycles/packet ceiling=%.1f ratio=%.3f"
          % (stage, cycles, total, cycles / total if total else 0.0))
drops = summary["packets_dropped"]
print("packets: %d total, by class %s, dropped not_target=%d sip_ring_full=%d"
      % (summary["packets_total"], json.dumps(summary["packets_by_class"]),
         drops["not_target"], drops["sip_ring_full"]))
PY
