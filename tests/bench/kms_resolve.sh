#!/usr/bin/env bash
# LI resolutions per second against lime-kms on loopback through lime's KMS
# client, beside the bare TLS request rate of the same client to the same
# server as the ceiling. The ticket comes from one lime-callgen MIKEY call.
#
# Usage: tests/bench/kms_resolve.sh [BUILD_DIR] [REQUESTS]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
REQUESTS=${2:-3000}
python=/usr/bin/python3

meson compile -C "$BUILD" kms_resolve_bench lime-kms lime-callgen >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-kms-bench.XXXXXX")
kms_pid=
trap '[[ -n "$kms_pid" ]] && kill "$kms_pid" 2>/dev/null; rm -rf -- "$work"' EXIT

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
	-out "$work/ca.pem" -days 2 -subj "/CN=bench CA" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/kms.key" \
	-out "$work/kms.csr" -subj "/CN=127.0.0.1" 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/kms.ext"
openssl x509 -req -in "$work/kms.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	-CAcreateserial -out "$work/kms.pem" -days 2 -extfile "$work/kms.ext" 2>/dev/null

port=$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
now=$(date +%s)
start_s=$(date -d 2026-06-01T00:00:00Z +%s)
cat >"$work/kms.yaml" <<YAML
listen: "127.0.0.1:$port"
cert_file: "$work/kms.pem"
key_file: "$work/kms.key"
kms_identity: "sip:kms@lime.test"
clock_offset_s: $((start_s - now - 20))
max_clock_skew_s: 0
users:
  - identity: "sip:target-0@ims.test"
    psk_hex: "11111111111111111111111111111111"
  - identity: "tel:+15550101"
    psk_hex: "22222222222222222222222222222222"
li_nodes:
  - identity: "sip:li-node-1@lime.test"
    psk_hex: "55555555555555555555555555555555"
ticket_policy:
  validity_s: 120
  reusable: true
  forking: true
YAML
"$BUILD/lime-kms" --config "$work/kms.yaml" --log-level error 2>"$work/kms.log" &
kms_pid=$!
sleep 1

"$BUILD/lime-callgen" --out "$work/c.pcap" --truth "$work/c.json" --calls 1 --duration 1 \
	--target-share 1 --targets 2 --keying mikey --transport tcp --quiet \
	--kms "https://127.0.0.1:$port/mikey" --kms-ca "$work/ca.pem" --kms-config "$work/kms.yaml"
"$python" "$ROOT/tests/callgen/check_capture.py" bench "$work/c.pcap" "$work/c.json" \
	--mikey-out "$work/mikey.tsv" >/dev/null || true
"$python" - "$work/mikey.tsv" "$work/ti.bin" <<'PY'
import base64, sys
for line in open(sys.argv[1]):
    fields = line.rstrip("\n").split("\t")
    ti = next((f for f in fields[3:] if f not in ("-", "")), None)
    if ti:
        open(sys.argv[2], "wb").write(base64.b64decode(ti))
        break
PY

"$BUILD/tests/bench/kms_resolve_bench" "$work/ti.bin" "https://127.0.0.1:$port/mikey" \
	"$work/ca.pem" "sip:li-node-1@lime.test" 55555555555555555555555555555555 \
	"sip:kms@lime.test" "$REQUESTS"
