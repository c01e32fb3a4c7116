#!/usr/bin/env bash
# Run the asynchronous KMS client (kms_client/) against lime-kms and against
# misbehaving servers on 127.0.0.1, once with each I/O backend (io_uring,
# then epoll). tests/kms_client/kms_client_driver drives the client and
# prints what came back; this script checks it.
#
# Usage: kms_client_cases.sh BUILD_DIR
#
# Servers on 127.0.0.1:
#   main       lime-kms
#   mtls       lime-kms requiring a client certificate
#   wrongname  lime-kms whose certificate names another host
#   idle       lime-kms with idle_timeout_s 1
#   flaky      lime-kms, stopped and started again by the breaker case
#   silent     accepts TCP and never responds (fake_kms.py)
#   chunked    responds with a chunked body (fake_kms.py)
#   once       drops a kept-alive connection when its second request
#              arrives (fake_kms.py)
#
# Prints "PASS kms_client CASE" or "FAIL kms_client CASE: REASON" per check
# ("SKIP" for the io_uring run where the kernel does not allow io_uring),
# then "N passed, N failed". Exits 1 when a check failed and 2 on a usage
# error. The work folder with logs is kept when a check fails.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
kms=$build_dir/lime-kms
driver=$build_dir/tests/kms_client/kms_client_driver
fake=$(cd "$(dirname "$0")/../kms_client" && pwd)/fake_kms.py
python=/usr/bin/python3

for prog in "$kms" "$driver"; do
	if [[ ! -x "$prog" ]]; then
		echo "$prog not found or not executable: build it with 'meson compile -C $build_dir'" >&2
		exit 2
	fi
done
for tool in openssl "$python"; do
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is needed by this test; install it (deploy/install-deps.sh)" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-kms-client-cases.XXXXXX")
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
		echo "logs and files kept in $work"
		exit 1
	fi
	rm -rf -- "$work"
	exit 0
}
trap finish EXIT

pass() {
	echo "PASS kms_client $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL kms_client $1: $2"
	failed=$((failed + 1))
}

# ---- Certificates ----

make_certs() {
	(
		cd "$work" || exit 1
		local ec=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)
		openssl req -x509 "${ec[@]}" -keyout ca.key -out ca.pem -days 2 \
			-subj "/CN=kms client test CA" &&
		openssl req -x509 "${ec[@]}" -keyout other-ca.key -out other-ca.pem -days 2 \
			-subj "/CN=unrelated CA" &&
		openssl req "${ec[@]}" -keyout kms.key -out kms.csr -subj "/CN=127.0.0.1" &&
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >kms.ext &&
		openssl x509 -req -in kms.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out kms.pem -days 2 -extfile kms.ext &&
		openssl req "${ec[@]}" -keyout other.key -out other.csr -subj "/CN=other.test" &&
		printf 'subjectAltName=DNS:other.test\n' >other.ext &&
		openssl x509 -req -in other.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out other.pem -days 2 -extfile other.ext &&
		openssl req "${ec[@]}" -keyout client.key -out client.csr -subj "/CN=li-node-1" &&
		printf 'extendedKeyUsage=clientAuth\n' >client.ext &&
		openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
			-out client.pem -days 2 -extfile client.ext
	) >"$work/certs.log" 2>&1
}

if ! make_certs; then
	fail "certificates" "openssl could not make the test certificates: $(tail -n 2 "$work/certs.log")"
	exit 1
fi

# ---- Servers ----

alice_psk=11111111111111111111111111111111

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

# write_config NAME PORT CERT KEY EXTRA
write_config() {
	cat >"$work/$1.yaml" <<EOF
listen: "127.0.0.1:$2"
cert_file: "$work/$3"
key_file: "$work/$4"
kms_identity: "sip:kms@lime.test"
ticket_key_hex: "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
$5
users:
  - identity: "sip:alice@ims.test"
    psk_hex: "$alice_psk"
li_nodes:
  - identity: "sip:li-node-1@lime.test"
    psk_hex: "33333333333333333333333333333333"
EOF
}

