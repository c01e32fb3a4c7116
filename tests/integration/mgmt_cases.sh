#!/usr/bin/env bash
# Check lime's management API (docs/management-api.md) on a real-time
# replay: mutual TLS, adding an intercept during the run and removing it
# again, the error statuses of bad requests, and the audit lines.
#
# Usage: mgmt_cases.sh BUILD_DIR
#
# The capture is reload.pcap of tests/pcapgen/gen_call_cases.py: about 8 s
# of calls, among them a call of sip:nell@ims.test starting every second
# (0.6 s, 1.6 s, ... 6.6 s of capture time, each 1.5 s long). The test adds
# LIID-NEW for that target at 2.3 s, after the first nell call has ended,
# and removes it at 4.2 s, before the fifth starts. Before the add, it
# checks that a SIGHUP reload replaces a change made through the API. The
# bad requests come after the removal, so that their time does not delay
# it. It makes a CA, a server and a client certificate, and a client
# certificate of another CA with openssl in its temporary folder.
# Prints "PASS mgmt CHECK" or "FAIL mgmt CHECK: REASON" per check, then
# "N passed, N failed"; exits 1 when a check failed and keeps its files
# then. Takes about 12 s.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

# shellcheck source-path=SCRIPTDIR source=lib/checks.sh
source "$(dirname -- "$0")/lib/checks.sh"
lab_prefix=mgmt

lime=$1/lime
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)

# Capture times of the changes, in seconds after the replay started.
add_at_s=2.3
delete_at_s=4.2
# Capture length of reload.pcap, and how long lime may take after it.
capture_s=8.2
grace_s=20

if [[ ! -x "$lime" ]]; then
	echo "lime not found or not executable at $lime: build it with 'meson compile -C $1'" >&2
	exit 2
fi
for tool in curl openssl; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is missing: install the $tool package" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-mgmt-cases.XXXXXX")
lime_pid=

stop_lime() {
	if [[ -n "$lime_pid" ]] && kill -0 "$lime_pid" 2>/dev/null; then
		kill -KILL "$lime_pid" 2>/dev/null
		wait "$lime_pid" 2>/dev/null
	fi
	lime_pid=
}
trap stop_lime EXIT

lab_cleanup() {
	stop_lime
}

now() { date +%s.%N; }

