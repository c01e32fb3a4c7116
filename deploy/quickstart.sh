#!/usr/bin/env bash
# Install the dependencies, build lime, and run it on a generated demo
# capture. The demo grows as lime does: today it shows the capture front end
# (decode, reassembly, SIP over UDP and TCP) and its summary.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

deploy/install-deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build
fi
meson compile -C build

DEMO=${LIME_DEMO_DIR:-$ROOT/demo}
mkdir -p "$DEMO"
echo "==> generating demo captures in $DEMO"
/usr/bin/python3 tests/pcapgen/gen_capture_cases.py "$DEMO/cases" >/dev/null

cat >"$DEMO/lime.yaml" <<YAML
lcores: "0-1"
workers: 1
sip_ports: [5060]
stats_interval_s: 0
YAML

echo "==> running lime on $DEMO/cases/mixed.pcap"
build/lime --config "$DEMO/lime.yaml" --pcap "$DEMO/cases/mixed.pcap" \
	--summary "$DEMO/summary.json" --log-level notice

python3 - "$DEMO/summary.json" <<'PY'
import json
import sys

s = json.load(open(sys.argv[1]))
print()
print("packets read:      %d" % s["packets_total"])
print("by class:          %s" % ", ".join("%s %d" % kv for kv in s["packets_by_class"].items()))
print("encapsulations:    %s" % ", ".join("%s %d" % kv for kv in s["encapsulations"].items() if kv[1]))
print("fragments:         %d received, %d datagrams reassembled" %
      (s["fragments"]["received"], s["fragments"]["datagrams_reassembled"]))
print("SIP messages:      %d (%d over UDP, %d over TCP), %d rejected" %
      (s["sip_messages"], s["sip"]["udp_messages"], s["sip"]["tcp_messages"], s["sip_rejected"]))
print("                   (the demo capture holds one garbage datagram on the SIP port on purpose:")
print("                   it is the rejected one, and the warning above names it)")
print("summary written to %s" % sys.argv[1])
PY