# start_kms NAME: starts lime-kms with NAME.yaml and waits until it listens.
start_kms() {
	local name=$1 log=$work/$1.log
	: >"$log"
	"$kms" --config "$work/$name.yaml" --log-level debug 2>>"$log" &
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

# stop_kms NAME: stops a server started by start_kms.
stop_kms() {
	local pid_var=${1}_pid
	kill -TERM "${!pid_var}" 2>/dev/null
	wait "${!pid_var}" 2>/dev/null
}

# start_fake NAME MODE ARGS...: starts fake_kms.py and sets NAME_port.
start_fake() {
	local name=$1 out=$work/$1.out
	shift
	"$python" "$fake" "$@" >"$out" 2>&1 &
	pids+=("$!")
	for _ in $(seq 1 50); do
		if grep -qs "^listening " "$out"; then
			eval "${name}_port=$(awk '/^listening / { print $2 }' "$out")"
			return 0
		fi
		sleep 0.1
	done
	return 1
}

started=0
for _ in 1 2 3; do
	read -r main_port mtls_port wrongname_port idle_port flaky_port < <(free_ports 5)
	write_config main "$main_port" kms.pem kms.key "idle_timeout_s: 30"
	write_config mtls "$mtls_port" kms.pem kms.key "ca_file: \"$work/ca.pem\""
	write_config wrongname "$wrongname_port" other.pem other.key ""
	write_config idle "$idle_port" kms.pem kms.key "idle_timeout_s: 1"
	write_config flaky "$flaky_port" kms.pem kms.key ""
	if start_kms main && start_kms mtls && start_kms wrongname && start_kms idle; then
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
if ! start_fake silent silent || ! start_fake chunked chunked "$work/kms.pem" "$work/kms.key" ||
	! start_fake once once "$work/kms.pem" "$work/kms.key"; then
	fail "start" "fake_kms.py did not start: $(cat "$work"/silent.out "$work"/chunked.out "$work"/once.out)"
	exit 1
fi

url() {
	echo "https://127.0.0.1:$1/mikey"
}

# ---- Checks on the driver's output ----

# field LINE KEY: prints the value of KEY=VALUE in LINE.
field() {
	sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<" $1"
}

# nth_line FILE PREFIX N: prints the Nth line of FILE that starts with PREFIX.
nth_line() {
	grep "^$2 " "$1" | sed -n "${3}p"
}

# expect NAME LINE KEY=VALUE...: passes when every KEY of LINE has VALUE;
# a VALUE of ">=N" or "<=N" compares numbers.
expect() {
	local name=$1 line=$2 wrong="" pair key want got
	shift 2
	for pair in "$@"; do
		key=${pair%%=*}
		want=${pair#*=}
		got=$(field "$line" "$key")
		case $want in
		">="*) [[ -n "$got" && "$got" -ge "${want#>=}" ]] || wrong+="$key=$got (want $want) " ;;
		"<="*) [[ -n "$got" && "$got" -le "${want#<=}" ]] || wrong+="$key=$got (want $want) " ;;
		*) [[ "$got" == "$want" ]] || wrong+="$key=$got (want $want) " ;;
		esac
	done
	if [[ -z "$wrong" ]]; then
		pass "$name"
	else
		fail "$name" "$wrong"
	fi
}

# expect_log NAME FILE PATTERN: passes when the log matches PATTERN.
expect_log() {
	if grep -q -- "$3" "$2"; then
		pass "$1"
	else
		fail "$1" "no line matching \"$3\" in $2"
	fi
}

# ---- Cases, once per backend ----

# check_driver_exit CASE STATUS: reports a driver that crashed, timed out
# or, in a sanitizer build, found undefined behaviour or a leak.
check_driver_exit() {
	local log=$work/$backend.$1.log
	if [[ $2 -ne 0 ]]; then
		fail "$backend $1: driver" "exit status $2: $(tail -n 3 "$log" | tr '\n' ' ')"
	elif grep -q "runtime error:" "$log"; then
		fail "$backend $1: driver" "$(grep -m1 "runtime error:" "$log")"
	fi
}

# run_driver CASE ARGS...: runs the driver for one case of this backend;
# output in $work/$backend.CASE.out, log in .log.
run_driver() {
	local case=$1
	shift
	timeout 60 "$driver" --backend "$backend" --ca "$work/ca.pem" "$@" \
		>"$work/$backend.$case.out" 2>"$work/$backend.$case.log"
	check_driver_exit "$case" $?
}

