#!/usr/bin/env bash
# Check lime against a KMS that misbehaves. lime-callgen makes SDES and
# MIKEY-TICKET calls through a real lime-kms. Then lime reads the capture
# with its kms.url pointing at misbehaving_kms.py or at a port where
# nothing listens. The server responds with garbage, a RESOLVE_RESP with
# a bad V MAC, HTTP 500, nothing at all, or part of a response before it
# closes. Each
# case must raise its alarm naming LIID and call, count it in the
# summary, install no MIKEY keys, end with status 0, and leave the SDES
# calls of the capture decrypted as usual.
#
# Usage: kms_failure_cases.sh BUILD_DIR
#
# Prints "PASS kms_failure CASE" or "FAIL kms_failure CASE: REASON" per
# case, then "N passed, N failed"; exits 1 when a case failed.
set -u -o pipefail

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_begin kms_failure kms-failure "$@"
server_pid=

stop_server() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	server_pid=
}

lab_cleanup() {
	stop_server
}

lab_make_certs || { fail certificates "openssl could not make the test certificates"; finish; }

# The real KMS only makes the capture. Its clock runs 20 s behind the
# capture start so that tickets cover the calls.
port=$(free_port)
lab_write_kms_config "$work/kms.yaml" "$port" -20
lab_start_kms "$work/kms.yaml" "$work/kms.log"
if ! timeout 120 "$build/lime-callgen" --out "$work/calls.pcap" --truth "$work/calls.json" \
	--calls 8 --concurrency 4 --duration 2 --target-share 1 --targets 2 --keying mixed \
	--seed 31 --quiet --kms "https://127.0.0.1:$port/mikey" --kms-ca "$work/ca.pem" \
	--kms-config "$work/kms.yaml" >"$work/callgen.log" 2>&1; then
	fail capture "lime-callgen failed: $(tail -1 "$work/callgen.log")"
	finish
fi
lab_stop_kms

write_lime_config() {
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
$(lab_lime_kms_section "$2")
  timeout_ms: 500
  retries: 1
$(lab_lime_intercepts 127.0.0.1:9 127.0.0.1:9)
spool_dir: "$3"
YAML
}

# name, mode of misbehaving_kms.py (none: nothing listens), alarm, reason
cases=(
	"garbage|garbage|kms_error|not a MIKEY message"
	"bad_mac|bad_mac|kms_error|V MAC does not verify"
	"http_500|http_500|kms_error|HTTP error"
	"no_answer|silent|kms_unreachable|did not answer in time"
	"closed_mid_response|cut|kms_unreachable|could not be reached"
	"connection_refused|none|kms_unreachable|could not be reached"
)

for entry in "${cases[@]}"; do
	IFS='|' read -r name mode kind reason <<<"$entry"
	dir=$work/$name
	mkdir -p "$dir"
	if [[ $mode == none ]]; then
		server_port=$(free_port)
	else
		"$python" "$script_dir/misbehaving_kms.py" "$mode" "$work/kms.pem" "$work/kms.key" \
			"$dir/port" 2>"$dir/server.log" &
		server_pid=$!
		for _ in $(seq 50); do
			[[ -s "$dir/port" ]] && break
			sleep 0.1
		done
		server_port=$(cat "$dir/port" 2>/dev/null)
	fi
	write_lime_config "$dir/lime.yaml" "$server_port" "$dir/spool"
	timeout 60 "$build/lime" --config "$dir/lime.yaml" --pcap "$work/calls.pcap" \
		--summary "$dir/summary.json" --debug-events "$dir/events.jsonl" \
		>"$dir/lime.log" 2>&1
	status=$?
	stop_server
	if [[ $status -ne 0 ]]; then
		fail "$name" "lime exited with status $status: $(tail -1 "$dir/lime.log")"
		continue
	fi
	if "$python" "$script_dir/check_kms_failure.py" "$work/calls.json" "$dir/summary.json" \
		"$dir/events.jsonl" "$dir/lime.log" "$kind" "$reason" >"$dir/check.log" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(head -3 "$dir/check.log" | tr '\n' ';')"
	fi
done

finish
