#!/usr/bin/env bash
# Install the dependencies, build lime, and run it on generated demo
# captures: the capture front end (decode, reassembly, SIP over UDP and
# TCP), then intercepted SDES and MIKEY-TICKET calls made by lime-callgen
# through a lime-kms on loopback, with the attack scenarios, decrypted by
# lime. Delivery to an agency is not part of the demo yet: lime writes the
# decrypted media to a pcapng file and the records to an event file.
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

# ---- intercepted calls ----

echo
echo "==> starting lime-kms on loopback and generating calls with lime-callgen"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$DEMO/ca.key" \
	-out "$DEMO/ca.pem" -days 30 -subj "/CN=lime demo CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$DEMO/kms.key" \
	-out "$DEMO/kms.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$DEMO/kms.ext"
openssl x509 -req -in "$DEMO/kms.csr" -CA "$DEMO/ca.pem" -CAkey "$DEMO/ca.key" \
	-CAcreateserial -out "$DEMO/kms.pem" -days 30 -extfile "$DEMO/kms.ext" 2>/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_s=$(date -d 2026-06-01T00:00:00Z +%s)
cat >"$DEMO/kms.yaml" <<YAML
listen: "127.0.0.1:$port"
cert_file: "$DEMO/kms.pem"
key_file: "$DEMO/kms.key"
kms_identity: "sip:kms@lime.test"
ticket_key_hex: "$(openssl rand -hex 32)"
clock_offset_s: $((start_s - $(date +%s) - 60))
max_clock_skew_s: 0
users:
  - identity: "sip:target-0@ims.test"
    psk_hex: "$(openssl rand -hex 16)"
  - identity: "tel:+15550101"
    psk_hex: "$(openssl rand -hex 16)"
  - identity: "sip:alice@ims.test"
    psk_hex: "$(openssl rand -hex 16)"
  - identity: "sip:bob@ims.test"
    psk_hex: "$(openssl rand -hex 16)"
li_nodes:
  - identity: "sip:li-node-1@lime.test"
    psk_hex: "$(openssl rand -hex 16)"
ticket_policy:
  validity_s: 600
  reusable: true
  forking: true
YAML
build/lime-kms --config "$DEMO/kms.yaml" --log-level warning 2>"$DEMO/kms.log" &
kms_pid=$!
trap 'kill "$kms_pid" 2>/dev/null' EXIT
sleep 1
li_psk=$(/usr/bin/python3 -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['li_nodes'][0]['psk_hex'])" "$DEMO/kms.yaml" 2>/dev/null ||
	sed -n '/li_nodes:/,/ticket_policy:/s/.*psk_hex: "\(.*\)"/\1/p' "$DEMO/kms.yaml")

build/lime-callgen --out "$DEMO/calls.pcap" --truth "$DEMO/calls.json" --calls 16 \
	--concurrency 4 --duration 3 --target-share 0.75 --targets 2 --keying mixed --seed 1 \
	--attack tap-altered --attack expired-ticket --attack forged-flood:2 --quiet \
	--kms "https://127.0.0.1:$port/mikey" --kms-ca "$DEMO/ca.pem" --kms-config "$DEMO/kms.yaml"

cat >"$DEMO/lime-calls.yaml" <<YAML
lcores: "0-1"
workers: 1
stats_interval_s: 0
kms:
  url: "https://127.0.0.1:$port/mikey"
  ca_file: "$DEMO/ca.pem"
  identity: "sip:li-node-1@lime.test"
  kms_identity: "sip:kms@lime.test"
  psk_hex: "$li_psk"
intercepts:
  - liid: "DEMO-0001"
    targets: ["sip:target-0@ims.test", "tel:+15550101"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "127.0.0.1:9002"
    hi3: "127.0.0.1:9003"
spool_dir: "$DEMO/spool"
YAML

echo "==> running lime on $DEMO/calls.pcap"
build/lime --config "$DEMO/lime-calls.yaml" --pcap "$DEMO/calls.pcap" \
	--summary "$DEMO/calls-summary.json" --cc-pcap "$DEMO/decrypted.pcapng" \
	--debug-events "$DEMO/events.jsonl" --log-level error

/usr/bin/python3 - "$DEMO/calls.json" "$DEMO/calls-summary.json" "$DEMO" <<'PY'
import json
import sys

truth = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
demo = sys.argv[3]
media = s["media"]
print()
print("calls in the capture: %d (%d to targets, %d attack calls)" % (
    s["calls"], truth["summary"]["target_calls"], truth["summary"]["attack_calls"]))
print("intercepted calls:    %s" % s["intercepted_calls"])
print("KMS resolutions:      %d ok, %d failed" % (s["kms_resolutions_ok"], s["kms_resolutions_failed"]))
print("media packets:        %d decrypted, %d undecryptable, %d failed" % (
    media["decrypted"], media["undecryptable"], media["failed"]))
print("alarms:               %s" % ", ".join("%s %d" % kv for kv in s["alarms"].items() if kv[1]))
for call in truth["calls"]:
    if "attack" in call:
        print("  attack %-15s expected %s" % (call["attack"]["kind"], " or ".join(call["attack"]["expected_alarms"])))
print("decrypted media:      %s/decrypted.pcapng (open it with Wireshark)" % demo)
print("IRI records and flows: %s/events.jsonl" % demo)
PY