case_exchange() {
	local out=$work/$backend.exchange.out
	run_driver exchange --url "$(url "$main_port")" \
		submit:1:request wait:5000 submit:1:text wait:5000 stats
	expect "$backend REQUEST_INIT_PSK gets a valid REQUEST_RESP" "$(nth_line "$out" results 1)" \
		ok=1 mikey_valid=1 status_200=1 min_attempts=1 max_attempts=1
	expect "$backend non-MIKEY body gets HTTP 400" "$(nth_line "$out" results 2)" \
		http_error=1 status_400=1 max_attempts=1
	expect "$backend second request reuses the connection" "$(nth_line "$out" stats 1)" \
		connections_opened=1 connections_reused=1 latency_counted=2
	local expected_log="KMS client: epoll (requested in the config)"
	[[ $backend == uring ]] && expected_log="KMS client: io_uring"
	expect_log "$backend backend choice is logged" "$work/$backend.exchange.log" "$expected_log"
	if grep -q "$alice_psk" "$work/$backend.exchange.log"; then
		fail "$backend log holds no PSK" "the PSK appears in the log"
	else
		pass "$backend log holds no PSK"
	fi
}

case_concurrent() {
	local out=$work/$backend.concurrent.out
	run_driver concurrent --url "$(url "$main_port")" --max-connections 2 \
		submit:300:request wait:30000 stats
	expect "$backend 300 concurrent requests all succeed" "$(nth_line "$out" results 1)" \
		n=300 ok=300 mikey_valid=300 pending=0
	expect "$backend 300 requests over two reused connections" "$(nth_line "$out" stats 1)" \
		"connections_opened=<=2" "connections_reused=>=298" retries=0
}

case_limits() {
	local out=$work/$backend.limits.out
	run_driver limits --url "$(url "$main_port")" --max-in-flight 10 \
		submit:50:request submit:1:big submit:1:empty wait:10000 stats
	expect "$backend max_in_flight rejects the excess" "$(nth_line "$out" submit 1)" \
		accepted=10 rejected_overloaded=40
	expect "$backend oversized body rejected at submit" "$(nth_line "$out" submit 2)" \
		accepted=0 rejected_invalid=1
	expect "$backend empty body rejected at submit" "$(nth_line "$out" submit 3)" \
		accepted=0 rejected_invalid=1
	expect "$backend accepted requests succeed" "$(nth_line "$out" results 1)" ok=10
}

case_wrong_ca() {
	local out=$work/$backend.wrong_ca.out
	run_driver wrong_ca --url "$(url "$main_port")" --ca "$work/other-ca.pem" \
		--breaker-failures 5 submit:20:request wait:10000 stats
	local results stats
	results=$(nth_line "$out" results 1)
	stats=$(nth_line "$out" stats 1)
	expect "$backend wrong CA gives TLS errors without retries" "$results" \
		n=20 ok=0 "tls_error=>=1" max_attempts=1
	# The fifth failure opens the breaker; the handshake still running on
	# the other connection (max_connections 2) may fail as a sixth.
	local tls breaker
	tls=$(field "$results" tls_error)
	breaker=$(field "$results" breaker_open)
	if [[ $((tls + breaker)) -eq 20 && $tls -ge 5 && $tls -le 6 ]]; then
		pass "$backend wrong CA: breaker stops the handshakes"
	else
		fail "$backend wrong CA: breaker stops the handshakes" \
			"tls_error=$tls breaker_open=$breaker"
	fi
	expect "$backend wrong CA: no retry storm" "$stats" retries=0 "connections_opened=<=6" \
		breaker_opens=1
	expect_log "$backend wrong CA logs the verification error" \
		"$work/$backend.wrong_ca.log" "certificate verification failed"
}

case_host_name() {
	local out=$work/$backend.host_name.out
	run_driver host_name --url "https://localhost:$wrongname_port/mikey" \
		submit:1:request wait:5000
	expect "$backend certificate for another host name is rejected" \
		"$(nth_line "$out" results 1)" tls_error=1 max_attempts=1
	out=$work/$backend.localhost.out
	run_driver localhost --url "https://localhost:$main_port/mikey" \
		submit:1:request wait:5000
	expect "$backend host name localhost verifies and connects" \
		"$(nth_line "$out" results 1)" ok=1 mikey_valid=1
}

