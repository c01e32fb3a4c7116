#!/usr/bin/env bash
# Check lime on MIKEY-TICKET calls end to end: lime-callgen makes calls
# through a running lime-kms, lime resolves their tickets at the same KMS
# as an LI node, verifies TRANSFER_INIT and TRANSFER_RESP and decrypts the
# media byte for byte; the attack scenarios raise their alarms; an
# unreachable KMS gives kms_unreachable and lime still ends.
#
# Usage: mikey_cases.sh BUILD_DIR
#
# Prints "PASS mikey CHECK" or "FAIL mikey CHECK: REASON" per check, then
# "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build=$1
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-mikey-cases.XXXXXX")
passed=0
failed=0
kms_pid=
start_time=2026-06-01T00:00:00Z

pass() { echo "PASS mikey $1"; passed=$((passed + 1)); }
fail() { echo "FAIL mikey $1: $2"; failed=$((failed + 1)); }

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

# A test CA and a KMS certificate for 127.0.0.1.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
	-out "$work/ca.pem" -days 2 -subj "/CN=lime test CA" 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/kms.key" \
	-out "$work/kms.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/kms.ext" &&
openssl x509 -req -in "$work/kms.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
	-CAcreateserial -out "$work/kms.pem" -days 2 -extfile "$work/kms.ext" 2>/dev/null ||
	{ fail certificates "openssl could not make the test certificates"; finish; }

# The KMS clock runs 20 s behind the capture start, so that tickets cover
# the calls. lime stamps its own requests with the wall clock, so the KMS
# must not check request times (max_clock_skew_s: 0).
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

write_lime_config() {
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
spool_dir: "$work/spool"
kms:
  url: "https://127.0.0.1:$2/mikey"
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
    hi2: "127.0.0.1:9002"
    hi3: "127.0.0.1:9003"
YAML
}
write_lime_config "$work/lime.yaml" "$port"
callgen_kms=(--kms "https://127.0.0.1:$port/mikey" --kms-ca "$work/ca.pem" --kms-config "$work/kms.yaml")

# 1. Calls decrypt byte for byte with keys lime obtained itself.
if timeout 120 "$build/lime-callgen" --out "$work/calls.pcap" --truth "$work/calls.json" \
	--calls 8 --concurrency 4 --duration 2 --target-share 0.5 --targets 2 --keying mikey \
	--transport mixed --seed 5 --quiet "${callgen_kms[@]}" >"$work/callgen.log" 2>&1 &&
   timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/calls.summary.json" --cc-pcap "$work/calls.pcapng" >"$work/lime.log" 2>&1; then
	if "$python" "$script_dir/check_decrypted.py" "$work/calls.json" "$work/calls.pcapng" \
		"$work/calls.summary.json" >"$work/check.log" 2>&1; then
		pass decrypted_with_kms_keys
	else
		fail decrypted_with_kms_keys "$(head -3 "$work/check.log" | tr '\n' ';')"
	fi
else
	fail decrypted_with_kms_keys "lime-callgen or lime failed (see $work)"
fi

# 2. The attacks raise their alarms.
if timeout 120 "$build/lime-callgen" --out "$work/attacks.pcap" --truth "$work/attacks.json" \
	--calls 4 --duration 2 --target-share 1 --targets 2 --keying mikey --seed 9 --quiet \
	--attack tap-altered:2 --attack expired-ticket --attack forged-flood:5 \
	"${callgen_kms[@]}" >"$work/callgen-attacks.log" 2>&1 &&
   timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$work/attacks.pcap" \
	--summary "$work/attacks.summary.json" --debug-events "$work/attacks.events" \
	>"$work/lime-attacks.log" 2>&1; then
	if "$python" - "$work/attacks.json" "$work/attacks.summary.json" "$work/attacks.events" \
		>"$work/attacks.check" 2>&1 <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
alarms = json.load(open(sys.argv[2]))["alarms"]
reports = {}
for line in open(sys.argv[3]):
    event = json.loads(line)
    if event.get("alarm"):
        reports.setdefault(event["call_id"], set()).add(event["alarm"])
problems = []
for call in truth["calls"]:
    attack = call.get("attack")
    if not attack:
        continue
    got = reports.get(call["call_id"], set())
    if not got & set(attack["expected_alarms"]):
        problems.append("%s call %s: alarms %s, expected one of %s" % (
            attack["kind"], call["call_id"], sorted(got), attack["expected_alarms"]))
