#!/usr/bin/env bash
# Check lime's KMS-sourced key mode end to end. lime-callgen makes
# MIKEY-TICKET calls through a running lime-kms, and their callees report
# TRANSFER_INIT and TRANSFER_RESP to it. lime, with kms.mode kms_sourced
# or both, fetches the reports, cross-checks them with the signalling and
# decrypts the media byte for byte. A capture whose
# signalling differs from the report raises keys_mismatch, and calls
# whose terminals never reported give key_unavailable in kms_sourced
# mode and decrypt from the signalling in both mode.
#
# Usage: kms_sourced_cases.sh BUILD_DIR
#
# Prints "PASS kms_sourced CHECK" or "FAIL kms_sourced CHECK: REASON" per
# check, then "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_begin kms_sourced kms-sourced "$@"

lab_make_certs || { fail certificates "openssl could not make the test certificates"; finish; }

# The KMS clock runs 20 s behind the capture start, so that tickets cover
# the calls. lime stamps its requests with the wall clock, so the KMS
# does not check request times. Both configurations count the offset from
# the same wall-clock time. $1: the key_reports section.
port=$(free_port)
kms_now=$(date +%s)
write_kms_config() {
	lab_write_kms_config "$work/kms.yaml" "$port" -20 --now "$kms_now" --fixed-ticket-key \
		--max-skew 0 --reusable true --extra "key_reports:
$1"
}

start_kms() {
	lab_start_kms "$work/kms.yaml" "$work/kms.log" --append
}

write_kms_config "  retention_s: 3600"
start_kms || { fail kms_start "lime-kms did not start (see $work/kms.log)"; finish; }

# $1: file, $2: kms.mode, "default" for none. Every config has a spool
# directory of its own, because nothing listens on the agency ports.
write_lime_config() {
	local mode_line="  mode: \"$2\""
	[[ "$2" == default ]] && mode_line=""
	mkdir -p "$work/spool-$2"
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
$(lab_lime_kms_section "$port")
  timeout_ms: 1000
$mode_line
$(lab_lime_intercepts 127.0.0.1:9 127.0.0.1:9)
spool_dir: "$work/spool-$2"
YAML
}
write_lime_config "$work/sourced.yaml" kms_sourced
write_lime_config "$work/both.yaml" both
write_lime_config "$work/signalling.yaml" default
callgen_kms=(--kms "https://127.0.0.1:$port/mikey" --kms-ca "$work/ca.pem" --kms-config "$work/kms.yaml")

# $1: name, $2: config, $3: capture. Writes $work/$1.summary.json,
# $1.events, $1.pcapng and $1.log.
run_lime() {
	timeout 60 "$build/lime" --config "$2" --pcap "$3" --summary "$work/$1.summary.json" \
		--debug-events "$work/$1.events" --cc-pcap "$work/$1.pcapng" >"$work/$1.log" 2>&1
}

# $1: summary; the other arguments: KIND=COUNT for the alarms expected,
# every other kind must be 0. Prints the differences.
check_alarms() {
	"$python" - "$@" <<'PY'
import json, sys
alarms = json.load(open(sys.argv[1]))["alarms"]
want = dict(a.split("=") for a in sys.argv[2:])
bad = ["%s=%d (expected %s)" % (k, n, want.get(k, "0"))
       for k, n in sorted(alarms.items()) if str(n) != want.get(k, "0")]
print("; ".join(bad))
sys.exit(1 if bad else 0)
PY
}

# $1: truth; prints how many calls the ground truth marks as reported.
count_reported() {
	"$python" - "$1" <<'PY'
import json, sys
calls = json.load(open(sys.argv[1]))["calls"]
print(sum(1 for c in calls if c.get("mikey", {}).get("reported_keys")))
PY
}