case_mutual_tls() {
	local out=$work/$backend.mtls.out
	run_driver mtls --url "$(url "$mtls_port")" --cert "$work/client.pem" \
		--key "$work/client.key" submit:1:request wait:5000
	expect "$backend client certificate accepted by the KMS" \
		"$(nth_line "$out" results 1)" ok=1 mikey_valid=1
	out=$work/$backend.no_cert.out
	run_driver no_cert --url "$(url "$mtls_port")" --max-retries 2 submit:1:request wait:5000
	expect "$backend missing client certificate gives a TLS error" \
		"$(nth_line "$out" results 1)" tls_error=1 max_attempts=1
}

case_timeout() {
	local out=$work/$backend.timeout.out
	run_driver timeout --url "$(url "$silent_port")" --timeout-ms 300 --max-retries 2 \
		--backoff-ms 50 submit:1:request wait:10000 stats
	expect "$backend silent server times out after 3 attempts" \
		"$(nth_line "$out" results 1)" timeout=1 max_attempts=3 "max_latency_ms=>=900"
	expect "$backend timeouts counted" "$(nth_line "$out" stats 1)" timeouts=1 retries=2
}

case_chunked() {
	local out=$work/$backend.chunked.out
	run_driver chunked --url "$(url "$chunked_port")" submit:1:request wait:5000
	expect "$backend chunked response rejected" "$(nth_line "$out" results 1)" \
		http_error=1 status_200=1 max_attempts=1
	expect_log "$backend chunked response logged with its reason" \
		"$work/$backend.chunked.log" "chunked responses are not supported"
}

# lime-kms looks for idle connections once a second, so the "idle" server
# closes the connection 1 to 2 s after the first response.
case_reconnect() {
	local out=$work/$backend.reconnect.out
	run_driver reconnect --url "$(url "$idle_port")" \
		submit:1:request wait:5000 sleep:2600 submit:1:request wait:5000 stats
	expect "$backend request after the KMS closed the idle connection" \
		"$(nth_line "$out" results 2)" ok=1 max_attempts=1
	expect "$backend reconnect opens a second connection" "$(nth_line "$out" stats 1)" \
		connections_opened=2 retries=0
}

case_stale_connection() {
	local out=$work/$backend.stale.out
	run_driver stale --url "$(url "$once_port")" --max-retries 0 \
		submit:1:request wait:5000 submit:1:request wait:5000 stats
	expect "$backend stale keep-alive connection: request sent again" \
		"$(nth_line "$out" results 2)" ok=1 max_attempts=2
	expect "$backend stale keep-alive connection: no failure counted" \
		"$(nth_line "$out" stats 1)" connections_opened=2 connections_reused=1 retries=0 \
		unreachable=0
}

case_drain() {
	local out=$work/$backend.drain.out
	run_driver drain --url "$(url "$silent_port")" --timeout-ms 5000 \
		submit:3:request drain:200 submit:1:request stats
	expect "$backend drain fails outstanding requests with shutdown" \
		"$(nth_line "$out" results 1)" n=3 shutdown=3 pending=0
	expect "$backend submissions after drain are rejected" "$(nth_line "$out" submit 2)" \
		accepted=0 rejected_shutdown=1
}

