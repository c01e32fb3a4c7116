#!/usr/bin/env bash
# Run lime-kms on loopback and check it over HTTPS. tests/kms/kms_client
# runs the Request and Resolve exchanges: it verifies every response MAC
# and compares the keys of responder and LI node with the initiator's.
# curl and openssl check keep-alive, the HTTP status codes, TLS versions
# and client certificates. Further cases: MIKEY Error responses, expired
# and foreign tickets, several clients at once, the connection limit, the
# log, configuration errors and a clean stop on SIGTERM.
#
# Usage: kms_cases.sh BUILD_DIR
#
# Three servers run at once on free ports of 127.0.0.1. "main" is the one
# under test. "past" shares main's ticket key but its clock runs two hours
# behind, so the tickets it issues have expired for main. "foreign" has
# another ticket key and requires client certificates.
#
# Prints "PASS kms CASE" or "FAIL kms CASE: REASON" per case, then
# "N passed, N failed". Exits 1 when a case failed and 2 on a usage error.
# The work folder with logs is kept when a case fails, and its path printed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
kms=$build_dir/lime-kms
client=$build_dir/tests/kms/kms_client
python=/usr/bin/python3

for prog in "$kms" "$client"; do
	if [[ ! -x "$prog" ]]; then
		echo "$prog not found or not executable: build it with 'meson compile -C $build_dir'" >&2
		exit 2
	fi
done
for tool in openssl curl "$python"; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is needed by this test; install it (deploy/install-deps.sh)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-kms-cases.XXXXXX")
passed=0
failed=0
pids=()

finish() {
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	echo "$passed passed, $failed failed"
	if [[ $failed -gt 0 ]]; then
		echo "lime-kms logs and files kept in $work"
		exit 1
	fi
	rm -rf -- "$work"
	exit 0
}
trap finish EXIT

pass() {
	echo "PASS kms $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL kms $1: $2"
	failed=$((failed + 1))
}

# check NAME COMMAND...: passes when the command succeeds.
check() {
	local name=$1
	shift
	if "$@" >"$work/last.out" 2>&1; then
		pass "$name"
	else
		fail "$name" "$(tail -n 3 "$work/last.out" | tr '\n' ' ')"
	fi
}

# ---- Certificates ----

make_certs() {
	(
		cd "$work" || exit 1
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout ca.key -out ca.pem -days 2 -subj "/CN=lime-kms test CA" &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout kms.key -out kms.csr -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >kms.ext &&
		openssl x509 -req -in kms.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out kms.pem -days 2 -extfile kms.ext &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-keyout client.key -out client.csr -subj "/CN=li-node-1" &&
		printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key \
			-CAcreateserial -out client.pem -days 2 -extfile client.ext
	) >"$work/certs.log" 2>&1
}

if ! make_certs; then
	fail "certificates" "openssl could not make the test certificates: $(tail -n 2 "$work/certs.log")"
	exit 1
fi

# ---- Configurations ----

kms_id="sip:kms@lime.test"
alice="sip:alice@ims.test"
bob="sip:bob@ims.test"
carol="sip:carol@ims.test"
li="sip:li-node-1@lime.test"
alice_psk=11111111111111111111111111111111
bob_psk=22222222222222222222222222222222
li_psk=33333333333333333333333333333333
carol_psk=44444444444444444444444444444444
ticket_key=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f

