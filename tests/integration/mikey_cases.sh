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

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_begin mikey mikey "$@"

lab_make_certs || { fail certificates "openssl could not make the test certificates"; finish; }

# The KMS clock runs 20 s behind the capture start, so that tickets cover
# the calls. lime stamps its own requests with the wall clock, so the KMS
# must not check request times (max_clock_skew_s: 0).
port=$(free_port)
lab_write_kms_config "$work/kms.yaml" "$port" -20 --fixed-ticket-key --max-skew 0 \
	--reusable true
lab_start_kms "$work/kms.yaml" "$work/kms.log"

write_lime_config() {
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
spool_dir: "$work/spool"
$(lab_lime_kms_section "$2")
  timeout_ms: 1000
$(lab_lime_intercepts 127.0.0.1:1 127.0.0.1:2)
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
	lab_stop_kms "$kms_pid"
	sleep 2.5
	lab_start_kms "$work/kms.yaml" "$work/kms2.log" --no-wait
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