# 1. Honest calls whose callees all reported.
if timeout 120 "$build/lime-callgen" --out "$work/honest.pcap" --truth "$work/honest.json" \
	--calls 6 --concurrency 3 --duration 2 --target-share 0.5 --targets 2 --keying mikey \
	--transport mixed --seed 5 --report-keys 1 --quiet "${callgen_kms[@]}" \
	>"$work/callgen-honest.log" 2>&1; then
	reported=$(count_reported "$work/honest.json")
	if [[ "$reported" == 6 ]]; then
		pass truth_records_reports
	else
		fail truth_records_reports "ground truth marks $reported of 6 calls as reported"
	fi
	for mode in sourced both; do
		if ! run_lime "honest-$mode" "$work/$mode.yaml" "$work/honest.pcap"; then
			fail "honest_${mode}_decrypted" "lime failed (see $work/honest-$mode.log)"
			continue
		fi
		if "$python" "$script_dir/check_decrypted.py" "$work/honest.json" \
			"$work/honest-$mode.pcapng" "$work/honest-$mode.summary.json" \
			>"$work/honest-$mode.check" 2>&1; then
			pass "honest_${mode}_decrypted"
		else
			fail "honest_${mode}_decrypted" "$(head -3 "$work/honest-$mode.check" | tr '\n' ';')"
		fi
		if why=$(check_alarms "$work/honest-$mode.summary.json"); then
			pass "honest_${mode}_no_alarm"
		else
			fail "honest_${mode}_no_alarm" "$why"
		fi
		if grep -Eq "key reports: [1-9][0-9]* fetches, [1-9][0-9]* found, 0 missing, 0 failed, 0 keys" \
			"$work/honest-$mode.log"; then
			pass "honest_${mode}_reports_fetched"
		else
			fail "honest_${mode}_reports_fetched" \
				"$(grep "key reports:" "$work/honest-$mode.log" || echo "no key report line in the log")"
		fi
	done
else
	fail honest_calls "lime-callgen failed (see $work/callgen-honest.log)"
fi

# 2. The capture shows other, validly MACed MIKEY messages than the ends
# used and reported: keys_mismatch, and the report's keys decrypt.
if timeout 120 "$build/lime-callgen" --out "$work/mismatch.pcap" --truth "$work/mismatch.json" \
	--calls 2 --duration 2 --target-share 1 --targets 2 --keying mikey --seed 9 \
	--report-keys 1 --attack report-mismatch:1 --quiet "${callgen_kms[@]}" \
	>"$work/callgen-mismatch.log" 2>&1 &&
   run_lime mismatch "$work/sourced.yaml" "$work/mismatch.pcap"; then
	if why=$(check_alarms "$work/mismatch.summary.json" keys_mismatch=1); then
		pass mismatch_raises_keys_mismatch
	else
		fail mismatch_raises_keys_mismatch "$why"
	fi
	if "$python" - "$work/mismatch.json" "$work/mismatch.events" >"$work/mismatch.check" 2>&1 <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
attacked = {c["call_id"] for c in truth["calls"] if c.get("attack")}
alarmed = set()
for line in open(sys.argv[2]):
    event = json.loads(line)
    if event.get("alarm") == "keys_mismatch":
        alarmed.add(event["call_id"])
if len(attacked) != 1 or alarmed != attacked:
    print("keys_mismatch on calls %s, attacked calls %s" % (sorted(alarmed), sorted(attacked)))
    sys.exit(1)
PY
	then
		pass mismatch_on_attacked_call
	else
		fail mismatch_on_attacked_call "$(head -2 "$work/mismatch.check" | tr '\n' ';')"
	fi
	if "$python" "$script_dir/check_decrypted.py" "$work/mismatch.json" \
		"$work/mismatch.pcapng" "$work/mismatch.summary.json" >"$work/mismatch-dec.check" 2>&1; then
		pass mismatch_decrypted_with_report
	else
		fail mismatch_decrypted_with_report "$(head -3 "$work/mismatch-dec.check" | tr '\n' ';')"
	fi
	# Signalling mode, the default, trusts the tapped messages: no
	# keys_mismatch, and the attacked call's media fails to decrypt
	# (counted in media_failed) with the keys of the tapped messages.
	if run_lime mismatch-signalling "$work/signalling.yaml" "$work/mismatch.pcap" &&
	   "$python" - "$work/mismatch-signalling.summary.json" \
		>"$work/mismatch-signalling.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