sleep_until() {
	local delay
	delay=$(awk -v start="$1" -v offset="$2" -v now="$(now)" \
		'BEGIN { d = start + offset - now; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$delay"
}

# Waits up to 30 s for text in lime's log while lime runs.
wait_for_log() {
	for _ in $(seq 600); do
		grep -qF -- "$1" "$work/lime.log" 2>/dev/null && return 0
		kill -0 "$lime_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# ---- Certificates ----

new_key() {
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/$1.key" 2>>"$work/openssl.log"
}

new_ca() {
	new_key "$1" &&
	openssl req -x509 -new -key "$work/$1.key" -out "$work/$1.pem" -days 2 \
		-subj "/CN=$2" 2>>"$work/openssl.log"
}

# new_cert NAME CA SUBJECT EXTENSIONS
new_cert() {
	new_key "$1" &&
	openssl req -new -key "$work/$1.key" -out "$work/$1.csr" -subj "$3" 2>>"$work/openssl.log" &&
	printf '%s\n' "$4" >"$work/$1.ext" &&
	openssl x509 -req -in "$work/$1.csr" -CA "$work/$2.pem" -CAkey "$work/$2.key" \
		-CAcreateserial -out "$work/$1.pem" -days 2 -extfile "$work/$1.ext" 2>>"$work/openssl.log"
}

if ! new_ca ca "lime test CA" || ! new_ca other-ca "other CA" ||
   ! new_cert server ca "/CN=127.0.0.1" $'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth' ||
   ! new_cert client ca "/O=lime test/CN=ops-1" "extendedKeyUsage=clientAuth" ||
   ! new_cert rogue other-ca "/CN=rogue" "extendedKeyUsage=clientAuth"; then
	fail setup "openssl could not make the certificates (see $work/openssl.log)"
	finish
fi

# ---- Capture, configuration and lime ----

port=$(free_port)
mkdir -p "$work/spool"
if ! "$python" "$script_dir/../pcapgen/gen_call_cases.py" "$work/cases" >"$work/gen.log" 2>&1 ||
   ! "$python" "$script_dir/check_call_events.py" config "$work/cases/expected.json" \
	reload_before "$work/spool" >"$work/lime.yaml" 2>"$work/config.log"; then
	fail setup "could not generate the capture or its configuration (see $work)"
	finish
fi
cat >>"$work/lime.yaml" <<EOF
management:
  listen: "127.0.0.1:$port"
  cert_file: "$work/server.pem"
  key_file: "$work/server.key"
  client_ca_file: "$work/ca.pem"
  audit_file: "$work/audit.log"
  max_request_bytes: 4096
EOF

"$lime" --config "$work/lime.yaml" --pcap "$work/cases/reload.pcap" --pcap-speed 1 \
	--debug-events "$work/events.jsonl" --summary "$work/summary.json" \
	>"$work/lime.log" 2>&1 &
lime_pid=$!
if ! wait_for_log "management: serving" || ! wait_for_log "receiving from capture files"; then
	fail start "lime did not start the API and the replay (see $work/lime.log)"
	finish
fi
replay_start=$(now)
url=https://127.0.0.1:$port

# api NAME METHOD PATH [CONTENT_TYPE BODY_FILE]: prints the HTTP status and
# keeps the body in $work/NAME.out.
api() {
	local args=(-sS --max-time 10 --cacert "$work/ca.pem" --cert "$work/client.pem"
		--key "$work/client.key" -o "$work/$1.out" -w '%{http_code}' -X "$2")
	if [[ $# -ge 5 ]]; then
		args+=(-H "Content-Type: $4" --data-binary "@$5")
	fi
	curl "${args[@]}" "$url$3" 2>>"$work/curl.log"
}

# expect NAME STATUS METHOD PATH [CONTENT_TYPE BODY]
expect() {
	local name=$1 want=$2 got
	shift 2
	if [[ $# -ge 4 ]]; then
		printf '%s' "$4" >"$work/$name.body"
		got=$(api "$name" "$1" "$2" "$3" "$work/$name.body")
	else
		got=$(api "$name" "$1" "$2")
	fi
	if [[ "$got" != "$want" ]]; then
		fail "$name" "status $got, expected $want: $(head -c 200 "$work/$name.out" 2>/dev/null)"
	elif [[ "$want" != 2* ]] && ! grep -q '"error":' "$work/$name.out"; then
		fail "$name" "status $got without a JSON error body"
	else
		pass "$name"
	fi
}

new_intercept='{"liid": "LIID-NEW", "targets": ["sip:nell@ims.test"], "agency": "lea-test"}'

# ---- Before the add: listing and TLS ----

expect list_intercepts 200 GET /v1/intercepts
if grep -q '"LIID-KEEP"' "$work/list_intercepts.out" && grep -q '"LIID-DROP"' "$work/list_intercepts.out"; then
	pass list_contents
else
	fail list_contents "LIID-KEEP and LIID-DROP not both in $(head -c 200 "$work/list_intercepts.out")"
fi

code=$(curl -sS --max-time 10 --cacert "$work/ca.pem" -o /dev/null -w '%{http_code}' \
	"$url/v1/intercepts" 2>>"$work/curl.log")
[[ "$code" == 000 ]] && pass tls_no_client_cert || fail tls_no_client_cert "HTTP status $code without a client certificate"
code=$(curl -sS --max-time 10 --cacert "$work/ca.pem" --cert "$work/rogue.pem" --key "$work/rogue.key" \
	-o /dev/null -w '%{http_code}' "$url/v1/intercepts" 2>>"$work/curl.log")
[[ "$code" == 000 ]] && pass tls_wrong_ca || fail tls_wrong_ca "HTTP status $code with a certificate of another CA"
if grep -q "TLS handshake with 127.0.0.1:[0-9]* rejected or timed out" "$work/lime.log"; then
	pass tls_rejections_logged
else
	fail tls_rejections_logged "no 'TLS handshake ... rejected' line in $work/lime.log"
fi

# ---- A SIGHUP reload applies the file, which replaces API changes ----

expect add_before_reload 201 POST /v1/intercepts application/json \
	'{"liid": "LIID-TEMP", "targets": ["sip:nobody-calls@ims.test"], "agency": "lea-test"}'
kill -HUP "$lime_pid"
if wait_for_log "intercept LIID-TEMP removed"; then
	expect reload_replaces_change 404 GET /v1/intercepts/LIID-TEMP
else
	fail reload_replaces_change "no log line says that the reload removed LIID-TEMP"
fi

# ---- Add and remove during the replay ----

sleep_until "$replay_start" "$add_at_s"
expect add_intercept 201 POST /v1/intercepts application/json "$new_intercept"
expect get_added 200 GET /v1/intercepts/LIID-NEW

sleep_until "$replay_start" "$delete_at_s"
expect delete_intercept 200 DELETE /v1/intercepts/LIID-NEW
expect get_deleted 404 GET /v1/intercepts/LIID-NEW

# ---- Replacing an entry, and bad requests that must change nothing ----

expect replace_intercept 200 PUT /v1/intercepts/LIID-KEEP application/json \
	'{"liid": "LIID-KEEP", "targets": ["sip:kim@ims.test"], "agency": "lea-test"}'
api listing_before_bad GET /v1/intercepts >/dev/null

expect malformed_json 400 POST /v1/intercepts application/json '{"liid": "LIID-BAD1", "targets": ['
expect unknown_field 400 POST /v1/intercepts application/json \
	'{"liid": "LIID-BAD2", "targets": ["sip:x@ims.test"], "agency": "lea-test", "colour": "red"}'
expect wrong_field_type 400 POST /v1/intercepts application/json \
	'{"liid": "LIID-BAD3", "targets": "sip:x@ims.test", "agency": "lea-test"}'
expect duplicate_liid 409 POST /v1/intercepts application/json \
	'{"liid": "LIID-KEEP", "targets": ["sip:x@ims.test"], "agency": "lea-test"}'
big=$(printf '{"liid": "LIID-BAD4", "targets": ["sip:x@ims.test"], "agency": "lea-test", "end": "%05000d"}' 0)
expect oversized_body 413 POST /v1/intercepts application/json "$big"
expect wrong_content_type 415 POST /v1/intercepts text/plain \
	'{"liid": "LIID-BAD5", "targets": ["sip:x@ims.test"], "agency": "lea-test"}'
expect unknown_agency 422 POST /v1/intercepts application/json \
	'{"liid": "LIID-BAD6", "targets": ["sip:x@ims.test"], "agency": "no-such-lea"}'
expect long_liid 422 POST /v1/intercepts application/json \
	'{"liid": "LIID-BAD7-ABCDEFGHIJKLMNOPQRS", "targets": ["sip:x@ims.test"], "agency": "lea-test"}'
expect agency_in_use 409 DELETE /v1/agencies/lea-test
expect unknown_liid 404 GET /v1/intercepts/LIID-NONE
expect unknown_path 404 GET /v1/other
expect wrong_method 405 PATCH /v1/intercepts/LIID-KEEP

if grep -q 'at most 25' "$work/long_liid.out" && grep -q 'no-such-lea' "$work/unknown_agency.out"; then
	pass loader_messages
else
	fail loader_messages "422 bodies lack the loader's text: $(cat "$work/long_liid.out" "$work/unknown_agency.out")"
fi

api listing_after_bad GET /v1/intercepts >/dev/null
if cmp -s "$work/listing_before_bad.out" "$work/listing_after_bad.out" &&
   ! grep -q 'LIID-BAD' "$work/listing_after_bad.out" && grep -q '"LIID-KEEP"' "$work/listing_after_bad.out"; then
	pass nothing_applied
else
	fail nothing_applied "the intercepts changed after rejected requests: $(head -c 300 "$work/listing_after_bad.out")"
fi

# ---- After the run ----

deadline=$(awk -v s="$replay_start" -v c="$capture_s" -v g="$grace_s" 'BEGIN { printf "%.3f", s + c + g }')
while kill -0 "$lime_pid" 2>/dev/null && awk -v now="$(now)" -v d="$deadline" 'BEGIN { exit !(now < d) }'; do
	sleep 0.1
done
if kill -0 "$lime_pid" 2>/dev/null; then
	fail exit "lime still runs ${grace_s} s after the capture ended"
	finish
fi
wait "$lime_pid"
status=$?
lime_pid=
[[ $status -eq 0 ]] && pass exit || fail exit "exit status $status (see $work/lime.log)"

# The nell calls by number: 0 ended before the add, 2 and 3 started while
# LIID-NEW was in force, 4 to 6 started after the delete.
if "$python" - "$work/cases/expected.json" "$work/events.jsonl" "$work/summary.json" \
	>"$work/interception.log" 2>&1 <<'PY'
import json, sys
expected = json.load(open(sys.argv[1]))["reload"]["calls"]
call_ids = {c["name"]: cid for cid, c in expected.items()}
liids = {}
for line in open(sys.argv[2]):
    event = json.loads(line)
    if event.get("event") == "iri":
        liids.setdefault(event["call_id"], set()).add(event["liid"])
problems = []
for n in (0, 4, 5, 6):
    if "LIID-NEW" in liids.get(call_ids["nell_%d" % n], ()):
        problems.append("nell_%d has LIID-NEW IRI events" % n)
for n in (2, 3):
    if "LIID-NEW" not in liids.get(call_ids["nell_%d" % n], ()):
        problems.append("nell_%d has no LIID-NEW IRI events" % n)
count = json.load(open(sys.argv[3]))["intercepted_calls"].get("LIID-NEW")
# nell_1 runs across the add and is intercepted from its next message on.
if count not in (2, 3):
    problems.append("summary intercepted_calls LIID-NEW is %s, expected 2 or 3" % count)
print("; ".join(problems))
sys.exit(1 if problems else 0)
PY
then
	pass interception_window
else
	fail interception_window "$(head -c 300 "$work/interception.log")"
fi

# ---- Audit ----

audit_has() {
	grep -E -- "$1" "$work/audit.log" 2>/dev/null | grep -qE -- 'client="CN=ops-1,O=lime test" fingerprint=sha256:[0-9a-f]{16} peer=127.0.0.1:'
}
if audit_has 'method="POST" path="/v1/intercepts" object="LIID-NEW" status=201 result=accepted$'; then
	pass audit_accepted
else
	fail audit_accepted "no accepted POST line for LIID-NEW in $work/audit.log"
fi
if audit_has 'object="LIID-BAD6" status=422 result=rejected reason=".*no-such-lea'; then
	pass audit_rejected
else
	fail audit_rejected "no rejected line with its reason for LIID-BAD6 in $work/audit.log"
fi
if audit_has 'method="DELETE" path="/v1/intercepts/LIID-NEW" object="LIID-NEW" status=200 result=accepted'; then
	pass audit_delete
else
	fail audit_delete "no accepted DELETE line in $work/audit.log"
fi
changes=$(grep -c ' audit: ' "$work/audit.log" 2>/dev/null)
logged=$(grep -c ' lime notice: audit: ' "$work/lime.log" 2>/dev/null)
if [[ "$changes" == 14 && "$logged" == 14 ]] && ! grep -q 'method="GET"' "$work/audit.log"; then
	pass audit_one_line_per_change
else
	fail audit_one_line_per_change "$changes lines in the audit file and $logged in the log, expected 14 each and no GET"
fi

finish
