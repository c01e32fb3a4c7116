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
# Figures on a shared virtual machine vary by 10 % or more from run to run,
# so the two alternate for ROUNDS rounds and the medians are compared.
#
# Usage: tests/bench/frontend.sh [BUILD_DIR] [SECONDS] [ROUNDS]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
SECONDS_RUN=${2:-5}
ROUNDS=${3:-5}
PACKETS=${LIME_BENCH_PACKETS:-16384}
WORK=$(mktemp -d)
# testpmd leaves its EAL runtime folder behind.
trap 'rm -rf "$WORK" "/var/run/dpdk/lime-bench-testpmd-$$"' EXIT

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
spool_dir: "$WORK/spool"
ports: ["$VDEV"]
sip_ports: [5060]
mbufs: $MBUFS
stats_interval_s: 0
eal_args: ["--no-huge", "-m", "1024"]
YAML
	rm -f "$WORK/lime.json"
	timeout -s INT "$((SECONDS_RUN + 2))" "$BUILD/lime" --config "$WORK/lime.yaml" \
		--summary "$WORK/lime.json" --log-level warning >"$WORK/lime.log" 2>&1 || true
	if [ ! -s "$WORK/lime.json" ]; then
		cat "$WORK/lime.log" >&2
		echo "frontend.sh: lime wrote no summary" >&2
		exit 1
	fi
}

for round in $(seq 1 "$ROUNDS"); do
	run_testpmd >>"$WORK/ceilings"
	run_lime
	cp "$WORK/lime.json" "$WORK/lime-$round.json"
done

python3 - "$WORK" "$ROUNDS" <<'PY'
import json
import statistics
import sys

work, rounds = sys.argv[1], int(sys.argv[2])
ceilings = [float(x) for x in open(work + "/ceilings").read().split()]
summaries = [json.load(open("%s/lime-%d.json" % (work, r))) for r in range(1, rounds + 1)]
lcores = [next(l for l in s["lcores"] if l["rx"]) for s in summaries]
rates = [l.get("rx_packets_per_second", 0.0) for l in lcores]

rate = statistics.median(rates)
ceiling = statistics.median(ceilings)
ratio = rate / ceiling if ceiling else 0.0
print("rounds: %d; lime %s; testpmd %s (packets/s)"
      % (rounds, " ".join("%.2fM" % (r / 1e6) for r in rates),
         " ".join("%.2fM" % (c / 1e6) for c in ceilings)))
print("RESULT frontend_nontarget_pps value=%.0f unit=packets/s ceiling=%.0f ratio=%.3f"
      % (rate, ceiling, ratio))

# Each stage beside testpmd's whole per-packet budget: the stage's share
# of what the ceiling spends on a packet.
tsc_hz = summaries[0]["tsc_hz"]
testpmd_cycles = tsc_hz / ceiling if ceiling else 0.0
stages = list(lcores[0]["cycles_per_packet"].keys())
medians = {st: statistics.median(l["cycles_per_packet"][st] for l in lcores) for st in stages}
for stage in stages:
    print("RESULT frontend_cycles_%s value=%.1f unit=cycles/packet ceiling=%.1f ratio=%.3f"
          % (stage, medians[stage], testpmd_cycles,
             medians[stage] / testpmd_cycles if testpmd_cycles else 0.0))
print("lime cycles per packet, all stages: %.1f; testpmd: %.1f (TSC %.2f GHz)"
      % (sum(medians.values()), testpmd_cycles, tsc_hz / 1e9))
last = summaries[-1]
print("last round: %d packets, by class %s, dropped not_target=%d sip_ring_full=%d"
      % (last["packets_total"], json.dumps(last["packets_by_class"]),
         last["packets_dropped"]["not_target"], last["packets_dropped"]["sip_ring_full"]))
PY