problems = []
if s["alarms"]["keys_mismatch"] != 0:
    problems.append("keys_mismatch in signalling mode")
if sum(s["media_failed"].values()) == 0:
    problems.append("no media failed to decrypt in signalling mode")
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass mismatch_signalling_undecrypted
	else
		fail mismatch_signalling_undecrypted "$(head -2 "$work/mismatch-signalling.check" | tr '\n' ';')"
	fi
else
	fail mismatch "lime-callgen or lime failed (see $work)"
fi

# 3. Terminals that never reported: kms_sourced has no keys
# (key_unavailable after the fetch wait); both decrypts from the signalling.
if timeout 120 "$build/lime-callgen" --out "$work/silent.pcap" --truth "$work/silent.json" \
	--calls 2 --duration 1 --target-share 1 --targets 2 --keying mikey --seed 21 \
	--report-keys 0 --quiet "${callgen_kms[@]}" >"$work/callgen-silent.log" 2>&1; then
	if run_lime silent-sourced "$work/sourced.yaml" "$work/silent.pcap" &&
	   "$python" - "$work/silent-sourced.summary.json" >"$work/silent.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
problems = []
kinds = {k for k, n in s["alarms"].items() if n}
if kinds != {"key_unavailable"}:
    problems.append("alarms %s, expected key_unavailable only" % sorted(kinds))
if sum(s["media_decrypted"].values()) != 0:
    problems.append("media decrypted without a key report: %s" % s["media_decrypted"])
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass unreported_sourced_key_unavailable
	else
		fail unreported_sourced_key_unavailable "$(head -2 "$work/silent.check" 2>/dev/null | tr '\n' ';') (see $work)"
	fi
	if run_lime silent-both "$work/both.yaml" "$work/silent.pcap" &&
	   "$python" "$script_dir/check_decrypted.py" "$work/silent.json" \
		"$work/silent-both.pcapng" "$work/silent-both.summary.json" >"$work/silent-both.check" 2>&1 &&
	   why=$(check_alarms "$work/silent-both.summary.json"); then
		pass unreported_both_decrypted
	else
		fail unreported_both_decrypted "$(head -2 "$work/silent-both.check" | tr '\n' ';') ${why:-}"
	fi
else
	fail unreported "lime-callgen failed (see $work/callgen-silent.log)"
fi

# 4. An unknown kms.mode is a configuration error: status 2, one line.
sed 's/mode: "kms_sourced"/mode: "kms_only"/' "$work/sourced.yaml" >"$work/bad-mode.yaml"
"$build/lime" --config "$work/bad-mode.yaml" --pcap /dev/null >"$work/bad-mode.log" 2>&1
status=$?
if [[ $status -eq 2 ]] && grep -q 'invalid value "kms_only"' "$work/bad-mode.log"; then
	pass config_rejects_unknown_mode
else
	fail config_rejects_unknown_mode "status $status: $(head -2 "$work/bad-mode.log" | tr '\n' ';')"
fi

# 5. A KMS that lets no LI node fetch reports: kms_error in kms_sourced mode.
lab_stop_kms
write_kms_config "  li_fetch: false"
if start_kms && [[ -f "$work/honest.pcap" ]] &&
   run_lime refused "$work/sourced.yaml" "$work/honest.pcap"; then
	if "$python" - "$work/refused.summary.json" >"$work/refused.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
kinds = {k for k, n in s["alarms"].items() if n}
if "kms_error" not in kinds or "keys_mismatch" in kinds:
    print("alarms %s, expected kms_error" % sorted(kinds))
    sys.exit(1)
PY
	then
		pass fetch_refused_kms_error
	else
		fail fetch_refused_kms_error "$(head -2 "$work/refused.check" | tr '\n' ';')"
	fi
else
	fail fetch_refused_kms_error "lime-kms or lime failed (see $work)"
fi

finish
