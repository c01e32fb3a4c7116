#!/usr/bin/env bash
# Run the delivery engine (control/delivery) through its test driver
# against lime-lemf and misbehaving peers on loopback, once per I/O
# backend (io_uring and epoll). The cases: every record arrives with
# contiguous sequence numbers. An agency that is down, stalled (SIGSTOP),
# resetting its connection, silent or sending garbage loses nothing. A
# restart and a crash of lime replay the spool first. Reloads, TLS
# delivery and a full spool.
#
# Usage: delivery_cases.sh BUILD_DIR
#
# Prints "PASS delivery BACKEND CASE" or "FAIL delivery BACKEND CASE:
# REASON" per case, then "N passed, N failed". Exits 1 when a case failed
# and 2 on a usage error. The work folder is kept when a case fails.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
driver=$build_dir/control/delivery/delivery_driver
lemf=$build_dir/lime-lemf
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
peers=$script_dir/../delivery/lea_peers.py

for prog in "$driver" "$lemf"; do
	if [[ ! -x "$prog" ]]; then
		echo "$prog not found or not executable: build it with 'meson compile -C $build_dir'" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-delivery-cases.XXXXXX")
passed=0
failed=0
pids=()

stop_pid() {
	local pid=$1
	kill -CONT "$pid" 2>/dev/null
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup() {
	for pid in "${pids[@]}"; do
		stop_pid "$pid"
	done
	pids=()
}

finish() {
	cleanup
	echo "$passed passed, $failed failed"
	if [[ $failed -gt 0 ]]; then
		echo "delivery work folder kept in $work"
		exit 1
	fi
	rm -rf -- "$work"
	exit 0
}
trap 'cleanup; exit 1' INT TERM

pass() {
	echo "PASS delivery $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL delivery $1: $2"
	failed=$((failed + 1))
}

# Prints N TCP ports that were free on 127.0.0.1 a moment ago. They come
# from below the kernel's ephemeral range, so that the client sockets of
# the cases cannot take them before a listener starts.
free_ports() {
	"$python" - "$1" <<'PY'
import random, socket, sys
low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
high = low if low > 11000 else 65536
socks = []
while len(socks) < int(sys.argv[1]):
    port = random.randrange(10000, high)
    try:
        s = socket.socket()
        s.bind(("127.0.0.1", port))
    except OSError:
        s.close()
        continue
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

wait_listening() {
	local port=$1 pid=$2
	for _ in $(seq 50); do
		if "$python" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' \
			"$port" 2>/dev/null; then
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# Starts lime-lemf on HI2 and HI3 ports writing to OUT; sets lemf_pid.
start_lemf() {
	local hi2=$1 hi3=$2 out=$3
	timeout 120 "$lemf" --hi2 "127.0.0.1:$hi2" --hi3 "127.0.0.1:$hi3" \
		--out "$out" 2>>"$out.log" &
	lemf_pid=$!
	pids+=("$lemf_pid")
	wait_listening "$hi3" "$lemf_pid"
}

# Starts lime-lemf writing to OUT on ports it picks, trying new ones when
# another program took them first; sets lemf_pid, p2 and p3.
start_lemf_anywhere() {
	for _ in 1 2 3 4 5; do
		read -r p2 p3 < <(free_ports 2)
		start_lemf "$p2" "$p3" "$1" && return 0
		stop_lemf
	done
	return 1
}

# Starts lea_peers.py with its arguments; sets peer_pid.
start_peer() {
	local log=$1
	shift
	timeout 120 "$python" "$peers" "$@" >"$log" 2>&1 &
	peer_pid=$!
	pids+=("$peer_pid")
	for _ in $(seq 50); do
		grep -q ready "$log" 2>/dev/null && return 0
		kill -0 "$peer_pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_lemf() {
	stop_pid "$lemf_pid"
}

# Runs the driver with a time limit; its stderr goes to DIR/driver.log.
run_driver() {
	local dir=$1
	shift
	timeout 60 "$driver" --backend "$backend" --stats "$dir/stats.json" \
		"$@" 2>>"$dir/driver.log"
}

# Checks lime-lemf's summary: every LIID has N IRI and N CC records with
# no gap, missing or late sequence number; "nodup" also forbids
# duplicates.
check_lemf() {
	"$python" - "$1/summary.json" "$2" "${3:-}" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
n = int(sys.argv[2])
for liid in ("LIID-A", "LIID-B"):
    v = s["liids"].get(liid)
    assert v is not None, "no records for %s" % liid
    assert v["iri_records"] == n, "%s: %d IRI records, expected %d" % (liid, v["iri_records"], n)
    assert v["cc_records"] == n, "%s: %d CC records, expected %d" % (liid, v["cc_records"], n)
    for kind in ("iri_sequence", "cc_sequence"):
        q = v[kind]
        assert q["gaps"] == 0, "%s %s: %d gaps" % (liid, kind, q["gaps"])
        assert q["missing"] == 0, "%s %s: %d missing" % (liid, kind, q["missing"])
        assert q["late"] == 0, "%s %s: %d late" % (liid, kind, q["late"])
        if sys.argv[3] == "nodup":
            assert q["duplicates"] == 0, "%s %s: %d duplicates" % (liid, kind, q["duplicates"])
PY
}

# Evaluates a Python expression over the driver's stats as "s".
check_stats() {
	"$python" - "$1/stats.json" "$2" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), "%s is false in %s" % (sys.argv[2], json.dumps(s))
PY
}

new_case() {
	case_dir=$work/$backend-$1
	mkdir -p "$case_dir"
}

case_result() {
	local name=$1 reason=$2
	if [[ -z "$reason" ]]; then
		pass "$backend $name"
	else
		fail "$backend $name" "$reason"
	fi
}

# --- cases -------------------------------------------------------------------

case_all_arrive() {
	local reason=""
	new_case all
	start_lemf_anywhere "$case_dir/out" || reason="lime-lemf did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3" --records 300 \
		--wait-delivered-ms 10000; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 300 nodup 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["liids"]["LIID-A"]["delivered"] == [300, 300] and s["records_lost"] == 0' 2>&1 | tail -n 1)
	case_result "all records arrive" "$reason"
}

case_agency_late() {
	local reason=""
	new_case late
	read -r p2 p3 < <(free_ports 2)
	run_driver "$case_dir" --spool "$case_dir/spool" --hi2 "127.0.0.1:$p2" \
		--hi3 "127.0.0.1:$p3" --records 600 --interval-us 2000 \
		--wait-delivered-ms 15000 &
	local drv=$!
	sleep 0.6
	start_lemf "$p2" "$p3" "$case_dir/out" || reason="lime-lemf did not start"
	wait "$drv" || reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 600 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["records_spooled"] > 0 and s["records_replayed"] > 0 and s["connect_failures"] > 0' 2>&1 | tail -n 1)
	case_result "agency down then up" "$reason"
}

case_agency_stalled() {
	local reason=""
	new_case stalled
	start_lemf_anywhere "$case_dir/out" || reason="lime-lemf did not start"
	run_driver "$case_dir" --spool "$case_dir/spool" --hi2 "127.0.0.1:$p2" \
		--hi3 "127.0.0.1:$p3" --records 2000 --cc-bytes 6000 \
		--interval-us 700 --wait-delivered-ms 20000 &
	local drv=$!
	sleep 0.5
	# lemf_pid is the timeout wrapper; stop lime-lemf itself, its child.
	local child
	child=$(pgrep -P "$lemf_pid" -x lime-lemf)
	kill -STOP "$child"
	sleep 1.5
	kill -CONT "$child"
	wait "$drv" || reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 2000 2>&1 | tail -n 1)
	# The stall outlasts what the socket buffers hold, so records wait
	# in the spool.
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" 's["records_spooled"] > 0' 2>&1 | tail -n 1)
	case_result "agency stalled then resumed" "$reason"
}

# CINs of DIR/LIID-A/iri.jsonl in file order must be all 1s, then all 2s.
check_replay_order() {
	"$python" - "$1/LIID-A/iri.jsonl" <<'PY'
import json, sys
cins = [json.loads(line)["cin"] for line in open(sys.argv[1])]
assert cins == [1] * 100 + [2] * 100, "CIN order %s...%s" % (cins[:3], cins[-3:])
PY
}

case_restart() {
	local reason=""
	new_case restart
	read -r p2 p3 < <(free_ports 2)
	local args=(--spool "$case_dir/spool" --hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3"
		--records 100 --offline)
	run_driver "$case_dir" "${args[@]}" || reason="first run failed: $(tail -n 1 "$case_dir/driver.log")"
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["records_spooled"] == 400 and s["records_pending"] == 400 and s["liids"]["LIID-A"]["cin"] == 1' 2>&1 | tail -n 1)
	if [[ -z "$reason" ]]; then
		start_lemf "$p2" "$p3" "$case_dir/out" || reason="lime-lemf did not start"
		run_driver "$case_dir" "${args[@]}" || reason="second run failed: $(tail -n 1 "$case_dir/driver.log")"
		stop_lemf
	fi
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 200 nodup 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_replay_order "$case_dir/out" 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["records_replayed"] == 400 and s["liids"]["LIID-A"]["cin"] == 2' 2>&1 | tail -n 1)
	if [[ -z "$reason" ]] && ls "$case_dir"/spool/agencies/*/*/*.seg >/dev/null 2>&1; then
		reason="spool segments left after every record was delivered"
	fi
	case_result "restart replays spool first" "$reason"
}

case_crash() {
	local reason=""
	new_case crash
	read -r p2 p3 < <(free_ports 2)
	local args=(--spool "$case_dir/spool" --hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3"
		--records 100 --offline)
	run_driver "$case_dir" "${args[@]}" --crash
	local status=$?
	[[ $status -ne 3 ]] && reason="crashing run ended with status $status, expected 3"
	# A crash in the middle of an append leaves part of a record behind.
	local seg
	seg=$(ls "$case_dir"/spool/agencies/lea-1/hi3/*.seg 2>/dev/null | tail -n 1)
	if [[ -z "$reason" && -z "$seg" ]]; then
		reason="no HI3 spool segment after the crash"
	elif [[ -z "$reason" ]]; then
		printf 'REC1\x40\x00\x00\x00partial' >>"$seg"
		start_lemf "$p2" "$p3" "$case_dir/out" || reason="lime-lemf did not start"
		run_driver "$case_dir" "${args[@]}" || reason="run after the crash failed: $(tail -n 1 "$case_dir/driver.log")"
		stop_lemf
	fi
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 200 2>&1 | tail -n 1)
	if [[ -z "$reason" ]] && ! grep -q 'incomplete or damaged record' "$case_dir/driver.log"; then
		reason="the torn record was not reported"
	fi
	case_result "crash keeps the spool" "$reason"
}

case_reset() {
	local reason=""
	new_case reset
	read -r x2 x3 < <(free_ports 2)
	start_lemf_anywhere "$case_dir/out" || reason="lime-lemf did not start"
	# The proxy resets the first connection of each port inside a record.
	start_peer "$case_dir/peer.log" reset-proxy "$x2" "$x3" "$p2" "$p3" 5000 ||
		reason="proxy did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$x2" --hi3 "127.0.0.1:$x3" --records 300 \
		--interval-us 2000 --wait-delivered-ms 15000; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_pid "$peer_pid"
	sleep 0.2
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 300 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" 's["disconnects"] >= 2' 2>&1 | tail -n 1)
	case_result "connection reset mid-record" "$reason"
}

case_keepalive_timeout() {
	local reason=""
	new_case silent
	read -r p2 p3 < <(free_ports 2)
	start_peer "$case_dir/peer.log" silent "$p2" "$p3" || reason="silent listener did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3" --records 0 \
		--keepalive-s 1 --keepalive-wait-ms 300 --hold-ms 2500; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_pid "$peer_pid"
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["keepalive_timeouts"] >= 2 and s["connects"] >= 4 and s["disconnects"] >= 2' 2>&1 | tail -n 1)
	case_result "keepalive timeout reconnects" "$reason"
}

case_keepalive_answered() {
	local reason=""
	new_case keepalive
	start_lemf_anywhere "$case_dir/out" || reason="lime-lemf did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3" --records 1 \
		--keepalive-s 1 --keepalive-wait-ms 500 --hold-ms 2300; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["keepalives_sent"] >= 2 and s["keepalive_timeouts"] == 0 and s["disconnects"] == 0' 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$("$python" -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["keepalives_answered"] >= 2, "lime-lemf answered %d keep-alives" % s["keepalives_answered"]
' "$case_dir/out/summary.json" 2>&1 | tail -n 1)
	case_result "keepalive answered" "$reason"
}

case_garbage() {
	local reason=""
	new_case garbage
	read -r p2 p3 < <(free_ports 2)
	start_peer "$case_dir/peer.log" garbage "$p2" "$p3" || reason="garbage peer did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3" --records 5 --hold-ms 800; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_pid "$peer_pid"
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["bad_responses"] >= 2 and s["records_lost"] == 0' 2>&1 | tail -n 1)
	if [[ -z "$reason" ]] && ! grep -q 'do not start a PS-PDU' "$case_dir/driver.log"; then
		reason="garbage was not logged"
	fi
	case_result "garbage from agency" "$reason"
}

case_spool_full() {
	local reason=""
	new_case quota
	read -r p2 p3 < <(free_ports 2)
	run_driver "$case_dir" --spool "$case_dir/spool" --hi2 "127.0.0.1:$p2" \
		--hi3 "127.0.0.1:$p3" --records 200 --offline --quota 20000 --drain-ms 1000
	local status=$?
	[[ $status -ne 1 ]] && reason="driver ended with status $status, expected 1 (drain timed out)"
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["spool_full_events"] >= 1 and s["spool_bytes"] <= 20000 and not s["drained"]' 2>&1 | tail -n 1)
	if [[ -z "$reason" ]] && ! grep -q 'spool_full' "$case_dir/driver.log"; then
		reason="no spool_full line in the log"
	fi
	if [[ -z "$reason" ]] && ! grep -q 'records lost at stop' "$case_dir/driver.log"; then
		reason="records lost at stop were not logged"
	fi
	case_result "spool quota reached" "$reason"
}

# Sequence numbers of DIR/LIID-A/iri.jsonl must run from FIRST to LAST.
check_seq_range() {
	"$python" - "$1/LIID-A/iri.jsonl" "$2" "$3" <<'PY'
import json, sys
seqs = [json.loads(line)["seq"] for line in open(sys.argv[1])]
want = list(range(int(sys.argv[2]), int(sys.argv[3]) + 1))
assert seqs == want, "sequence numbers %s...%s, expected %s...%s" % (seqs[:2], seqs[-2:], want[:2], want[-2:])
PY
}

case_reload() {
	local reason=""
	new_case reload
	start_lemf_anywhere "$case_dir/out" || reason="lime-lemf did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$p2" --hi3 "127.0.0.1:$p3" --records 200 --reload \
		--wait-delivered-ms 10000; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 200 nodup 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir" \
		's["connects"] == 2 and s["disconnects"] == 0' 2>&1 | tail -n 1)
	case_result "reload keeps connections" "$reason"

	# The agency moves to a second receiver after half of the records.
	reason=""
	mkdir -p "$case_dir/moved"
	start_lemf_anywhere "$case_dir/moved/old" || reason="first lime-lemf did not start"
	local old_pid=$lemf_pid old2=$p2 old3=$p3
	start_lemf_anywhere "$case_dir/moved/new" || reason="second lime-lemf did not start"
	if [[ -z "$reason" ]] && ! run_driver "$case_dir/moved" --spool "$case_dir/moved/spool" \
		--hi2 "127.0.0.1:$old2" --hi3 "127.0.0.1:$old3" --records 200 --reload \
		--reload-hi2 "127.0.0.1:$p2" --reload-hi3 "127.0.0.1:$p3" \
		--wait-delivered-ms 10000; then
		reason="driver failed: $(tail -n 1 "$case_dir/moved/driver.log")"
	fi
	stop_lemf
	stop_pid "$old_pid"
	[[ -z "$reason" ]] && reason=$(check_seq_range "$case_dir/moved/old" 0 99 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_seq_range "$case_dir/moved/new" 100 199 2>&1 | tail -n 1)
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir/moved" \
		's["connects"] == 4 and s["records_resent"] == 0' 2>&1 | tail -n 1)
	case_result "reload moves agency" "$reason"
}

# Writes a CA and a server certificate for 127.0.0.1 into DIR, and a
# second CA that did not sign it.
make_certs() {
	local dir=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=test CA" \
		-keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null &&
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
		-keyout "$dir/other.key" -out "$dir/other.pem" 2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=lea" \
		-keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/san.ext" &&
	openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
		-CAcreateserial -days 2 -extfile "$dir/san.ext" -out "$dir/server.pem" 2>/dev/null
}

case_tls() {
	local reason=""
	new_case tls
	if ! command -v openssl >/dev/null; then
		echo "SKIP delivery $backend tls: the openssl command is not installed"
		return
	fi
	make_certs "$case_dir" || reason="cannot make test certificates"
	read -r x2 x3 < <(free_ports 2)
	[[ -z "$reason" ]] && { start_lemf_anywhere "$case_dir/out" || reason="lime-lemf did not start"; }
	[[ -z "$reason" ]] && { start_peer "$case_dir/peer.log" tls-proxy "$x2" "$x3" "$p2" "$p3" \
		"$case_dir/server.pem" "$case_dir/server.key" || reason="TLS proxy did not start"; }
	if [[ -z "$reason" ]] && ! run_driver "$case_dir" --spool "$case_dir/spool" \
		--hi2 "127.0.0.1:$x2" --hi3 "127.0.0.1:$x3" --records 200 \
		--tls --ca "$case_dir/ca.pem" --wait-delivered-ms 10000; then
		reason="driver failed: $(tail -n 1 "$case_dir/driver.log")"
	fi
	stop_pid "$peer_pid"
	sleep 0.2
	stop_lemf
	[[ -z "$reason" ]] && reason=$(check_lemf "$case_dir/out" 200 2>&1 | tail -n 1)
	case_result "tls delivery" "$reason"

	# The same proxy with a CA that did not sign its certificate.
	reason=""
	mkdir -p "$case_dir/wrong"
	start_peer "$case_dir/wrong/peer.log" tls-proxy "$x2" "$x3" "$p2" "$p3" \
		"$case_dir/server.pem" "$case_dir/server.key" || reason="TLS proxy did not start"
	run_driver "$case_dir/wrong" --spool "$case_dir/wrong/spool" \
		--hi2 "127.0.0.1:$x2" --hi3 "127.0.0.1:$x3" --records 10 \
		--tls --ca "$case_dir/other.pem" --hold-ms 500
	stop_pid "$peer_pid"
	[[ -z "$reason" ]] && reason=$(check_stats "$case_dir/wrong" \
		's["connects"] == 0 and s["records_delivered"] == 0 and s["records_spooled"] == 40' 2>&1 | tail -n 1)
	if [[ -z "$reason" ]] && ! grep -q 'certificate verification failed' "$case_dir/wrong/driver.log"; then
		reason="the verification failure was not logged"
	fi
	case_result "tls wrong ca rejected" "$reason"
}

# --- both backends -------------------------------------------------------------

for backend in uring epoll; do
	probe=$work/probe-$backend
	mkdir -p "$probe"
	if ! "$driver" --backend "$backend" --spool "$probe/spool" --hi2 127.0.0.1:1 \
		--hi3 127.0.0.1:1 --records 0 --drain-ms 100 2>"$probe/driver.log"; then
		echo "SKIP delivery $backend: $(grep -m1 -v notice "$probe/driver.log")"
		continue
	fi
	case_all_arrive
	case_agency_late
	case_agency_stalled
	case_restart
	case_crash
	case_reset
	case_keepalive_timeout
	case_keepalive_answered
	case_garbage
	case_spool_full
	case_reload
	case_tls
	cleanup
done

if grep -rq 'runtime error\|AddressSanitizer' "$work" 2>/dev/null; then
	fail "sanitizers" "$(grep -rm1 'runtime error\|AddressSanitizer' "$work")"
fi

finish
