#!/usr/bin/env bash
# Check the key fingerprints of --debug-events against lime-callgen's
# ground truth: lime-callgen makes SDES and MIKEY-TICKET calls through a
# running lime-kms, with attacks among them, and lime reads the capture
# as an LI node of that KMS. Every honest target call's streams must have
# "keys" lines whose SHA-256 of master key || master salt equals the
# ground truth, the attack calls must raise exactly their alarms, honest
# calls none, and no key itself may reach the events file or the log.
#
# Usage: keys_cases.sh BUILD_DIR
#
# Prints "PASS keys CHECK" or "FAIL keys CHECK: REASON" per check, then
# "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build=$1
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-keys-cases.XXXXXX")
passed=0
failed=0
kms_pid=
start_time=2026-06-01T00:00:00Z

pass() { echo "PASS keys $1"; passed=$((passed + 1)); }
fail() { echo "FAIL keys $1: $2"; failed=$((failed + 1)); }

finish() {
	[[ -n "$kms_pid" ]] && kill "$kms_pid" 2>/dev/null && wait "$kms_pid" 2>/dev/null
	echo "$passed passed, $failed failed"
	if [[ $failed -gt 0 ]]; then
		echo "files kept in $work"
		exit 1
	fi
	rm -rf "$work"
	exit 0
}

free_port() {
	"$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
	-out "$work/ca.pem" -days 2 -subj "/CN=lime test CA" 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/kms.key" \
	-out "$work/kms.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/kms.ext" &&
openssl x509 -req -in "$work/kms.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	-CAcreateserial -out "$work/kms.pem" -days 2 -extfile "$work/kms.ext" 2>/dev/null ||
	{ fail certificates "openssl could not make the test certificates"; finish; }

# The KMS clock runs 20 s behind the capture start so that tickets cover
# the calls, and it does not check request times because lime stamps its
# requests with the wall clock.
port=$(free_port)
now=$(date +%s)
start_s=$(date -d "$start_time" +%s)
cat >"$work/kms.yaml" <<YAML
listen: "127.0.0.1:$port"
cert_file: "$work/kms.pem"
key_file: "$work/kms.key"
kms_identity: "sip:kms@lime.test"
ticket_key_hex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
clock_offset_s: $((start_s - now - 20))
max_clock_skew_s: 0
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
  validity_s: 120
  reusable: true
  forking: true
YAML
"$build/lime-kms" --config "$work/kms.yaml" 2>"$work/kms.log" &
kms_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" "$work/kms.log" && break
	sleep 0.1
done

cat >"$work/lime.yaml" <<YAML
lcores: "0-1"
workers: 1
kms:
  url: "https://127.0.0.1:$port/mikey"
  ca_file: "$work/ca.pem"
  identity: "sip:li-node-1@lime.test"
  kms_identity: "sip:kms@lime.test"
  psk_hex: "55555555555555555555555555555555"
  timeout_ms: 1000
intercepts:
  - liid: "LIID-1"
    targets: ["sip:target-0@ims.test", "tel:+15550101"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "127.0.0.1:9"
    hi3: "127.0.0.1:9"
spool_dir: "$work/spool"
YAML

if ! timeout 120 "$build/lime-callgen" --out "$work/calls.pcap" --truth "$work/calls.json" \
	--truth-keys "$work/calls.keys" --calls 16 --concurrency 4 --duration 2 \
	--target-share 0.75 --targets 2 --keying mixed --transport mixed --seed 21 --quiet \
	--attack tap-altered:2 --attack expired-ticket --attack forged-flood:3 \
	--kms "https://127.0.0.1:$port/mikey" --kms-ca "$work/ca.pem" \
	--kms-config "$work/kms.yaml" >"$work/callgen.log" 2>&1; then
	fail capture "lime-callgen failed: $(tail -1 "$work/callgen.log")"
	finish
fi
if ! timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/summary.json" --debug-events "$work/events.jsonl" \
	>"$work/lime.log" 2>&1; then
	fail lime_run "lime failed: $(tail -1 "$work/lime.log")"
	finish
fi
pass lime_run

# 1. Fingerprints of every honest target call.
if "$python" "$script_dir/check_key_events.py" "$work/calls.json" "$work/events.jsonl" \
	>"$work/fingerprints.check" 2>&1; then
	pass honest_fingerprints
else
	fail honest_fingerprints "$(head -3 "$work/fingerprints.check" | tr '\n' ';')"
fi

# 2. to 4. Alarms per call and the sources of the keys.
check_calls() {
	"$python" - "$1" "$work/calls.json" "$work/events.jsonl" <<'PY'
import json, sys
check, truth, events_path = sys.argv[1], json.load(open(sys.argv[2])), sys.argv[3]
alarms, keys = {}, {}
for line in open(events_path):
    event = json.loads(line)
    if event.get("alarm"):
        alarms.setdefault(event["call_id"], set()).add(event["alarm"])
    if event.get("event") == "keys":
        keys.setdefault(event["call_id"], []).append(event)
problems = []
targets = [c for c in truth["calls"] if c["target"]]
if check == "attacks":
    for call in (c for c in targets if c.get("attack")):
        attack, got = call["attack"], alarms.get(call["call_id"], set())
        expected = set(attack["expected_alarms"])
        # Keys that never come leave the media undecryptable, which the
        # workers report as key_unavailable; an expired ticket still
        # decrypts and must raise ticket_expired alone.
        allowed = expected if attack["kind"] == "expired-ticket" else expected | {"key_unavailable"}
        if not got & expected or got - allowed:
            problems.append("%s call %s: alarms %s, expected %s" % (
                attack["kind"], call["call_id"], sorted(got), sorted(expected)))
    if not any(c.get("attack") for c in targets):
        problems.append("the capture has no attack call")
elif check == "honest":
    for call in (c for c in targets if not c.get("attack")):
        if call["call_id"] in alarms:
            problems.append("honest %s call %s raised %s" % (
                call.get("keying"), call["call_id"], sorted(alarms[call["call_id"]])))
elif check == "sources":
    want = {"sdes": "sdes", "mikey": "mikey_ticket"}
    for call in (c for c in targets if not c.get("attack")):
        sources = {e["source"] for e in keys.get(call["call_id"], [])}
        if sources != {want[call["keying"]]}:
            problems.append("%s call %s: keys sources %s" % (
                call["keying"], call["call_id"], sorted(sources)))
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}
for check in attacks honest sources; do
	name=$check
	case $check in
	attacks) name=attack_alarms_exact ;;
	honest) name=honest_calls_no_alarm ;;
	sources) name=key_sources ;;
	esac
	if check_calls "$check" >"$work/$check.check" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(head -3 "$work/$check.check" | tr '\n' ';')"
	fi
done

# 5. No master key or salt, in hex or base64, in the events or the log.
if "$python" - "$work/calls.keys" "$work/events.jsonl" "$work/lime.log" \
	>"$work/leak.check" 2>&1 <<'PY'
import base64, json, sys
secrets = []
for line in open(sys.argv[1]):
    key_salt = bytes.fromhex(json.loads(line)["key_salt_hex"])
    secrets += [key_salt.hex(), key_salt.hex().upper(), base64.b64encode(key_salt).decode(),
                key_salt[:16].hex()]
text = open(sys.argv[2]).read() + open(sys.argv[3]).read()
leaks = [s for s in secrets if s in text]
print("%d key strings found" % len(leaks) if leaks else "")
sys.exit(1 if leaks else 0)
PY
then
	pass no_key_material
else
	fail no_key_material "$(head -1 "$work/leak.check")"
fi

finish
