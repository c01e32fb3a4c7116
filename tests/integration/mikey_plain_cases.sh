#!/usr/bin/env bash
# Check lime on calls keyed by plain RFC 3830 MIKEY with a clear KEMAC.
# gen_mikey_plain_case.py writes the calls with keys it derives itself.
# lime must decrypt them byte for byte without a KMS and write key
# fingerprints equal to the ground truth. For an encrypted KEMAC and a
# Diffie-Hellman exchange it must raise key_unavailable with the reason.
#
# Usage: mikey_plain_cases.sh BUILD_DIR
#
# Prints "PASS mikey_plain CHECK" or "FAIL mikey_plain CHECK: REASON" per
# check, then "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_begin mikey_plain mikey-plain "$@"

# No kms section: plain MIKEY needs no KMS.
cat >"$work/lime.yaml" <<YAML
lcores: "0-1"
workers: 1
intercepts:
  - liid: "LIID-P"
    targets: ["sip:plain-0@ims.test", "sip:plain-1@ims.test", "sip:plain-2@ims.test"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "127.0.0.1:9"
    hi3: "127.0.0.1:9"
spool_dir: "$work/spool"
YAML

if ! (cd "$script_dir/../pcapgen" && "$python" gen_mikey_plain_case.py "$work") \
	>"$work/gen.log" 2>&1; then
	fail generate "gen_mikey_plain_case.py failed: $(tail -1 "$work/gen.log")"
	finish
fi

# 1. Clear KEMACs: every packet decrypts, and the keys match.
if timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$work/clear.pcap" \
	--summary "$work/clear.summary.json" --cc-pcap "$work/clear.pcapng" \
	--debug-events "$work/clear.events" >"$work/clear.log" 2>&1; then
	if "$python" "$script_dir/check_decrypted.py" "$work/clear.json" "$work/clear.pcapng" \
		"$work/clear.summary.json" >"$work/clear.check" 2>&1; then
		pass decrypted_byte_for_byte
	else
		fail decrypted_byte_for_byte "$(head -3 "$work/clear.check" | tr '\n' ';')"
	fi
	if "$python" "$script_dir/check_key_events.py" "$work/clear.json" "$work/clear.events" \
		mikey_plain >"$work/clear.keys" 2>&1; then
		pass key_fingerprints
	else
		fail key_fingerprints "$(head -3 "$work/clear.keys" | tr '\n' ';')"
	fi
	alarms=$("$python" -c 'import json,sys; print(sum(json.load(open(sys.argv[1]))["alarms"].values()))' \
		"$work/clear.summary.json")
	if [[ "$alarms" == 0 ]]; then
		pass no_alarms
	else
		fail no_alarms "$alarms alarms on calls with clear keys (see $work/clear.log)"
	fi
	requests=$("$python" -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["kms_resolutions_ok"] + s["kms_resolutions_failed"])' \
		"$work/clear.summary.json")
	if [[ "$requests" == 0 ]] && ! grep -q "KMS client started" "$work/clear.log"; then
		pass no_kms_used
	else
		fail no_kms_used "$requests KMS resolutions, or a KMS client started (see $work/clear.log)"
	fi
else
	fail decrypted_byte_for_byte "lime failed: $(tail -1 "$work/clear.log")"
fi

# 2. With a kms section the MIKEY-TICKET checks leave plain messages
# alone: no mikey_forged at the offer and no KMS request, although the
# configured KMS does not even listen.
kms_port=$(free_port)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" \
	-out "$work/ca.pem" -days 2 -subj "/CN=lime test CA" 2>/dev/null
sed "s#^spool_dir: .*#spool_dir: \"$work/spool-kms\"#" "$work/lime.yaml" >"$work/lime-kms.yaml"
lab_lime_kms_section "$kms_port" >>"$work/lime-kms.yaml"
if timeout 60 "$build/lime" --config "$work/lime-kms.yaml" --pcap "$work/clear.pcap" \
	--summary "$work/kms.summary.json" --cc-pcap "$work/kms.pcapng" >"$work/kms.log" 2>&1 &&
   "$python" "$script_dir/check_decrypted.py" "$work/clear.json" "$work/kms.pcapng" \
	"$work/kms.summary.json" >"$work/kms.check" 2>&1 &&
   "$python" -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(1 if sum(s["alarms"].values()) or s["kms_resolutions_failed"] else 0)' \
	"$work/kms.summary.json" >>"$work/kms.check" 2>&1; then
	pass with_kms_section
else
	fail with_kms_section "$(head -3 "$work/kms.check" "$work/kms.log" | tr '\n' ';')"
fi

# 3. Keys lime cannot read: key_unavailable naming the reason per call,
# and the media counted as undecryptable.
if timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$work/unusable.pcap" \
	--summary "$work/unusable.summary.json" >"$work/unusable.log" 2>&1; then
	pass unusable_exit_0
	if grep -q "key_unavailable: LIID LIID-P, call plain-encrypted-kemac@ims.test: the KEMAC is encrypted" \
		"$work/unusable.log"; then
		pass encrypted_kemac_alarm
	else
		fail encrypted_kemac_alarm "no key_unavailable naming the encrypted KEMAC in the log"
	fi
	if grep -q "key_unavailable: LIID LIID-P, call plain-diffie-hellman@ims.test: .*Diffie-Hellman" \
		"$work/unusable.log"; then
		pass diffie_hellman_alarm
	else
		fail diffie_hellman_alarm "no key_unavailable naming the Diffie-Hellman exchange in the log"
	fi
	if "$python" - "$work/unusable.summary.json" >"$work/unusable.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
problems = []
if s["media"]["decrypted"] != 0:
    problems.append("media.decrypted is %d, expected 0" % s["media"]["decrypted"])
if s["media_undecryptable"].get("LIID-P", 0) != 40:
    problems.append("media_undecryptable.LIID-P is %s, expected 40" % s["media_undecryptable"].get("LIID-P"))
if s["alarms"]["key_unavailable"] < 2:
    problems.append("alarms.key_unavailable is %d, expected at least 2" % s["alarms"]["key_unavailable"])
others = {k: v for k, v in s["alarms"].items() if k != "key_unavailable" and v}
if others:
    problems.append("other alarms raised: %s" % others)
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass unusable_counted
	else
		fail unusable_counted "$(head -3 "$work/unusable.check" | tr '\n' ';')"
	fi
else
	fail unusable_exit_0 "lime failed: $(tail -1 "$work/unusable.log")"
fi

finish
