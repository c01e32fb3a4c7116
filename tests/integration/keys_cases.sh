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

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_begin keys keys "$@"

lab_make_certs || { fail certificates "openssl could not make the test certificates"; finish; }

# The KMS clock runs 20 s behind the capture start so that tickets cover
# the calls, and it does not check request times because lime stamps its
# requests with the wall clock.
port=$(free_port)
lab_write_kms_config "$work/kms.yaml" "$port" -20 --fixed-ticket-key --max-skew 0 \
	--reusable true
lab_start_kms "$work/kms.yaml" "$work/kms.log"

cat >"$work/lime.yaml" <<YAML
lcores: "0-1"
workers: 1
$(lab_lime_kms_section "$port")
  timeout_ms: 1000
$(lab_lime_intercepts 127.0.0.1:9 127.0.0.1:9)
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
