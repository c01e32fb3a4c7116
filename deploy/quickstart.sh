#!/usr/bin/env bash
# Install the dependencies, build lime, and run it on generated demo
# captures: the capture front end (decode, reassembly, SIP over UDP and
# TCP), then intercepted SDES and MIKEY-TICKET calls made by lime-callgen
# through a lime-kms on loopback, with the attack scenarios, decrypted by
# lime and delivered over HI2 and HI3 to a lime-lemf, the reference LEA
# receiver. It prints what the LEA received, where the WAV files are, and
# the alarms the attacks raised.
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
spool_dir: "$DEMO/spool"
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
lemf_pid=
trap 'kill "$kms_pid" $lemf_pid 2>/dev/null' EXIT
sleep 1
li_psk=$(/usr/bin/python3 -c "import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))['li_nodes'][0]['psk_hex'])" "$DEMO/kms.yaml" 2>/dev/null ||
	sed -n '/li_nodes:/,/ticket_policy:/s/.*psk_hex: "\(.*\)"/\1/p' "$DEMO/kms.yaml")

build/lime-callgen --out "$DEMO/calls.pcap" --truth "$DEMO/calls.json" --calls 16 \
	--concurrency 4 --duration 3 --target-share 0.75 --targets 2 --keying mixed --seed 1 \
	--attack tap-altered --attack expired-ticket --attack forged-flood:2 --quiet \
	--kms "https://127.0.0.1:$port/mikey" --kms-ca "$DEMO/ca.pem" --kms-config "$DEMO/kms.yaml"

hi2_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
hi3_port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rm -rf "$DEMO/lea" "$DEMO/spool"
echo "==> starting lime-lemf (the LEA) on 127.0.0.1:$hi2_port (HI2) and :$hi3_port (HI3)"
build/lime-lemf --hi2 "127.0.0.1:$hi2_port" --hi3 "127.0.0.1:$hi3_port" --out "$DEMO/lea" \
	--log-level warning 2>"$DEMO/lemf.log" &
lemf_pid=$!
sleep 0.5

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
    hi2: "127.0.0.1:$hi2_port"
    hi3: "127.0.0.1:$hi3_port"
    operator_id: "DEMO"
    network_element_id: "lime-demo"
spool_dir: "$DEMO/spool"
YAML

echo "==> running lime on $DEMO/calls.pcap"
build/lime --config "$DEMO/lime-calls.yaml" --pcap "$DEMO/calls.pcap" \
	--summary "$DEMO/calls-summary.json" --cc-pcap "$DEMO/decrypted.pcapng" \
	--debug-events "$DEMO/events.jsonl" --log-level error
kill "$lemf_pid"
wait "$lemf_pid" 2>/dev/null || true
lemf_pid=

/usr/bin/python3 - "$DEMO/calls.json" "$DEMO/calls-summary.json" "$DEMO" <<'PY'
import collections
import glob
import json
import os
import sys

truth = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
demo = sys.argv[3]
lea = os.path.join(demo, "lea")
media = s["media"]
print()
print("calls in the capture: %d (%d to targets, %d attack calls)" % (
    s["calls"], truth["summary"]["target_calls"], truth["summary"]["attack_calls"]))
def per_liid(counts):
    return ", ".join("%s %s" % (liid, n if not isinstance(n, dict) else
                                 "HI2 %d, HI3 %d" % (n["hi2"], n["hi3"]))
                     for liid, n in counts.items())


print("intercepted calls:    %s" % per_liid(s["intercepted_calls"]))
print("KMS resolutions:      %d ok, %d failed" % (s["kms_resolutions_ok"], s["kms_resolutions_failed"]))
print("media packets:        %d decrypted, %d undecryptable, %d failed" % (
    media["decrypted"], media["undecryptable"], media["failed"]))
print("alarms:               %s" % ", ".join("%s %d" % kv for kv in s["alarms"].items() if kv[1]))
print("records delivered:    %s" % per_liid(s["records_delivered"]))
print("records spooled:      %s" % per_liid(s["records_spooled"]))

print()
print("what the LEA (lime-lemf) received, in %s:" % lea)
lemf = json.load(open(os.path.join(lea, "summary.json")))
for liid, n in lemf["liids"].items():
    types = collections.Counter()
    alarms = collections.defaultdict(set)
    keyless_cins = set()
    for line in open(os.path.join(lea, liid, "iri.jsonl")):
        rec = json.loads(line)
        types[rec["type"]] += 1
        if "alarm" in rec:
            alarms[rec["alarm"]["call_id"]].add(rec["alarm"]["kind"])
            if rec["alarm"]["kind"] == "key_unavailable":
                keyless_cins.add(rec["cin"])
    gaps = n["iri_sequence"]["gaps"] + n["cc_sequence"]["gaps"]
    print("  LIID %s: %d IRI records (%s), %d CC packets, %d calls, sequence gaps %d" % (
        liid, n["iri_records"], ", ".join("%s %d" % kv for kv in sorted(types.items())),
        n["cc_records"], n["iri_sequence"]["cins"], gaps))
    wavs = sorted(glob.glob(os.path.join(lea, liid, "*.wav")))
    # The LEA writes a WAV file per G.711 stream, named CIN-SSRC-direction;
    # a call without keys arrives as captured, so its files are noise.
    clear = [w for w in wavs if int(os.path.basename(w).split("-")[0]) not in keyless_cins]
    print("  decrypted audio: %d WAV files in %s (play one with: aplay %s)" % (
        len(clear), os.path.join(lea, liid), clear[0] if clear else "-"))
    if len(clear) < len(wavs):
        print("  %d more WAV files belong to calls lime had no keys for (CIN %s):"
              " they hold the encrypted payload, as the LEA received it" % (
                  len(wavs) - len(clear), ", ".join(str(c) for c in sorted(keyless_cins))))
    print("  IRI records: %s; CC packets: %s" % (
        os.path.join(lea, liid, "iri.jsonl"), os.path.join(lea, liid, "cc.pcap")))
    print("  alarms the LEA received as IRI-REPORTs:")
    for call in truth["calls"]:
        if "attack" in call:
            got = sorted(alarms.get(call["call_id"], set()))
            print("    attack %-15s call %s: %s (expected %s)" % (
                call["attack"]["kind"], call["call_id"], ", ".join(got) or "none",
                " or ".join(call["attack"]["expected_alarms"])))
print()
print("decrypted media as lime saw it: %s/decrypted.pcapng (open it with Wireshark)" % demo)
print("lime's flows, key fingerprints and IRI events: %s/events.jsonl" % demo)
PY
