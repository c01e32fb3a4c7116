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

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build=$1
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-kms-failure-cases.XXXXXX")
passed=0
failed=0
kms_pid=
server_pid=
start_time=2026-06-01T00:00:00Z

pass() { echo "PASS kms_failure $1"; passed=$((passed + 1)); }
fail() { echo "FAIL kms_failure $1: $2"; failed=$((failed + 1)); }

stop_server() {
	[[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
	server_pid=
}

finish() {
	stop_server
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

# The real KMS only makes the capture. Its clock runs 20 s behind the
# capture start so that tickets cover the calls.
port=$(free_port)
now=$(date +%s)
start_s=$(date -d "$start_time" +%s)
cat >"$work/kms.yaml" <<YAML
listen: "127.0.0.1:$port"
cert_file: "$work/kms.pem"
key_file: "$work/kms.key"
kms_identity: "sip:kms@lime.test"
clock_offset_s: $((start_s - now - 20))
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
  forking: true
YAML
"$build/lime-kms" --config "$work/kms.yaml" 2>"$work/kms.log" &
kms_pid=$!
for _ in $(seq 50); do
	grep -q "listening on" "$work/kms.log" && break
	sleep 0.1
done
if ! timeout 120 "$build/lime-callgen" --out "$work/calls.pcap" --truth "$work/calls.json" \
	--calls 8 --concurrency 4 --duration 2 --target-share 1 --targets 2 --keying mixed \
	--seed 31 --quiet --kms "https://127.0.0.1:$port/mikey" --kms-ca "$work/ca.pem" \
	--kms-config "$work/kms.yaml" >"$work/callgen.log" 2>&1; then
	fail capture "lime-callgen failed: $(tail -1 "$work/callgen.log")"
	finish
fi
kill "$kms_pid" 2>/dev/null && wait "$kms_pid" 2>/dev/null
kms_pid=

write_lime_config() {
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
kms:
  url: "https://127.0.0.1:$2/mikey"
  ca_file: "$work/ca.pem"
  identity: "sip:li-node-1@lime.test"
  kms_identity: "sip:kms@lime.test"
  psk_hex: "55555555555555555555555555555555"
  timeout_ms: 500
  retries: 1
intercepts:
  - liid: "LIID-1"
    targets: ["sip:target-0@ims.test", "tel:+15550101"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "127.0.0.1:9"
    hi3: "127.0.0.1:9"
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
