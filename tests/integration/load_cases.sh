#!/usr/bin/env bash
# Capture replay with every call intercepted, many at once: 2,000
# concurrent SDES calls, one worker on the receiving lcore, delivered to a
# lime-lemf and then to an agency that is down. Some faults show only
# under such load. The receiving lcore, which is also the worker, must
# never wait for the control lcore or for ring room without working,
# or the run never ends. The delivery thread must not wake for nothing
# while the agency is down, or the run takes twenty times longer.
#
# Usage: load_cases.sh BUILD_DIR
# Prints "PASS load CHECK" or "FAIL load CHECK: REASON" per check, then
# "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
# shellcheck source=lib/checks.sh
. "$script_dir/lib/checks.sh"
lab_begin load load "$@"
python=/usr/bin/python3
lemf_pid=

lab_cleanup() {
	[[ -n "$lemf_pid" ]] && kill "$lemf_pid" 2>/dev/null && wait "$lemf_pid" 2>/dev/null
	return 0
}

if ! timeout 300 "$build/lime-callgen" --out "$work/calls.pcap" --truth "$work/calls.json" \
	--calls 2000 --concurrency 2000 --duration 2 --target-share 1 --targets 4 \
	--keying sdes --seed 31 --quiet >"$work/callgen.log" 2>&1; then
	fail capture "lime-callgen failed (see $work/callgen.log)"
	finish
fi

hi2=$(free_port)
hi3=$(free_port)

# write_config FILE SPOOL_DIR
write_config() {
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
stats_interval_s: 0
spool_dir: "$2"
intercepts:
  - liid: "LIID-LOAD"
    targets: ["sip:target-0@ims.test", "tel:+15550101", "sip:target-2@ims.test", "tel:+15550103"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "127.0.0.1:$hi2"
    hi3: "127.0.0.1:$hi3"
YAML
}

# 1. Every record reaches the agency, and the run ends.
write_config "$work/up.yaml" "$work/spool-up"
mkdir -p "$work/lemf"
"$build/lime-lemf" --hi2 "127.0.0.1:$hi2" --hi3 "127.0.0.1:$hi3" --out "$work/lemf" \
	--log-level warning 2>"$work/lemf.log" &
lemf_pid=$!
sleep 0.5
if timeout 240 "$build/lime" --config "$work/up.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/up.json" --log-level warning >"$work/up.log" 2>&1; then
	kill "$lemf_pid" && wait "$lemf_pid" 2>/dev/null
	lemf_pid=
	if "$python" - "$work/up.json" "$work/lemf/summary.json" >"$work/up.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
lemf = json.load(open(sys.argv[2]))["liids"]["LIID-LOAD"]
problems = []
if s["intercepted_calls"]["LIID-LOAD"] != 2000:
    problems.append("intercepted %d calls, expected 2000" % s["intercepted_calls"]["LIID-LOAD"])
if lemf["iri_records"] != s["records_delivered"]["LIID-LOAD"]["hi2"] or \
   lemf["cc_records"] != s["records_delivered"]["LIID-LOAD"]["hi3"]:
    problems.append("the agency has %d IRI and %d CC records, lime delivered %s"
                    % (lemf["iri_records"], lemf["cc_records"], s["records_delivered"]["LIID-LOAD"]))
if s["media"]["packets"] != lemf["cc_records"]:
    problems.append("lime handled %d media packets, the agency has %d" % (s["media"]["packets"], lemf["cc_records"]))
for seq in ("iri_sequence", "cc_sequence"):
    if lemf[seq]["gaps"] or lemf[seq]["missing"]:
        problems.append("%s: %s" % (seq, lemf[seq]))
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass delivered_under_load
	else
		fail delivered_under_load "$(head -3 "$work/up.check" | tr '\n' ';')"
	fi
else
	fail delivered_under_load "lime did not finish within 240 s, or failed (see $work/up.log)"
fi
lab_cleanup
lemf_pid=

# 2. The agency is down: every record goes to the spool, quickly.
write_config "$work/down.yaml" "$work/spool-down"
start=$(date +%s)
if timeout 240 "$build/lime" --config "$work/down.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/down.json" --log-level warning >"$work/down.log" 2>&1; then
	took=$(($(date +%s) - start))
	if "$python" - "$work/down.json" "$work/up.json" "$took" >"$work/down.check" 2>&1 <<'PY'
import json, sys
down = json.load(open(sys.argv[1]))
up = json.load(open(sys.argv[2]))
took = int(sys.argv[3])
# Every record reached the agency in the first run, some of them through
# the spool, so its delivered counts are the totals.
total = up["records_delivered"]["LIID-LOAD"]
problems = []
if down["records_spooled"]["LIID-LOAD"] != total:
    problems.append("spooled %s, expected %s" % (down["records_spooled"]["LIID-LOAD"], total))
# Spooling costs about what sending does; 120 s is far above both and
# far below the run that woke for nothing.
if took > 120:
    problems.append("the run took %d s" % took)
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		pass spooled_under_load
	else
		fail spooled_under_load "$(head -3 "$work/down.check" | tr '\n' ';')"
	fi
else
	fail spooled_under_load "lime did not finish within 240 s, or failed (see $work/down.log)"
fi

finish