for kind, least in (("mikey_auth_failed", 2), ("ticket_expired", 1)):
    if alarms[kind] < least:
        problems.append("summary alarms.%s is %d, expected at least %d" % (kind, alarms[kind], least))
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass attack_alarms
	else
		fail attack_alarms "$(head -3 "$work/attacks.check" | tr '\n' ';')"
	fi
else
	fail attack_alarms "lime-callgen or lime failed (see $work)"
fi

# 3. The KMS stopped for part of a paced run: the calls whose resolution
# failed are reported, the others decrypt. The ticket key is fixed, so
# the restarted KMS resolves the tickets of the first one.
if timeout 120 "$build/lime-callgen" --out "$work/long.pcap" --truth "$work/long.json" \
	--calls 24 --concurrency 3 --duration 1 --target-share 1 --targets 2 --keying mikey \
	--seed 13 --quiet "${callgen_kms[@]}" >"$work/callgen-long.log" 2>&1; then
	"$build/lime" --config "$work/lime.yaml" --pcap "$work/long.pcap" --pcap-speed 2 \
		--summary "$work/long.summary.json" --debug-events "$work/long.events" \
		>"$work/lime-long.log" 2>&1 &
	lime_pid=$!
	sleep 1.5
	kill "$kms_pid" && wait "$kms_pid" 2>/dev/null
	sleep 2.5
	"$build/lime-kms" --config "$work/kms.yaml" 2>"$work/kms2.log" &
	kms_pid=$!
	if wait "$lime_pid" && "$python" - "$work/long.json" "$work/long.summary.json" \
		"$work/long.events" >"$work/long.check" 2>&1 <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
summary = json.load(open(sys.argv[2]))
# A call whose media went out undecrypted has key_unavailable, and must
# also say why (kms_unreachable or kms_error). Such a call may still have
# decrypted some packets: its held packets overflow while the KMS is down,
# and its keys may come later. The replay is paced, so packets that come
# before the control lcore installs their flow are lost as on a live
# link; allow a few.
undecrypted, kms_alarm = set(), set()
for line in open(sys.argv[3]):
    event = json.loads(line)
    if event.get("alarm") == "key_unavailable":
        undecrypted.add(event["call_id"])
    if event.get("alarm") in ("kms_unreachable", "kms_error"):
        kms_alarm.add(event["call_id"])
calls = [c for c in truth["calls"] if c["target"]]
total = sum(s["packets"] + s["rtcp_packets"] for c in calls for s in c["streams"])
media = summary["media"]
delivered = media["decrypted"] + media["undecryptable"] + media["plain"]
problems = []
if not undecrypted:
    problems.append("no call lost its keys while the KMS was down")
for call_id in sorted(undecrypted - kms_alarm):
    problems.append("call %s was not decrypted, but has no kms alarm saying why" % call_id)
if media["failed"] != 0:
    problems.append("media.failed is %d" % media["failed"])
if delivered > total or delivered < 0.97 * total:
    problems.append("%d media packets delivered, %d sent" % (delivered, total))
if media["decrypted"] == 0:
    problems.append("nothing decrypted")
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass kms_stopped_mid_run
	else
		fail kms_stopped_mid_run "$(head -3 "$work/long.check" | tr '\n' ';')"
	fi
else
	fail kms_stopped_mid_run "lime-callgen failed (see $work)"
fi

# 4. An unreachable KMS: kms_unreachable, media undecrypted, and lime ends.
write_lime_config "$work/lime-down.yaml" "$(free_port)"
if timeout 90 "$build/lime" --config "$work/lime-down.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/down.summary.json" >"$work/lime-down.log" 2>&1; then
	if "$python" - "$work/down.summary.json" >"$work/down.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
problems = []
if s["alarms"]["kms_unreachable"] == 0:
    problems.append("no kms_unreachable alarm")
if s["media"]["decrypted"] != 0 or s["media"]["undecryptable"] == 0:
    problems.append("media %s" % s["media"])
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass kms_unreachable
	else
		fail kms_unreachable "$(head -2 "$work/down.check" | tr '\n' ';')"
	fi
else
	fail kms_unreachable "lime did not end within 90 s or failed (see $work/lime-down.log)"
fi

finish