# waits until FILE contains TEXT, at most 10 s.
wait_for_text() {
	for _ in $(seq 1 100); do
		grep -qs -- "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

case_breaker() {
	local out=$work/$backend.breaker.out log=$work/$backend.breaker.log
	rm -f "$work/stopped" "$work/back"
	if ! start_kms flaky; then
		fail "$backend breaker" "lime-kms flaky did not start"
		return
	fi
	timeout 60 "$driver" --backend "$backend" --ca "$work/ca.pem" --url "$(url "$flaky_port")" \
		--timeout-ms 1000 --max-retries 1 --backoff-ms 50 --breaker-failures 3 \
		--breaker-open-ms 1500 \
		submit:1:request wait:5000 "waitfile:$work/stopped:10000" \
		submit:1:request wait:5000 submit:1:request wait:5000 submit:3:request stats \
		"waitfile:$work/back:10000" sleep:1600 \
		submit:1:request wait:5000 submit:5:request wait:5000 stats >"$out" 2>"$log" &
	local driver_pid=$!
	wait_for_text "$out" "waiting for $work/stopped"
	stop_kms flaky
	touch "$work/stopped"
	wait_for_text "$out" "waiting for $work/back"
	start_kms flaky
	touch "$work/back"
	wait "$driver_pid"
	check_driver_exit breaker $?

	expect "$backend breaker: KMS up responds" "$(nth_line "$out" results 1)" ok=1
	expect "$backend breaker: KMS stopped gives unreachable after a retry" \
		"$(nth_line "$out" results 2)" unreachable=1 max_attempts=2
	expect "$backend breaker: third failure opens it without retry" \
		"$(nth_line "$out" results 3)" unreachable=1 max_attempts=1
	expect "$backend breaker: open breaker rejects submissions" \
		"$(nth_line "$out" submit 4)" accepted=0 rejected_breaker_open=3
	expect "$backend breaker: opened once, rejections counted" "$(nth_line "$out" stats 1)" \
		breaker_opens=1 rejected_breaker=3 retries=1
	expect "$backend breaker: trial succeeds once the KMS is back" \
		"$(nth_line "$out" results 4)" ok=1 mikey_valid=1
	expect "$backend breaker: closed again after the trial" "$(nth_line "$out" results 5)" \
		ok=5 mikey_valid=5
	expect_log "$backend breaker: opening logged" "$log" "KMS circuit breaker open for 1500 ms"
	expect_log "$backend breaker: closing logged" "$log" "KMS circuit breaker closed"
	stop_kms flaky
}

# Where io_uring_queue_init() fails, the default backend falls back to
# epoll and logs the reason, and an explicit io_uring request fails the
# start. A sanitizer runtime would otherwise insist on coming before the
# preloaded shim, hence verify_asan_link_order=0.
case_fallback() {
	local shim=$build_dir/tests/kms_client/no_io_uring.so out=$work/fallback.out
	local asan="${ASAN_OPTIONS:-}:verify_asan_link_order=0"
	ASAN_OPTIONS=$asan LD_PRELOAD=$shim timeout 60 "$driver" --ca "$work/ca.pem" --url "$(url "$main_port")" \
		submit:1:request wait:5000 >"$out" 2>"$work/fallback.log"
	expect_log "io_uring unavailable: default backend falls back to epoll" "$work/fallback.log" \
		"KMS client: epoll (io_uring_queue_init failed: Operation not permitted)"
	expect "io_uring unavailable: epoll fallback works" "$(nth_line "$out" results 1)" \
		ok=1 mikey_valid=1
	ASAN_OPTIONS=$asan LD_PRELOAD=$shim timeout 60 "$driver" --backend uring --ca "$work/ca.pem" \
		--url "$(url "$main_port")" >"$out" 2>&1
	local status=$?
	if [[ $status -eq 1 ]] && grep -q "io_uring is not available" "$out"; then
		pass "io_uring unavailable: explicit io_uring fails the start"
	else
		fail "io_uring unavailable: explicit io_uring fails the start" \
			"status $status: $(head -c 300 "$out")"
	fi
}

if [[ -f "$build_dir/tests/kms_client/no_io_uring.so" ]]; then
	case_fallback
else
	fail "io_uring unavailable" "$build_dir/tests/kms_client/no_io_uring.so is missing"
fi

for backend in uring epoll; do
	if [[ $backend == uring ]]; then
		"$driver" --backend uring --url "$(url "$main_port")" --ca "$work/ca.pem" \
			>"$work/probe.out" 2>&1
		if grep -q "io_uring is not available" "$work/probe.out"; then
			echo "SKIP kms_client io_uring cases: $(grep -o 'io_uring is not available.*' "$work/probe.out")"
			continue
		fi
	fi
	case_exchange
	case_concurrent
	case_limits
	case_wrong_ca
	case_host_name
	case_mutual_tls
	case_timeout
	case_chunked
	case_reconnect
	case_stale_connection
	case_drain
	case_breaker
done