# Prints free TCP ports of 127.0.0.1, as many as asked.
free_ports() {
	"$python" - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# write_config FILE PORT TICKET_KEY EXTRA_TOP POLICY
write_config() {
	cat >"$1" <<EOF
listen: "127.0.0.1:$2"
cert_file: "$work/kms.pem"
key_file: "$work/kms.key"
kms_identity: "$kms_id"
ticket_key_hex: "$3"
idle_timeout_s: 2
max_connections: 6
$4
users:
  - identity: "$alice"
    psk_hex: "$alice_psk"
    responders: ["$bob"]
  - identity: "$bob"
    psk_hex: "$bob_psk"
    responders: ["$alice"]
  - identity: "$carol"
    psk_hex: "$carol_psk"
    responders: ["$alice"]
li_nodes:
  - identity: "$li"
    psk_hex: "$li_psk"
ticket_policy:
  validity_s: 3600
  responders: per_user
$5
EOF
}

# start_kms NAME CONFIG: starts lime-kms and waits until it listens.
start_kms() {
	local name=$1 config=$2 log=$work/$1.log
	"$kms" --config "$config" --log-level debug 2>"$log" &
	local pid=$!
	pids+=("$pid")
	eval "${name}_pid=$pid"
	for _ in $(seq 1 50); do
		if grep -qs "listening on" "$log"; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
	return 1
}

started=0
for _ in 1 2 3; do
	read -r main_port past_port foreign_port < <(free_ports 3)
	write_config "$work/main.yaml" "$main_port" "$ticket_key" "" "  forking: true"
	write_config "$work/past.yaml" "$past_port" "$ticket_key" "clock_offset_s: -7200" \
		"$(printf '  forking: false\n  reusable: true\n  key_type: tek\n  key_count: 2\n  salt: true')"
	write_config "$work/foreign.yaml" "$foreign_port" "ff${ticket_key:2}" \
		"ca_file: \"$work/ca.pem\"" "  forking: true"
	if start_kms main "$work/main.yaml" && start_kms past "$work/past.yaml" &&
		start_kms foreign "$work/foreign.yaml"; then
		started=1
		break
	fi
	# A port was taken between the check and the start: try new ones.
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
	pids=()
done
if [[ $started -ne 1 ]]; then
	fail "start" "lime-kms did not start: $(tail -n 2 "$work"/*.log | tr '\n' ' ')"
	exit 1
fi
pass "start: three servers listen"

url=https://127.0.0.1:$main_port/mikey
kc() {
	"$client" --server "127.0.0.1:$main_port" --ca "$work/ca.pem" --kms-identity "$kms_id" "$@"
}

# ---- Exchanges ----

check "flow on one connection: request, responder resolve, LI resolve" \
	bash -c "'$client' --server 127.0.0.1:$main_port --ca '$work/ca.pem' \
		--kms-identity '$kms_id' flow '$alice' $alice_psk '$bob' $bob_psk \
		'$li' $li_psk | tee /dev/stderr | grep -q '^connections 1 requests 3$'"

check "request writes the initiator's ticket and keys" \
	kc request "$alice" "$alice_psk" "$work/alice.state"
check "responder resolve gets forked keys matching the initiator's" \
	kc resolve "$bob" "$bob_psk" "$work/alice.state" responder
check "LI resolve gets MPKi, MPKr and the TGK unforked" \
	kc resolve "$li" "$li_psk" "$work/alice.state" li
check "responder not in the ticket's list gets MIKEY Error 7" \
	kc --expect-error 7 resolve "$carol" "$carol_psk" "$work/alice.state" responder
check "bad MAC gets MIKEY Error 0" \
	kc --flip-mac --expect-error 0 request "$alice" "$alice_psk" "$work/unused.state"
check "bad MAC on resolve gets MIKEY Error 0" \
	kc --flip-mac --expect-error 0 resolve "$li" "$li_psk" "$work/alice.state" li
check "unknown identity gets MIKEY Error 7" \
	kc --expect-error 7 request "sip:mallory@ims.test" "$alice_psk" "$work/unused.state"
check "wrong IDRkms gets MIKEY Error 7" \
	"$client" --server "127.0.0.1:$main_port" --ca "$work/ca.pem" \
	--kms-identity "sip:other-kms@lime.test" --expect-error 7 \
	request "$alice" "$alice_psk" "$work/unused.state"
check "PRF MIKEY-1 and HMAC-SHA-1 work too" \
	kc --prf 0 --auth-alg 1 request "$alice" "$alice_psk" "$work/sha1.state"
check "timestamp two hours off gets MIKEY Error 1" \
	kc --clock-offset -7200 --expect-error 1 request "$alice" "$alice_psk" "$work/unused.state"

# The past server's tickets ended an hour ago by main's clock.
check "past server issues a TEK ticket (clock_offset_s)" \
	"$client" --server "127.0.0.1:$past_port" --ca "$work/ca.pem" --kms-identity "$kms_id" \
	--clock-offset -7200 request "$alice" "$alice_psk" "$work/expired.state"
check "expired ticket resolved by a responder gets MIKEY Error 14" \
	kc --expect-error 14 resolve "$bob" "$bob_psk" "$work/expired.state" responder
check "expired ticket resolved by the LI node succeeds with the same TEKs" \
	kc resolve "$li" "$li_psk" "$work/expired.state" li

check "foreign server requires a client certificate and issues a ticket" \
	"$client" --server "127.0.0.1:$foreign_port" --ca "$work/ca.pem" \
	--cert "$work/client.pem" --key "$work/client.key" --kms-identity "$kms_id" \
	request "$alice" "$alice_psk" "$work/foreign.state"
check "foreign ticket resolved by the LI node gets MIKEY Error 14" \
	kc --expect-error 14 resolve "$li" "$li_psk" "$work/foreign.state" li
check "foreign ticket resolved by a responder gets MIKEY Error 14" \
	kc --expect-error 14 resolve "$bob" "$bob_psk" "$work/foreign.state" responder

# ---- HTTP ----

# http_status EXPECTED NAME CURL_ARGS...
http_status() {
	local expected=$1 name=$2 got
	shift 2
	got=$(curl -sk --max-time 10 -o "$work/body.out" -w '%{http_code}' "$@")
	if [[ "$got" == "$expected" ]]; then
		pass "$name"
	else
		fail "$name" "HTTP status $got, expected $expected"
	fi
}

"$client" --server "127.0.0.1:$main_port" --ca "$work/ca.pem" --kms-identity "$kms_id" \
	--save-request "$work/request.mikey" request "$alice" "$alice_psk" "$work/curl.state" \
	>/dev/null 2>&1
head -c 40 "$work/request.mikey" >"$work/truncated.mikey"
head -c 70000 /dev/zero >"$work/big.bin"

http_status 405 "GET gets 405" "$url"
http_status 404 "other path gets 404" -X POST -H 'Content-Type: application/mikey' \
	--data-binary @"$work/request.mikey" "https://127.0.0.1:$main_port/other"
http_status 415 "other content type gets 415" -H 'Content-Type: text/plain' \
	--data-binary @"$work/request.mikey" "$url"
http_status 413 "body over 64 KiB gets 413" -H 'Content-Type: application/mikey' \
	--data-binary @"$work/big.bin" "$url"
http_status 400 "body that is not MIKEY gets 400" -H 'Content-Type: application/mikey' \
	--data-binary 'hello, KMS' "$url"
http_status 400 "truncated MIKEY message gets 400" -H 'Content-Type: application/mikey' \
	--data-binary @"$work/truncated.mikey" "$url"
http_status 408 "body shorter than Content-Length gets 408 after the idle timeout" \
	-H 'Content-Type: application/mikey' -H 'Content-Length: 100' \
	--data-binary 'only ten b' "$url"
http_status 200 "curl POST of a REQUEST_INIT_PSK gets 200" \
	-H 'Content-Type: application/mikey' --data-binary @"$work/request.mikey" "$url"
if grep -q 'Content-Type: application/mikey' < <(curl -sk -D - -o /dev/null \
	-H 'Content-Type: application/mikey' --data-binary @"$work/request.mikey" "$url"); then
	pass "200 answers are application/mikey"
else
	fail "200 answers are application/mikey" "no such Content-Type header"
fi

# Each --next section is one request; curl reuses the open connection.
fmt='%{http_code} %{num_connects}\n'
keepalive=$(curl -sk --max-time 10 -o /dev/null -w "$fmt" "$url" \
	--next -sk -o /dev/null -w "$fmt" "$url" \
	--next -sk -o /dev/null -w "$fmt" -H 'Content-Type: text/plain' -d x "$url" |
	tr '\n' ' ')
if [[ "$keepalive" == "405 1 405 0 415 0 " ]]; then
	pass "keep-alive: three requests and error answers on one connection"
else
	fail "keep-alive" "status and new connections per request: $keepalive"
fi

http_status 405 "TLS 1.2" --tlsv1.2 --tls-max 1.2 "$url"
http_status 405 "TLS 1.3" --tlsv1.3 "$url"
check "server certificate verifies against the test CA" \
	curl -s --max-time 10 --cacert "$work/ca.pem" -o /dev/null "$url"
http_status 000 "foreign server refuses a client without certificate" \
	"https://127.0.0.1:$foreign_port/mikey"
http_status 405 "foreign server accepts the client certificate" \
	--cert "$work/client.pem" --key "$work/client.key" "https://127.0.0.1:$foreign_port/mikey"

# Garbage inside TLS gets 400 and the connection closes; s_client waits
# for the close (-quiet implies -ign_eof), so a timeout means it stayed open.
printf '\x00\x01garbage\r\n\r\n' >"$work/garbage.bin"
if timeout 10 openssl s_client -quiet -connect "127.0.0.1:$main_port" \
	-CAfile "$work/ca.pem" <"$work/garbage.bin" >"$work/garbage.out" 2>/dev/null &&
	grep -q '^HTTP/1.1 400 ' "$work/garbage.out"; then
	pass "garbage over TLS gets 400 and the connection closes"
else
	fail "garbage over TLS" "no 400 and close within 10 s: $(head -c 200 "$work/garbage.out")"
fi
# Plain text where a TLS handshake belongs: the server closes at once.
# The client may see EOF or a reset, depending on timing; only a timeout
# (status 124) means that the connection stayed open.
timeout 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$main_port; \
	printf 'GET /mikey HTTP/1.1\r\n\r\n' >&3; cat <&3 >/dev/null" 2>/dev/null
status=$?
if [[ $status -ne 124 ]]; then
	pass "plain HTTP without TLS closes the connection"
else
	fail "plain HTTP without TLS" "connection still open after 10 s"
fi

# ---- Several clients at once, then the connection limit (max_connections: 6) ----

concurrent_ok=0
concurrent_pids=()
for i in 1 2 3 4 5; do
	kc flow "$alice" "$alice_psk" "$bob" "$bob_psk" "$li" "$li_psk" \
		>"$work/concurrent.$i" 2>&1 &
	concurrent_pids+=($!)
done
for pid in "${concurrent_pids[@]}"; do
	wait "$pid" && concurrent_ok=$((concurrent_ok + 1))
done
if [[ $concurrent_ok -eq 5 ]]; then
	pass "five clients at once each complete request and both resolves"
else
	fail "five clients at once" "$concurrent_ok of 5 completed"
fi


limit_result=$("$python" - "$main_port" "$work/ca.pem" <<'PY'
import socket, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
ctx = ssl.create_default_context(cafile=ca)
def open_conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    t = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    t.sendall(b"GET /mikey HTTP/1.1\r\nHost: x\r\n\r\n")
    return t, t.recv(100).split(b" ")[1]
held = [open_conn() for _ in range(6)]
try:
    extra, status = open_conn()
    print("seventh connection served with status", status.decode())
except (ssl.SSLError, ConnectionError, OSError):
    held[0][0].close()
    import time
    time.sleep(0.3)
    again, status = open_conn()
    print("ok", status.decode())
PY
)
if [[ "$limit_result" == "ok 405" ]]; then
	pass "max_connections refuses the seventh connection, then serves again"
else
	fail "max_connections" "$limit_result"
fi

# ---- Log ----

if grep -q "exchange peer=127.0.0.1:[0-9]* type=RESOLVE_INIT_PSK role=li identity=$li initiator=$alice ticket=[0-9a-f]\{16\} outcome=ok" "$work/main.log"; then
	pass "log line of an LI resolution names peer, identities and ticket hash"
else
	fail "log line of an LI resolution" "not found in $work/main.log"
fi
if grep -q 'outcome=error error=14 reason="the ticket has expired (after TRe)"' "$work/main.log"; then
	pass "log line of a failed exchange gives error number and reason"
else
	fail "log line of a failed exchange" "not found"
fi
leaked=0
for hex in $(awk '$1 == "key" || $1 == "mpki" || $1 == "mpkr" { getline; print $2 }' \
	"$work/alice.state" "$work/expired.state"); do
	if grep -qi -- "${hex:0:16}" "$work"/*.log; then
		leaked=1
	fi
done
for secret in "$alice_psk" "$ticket_key"; do
	grep -qi -- "$secret" "$work"/*.log && leaked=1
done
if [[ $leaked -eq 0 ]]; then
	pass "logs hold no key material"
else
	fail "logs hold no key material" "a key appears in a log"
fi

# ---- Configuration errors and exit status ----

# config_error NAME EXPECTED_TEXT CONFIG_TEXT
config_error() {
	local name=$1 expected=$2 status
	printf '%s\n' "$3" >"$work/bad.yaml"
	"$kms" --config "$work/bad.yaml" >"$work/bad.out" 2>&1
	status=$?
	if [[ $status -eq 2 ]] && [[ $(wc -l <"$work/bad.out") -eq 1 ]] &&
		grep -qF -- "$expected" "$work/bad.out"; then
		pass "config error: $name"
	else
		fail "config error: $name" "status $status, output: $(head -c 300 "$work/bad.out")"
	fi
}

good=$(cat "$work/main.yaml")
config_error "unknown key" 'unknown key "colour" at top level' "$good
colour: blue"
config_error "unknown ticket_policy key" 'unknown key "lifetime" in ticket_policy' "$good
  lifetime: 5"
config_error "bad psk_hex" 'invalid users[1].psk_hex (value not shown)' \
	"${good/$bob_psk/xyz}"
config_error "bad responders rule" 'invalid value "all" for ticket_policy.responders' \
	"${good/responders: per_user/responders: all}"
config_error "missing users" 'missing required key "users"' \
	"$(printf 'cert_file: a\nkey_file: b\nkms_identity: "sip:k@x"\n')"
config_error "missing certificate file" "cannot use cert_file \"$work/missing.pem\"" \
	"${good/$work\/kms.pem/$work/missing.pem}"
config_error "key not matching the certificate" "cannot use key_file \"$work/client.key\"" \
	"${good/$work\/kms.key/$work/client.key}"

"$kms" --config "$work/none.yaml" >"$work/bad.out" 2>&1
status=$?
if [[ $status -eq 2 ]] && grep -q "cannot read" "$work/bad.out"; then
	pass "missing config file exits 2"
else
	fail "missing config file" "status $status: $(cat "$work/bad.out")"
fi
"$kms" --config "$work/main.yaml" --colour >"$work/bad.out" 2>&1
status=$?
if [[ $status -eq 2 ]] && [[ $(wc -l <"$work/bad.out") -eq 1 ]] &&
	grep -q 'unknown option "--colour"' "$work/bad.out"; then
	pass "unknown option exits 2"
else
	fail "unknown option" "status $status: $(cat "$work/bad.out")"
fi
"$kms" --config "$work/main.yaml" >"$work/busy.out" 2>&1
status=$?
if [[ $status -eq 1 ]] && grep -q "cannot listen on 127.0.0.1:$main_port" "$work/busy.out"; then
	pass "port in use exits 1"
else
	fail "port in use" "status $status: $(tail -n 1 "$work/busy.out")"
fi

# ---- Stop ----

kill -TERM "$main_pid"
wait "$main_pid"
status=$?
if [[ $status -eq 0 ]] && grep -q "stopped" "$work/main.log"; then
	pass "SIGTERM stops lime-kms with status 0"
else
	fail "SIGTERM" "exit status $status"
fi
