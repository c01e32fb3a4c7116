#!/usr/bin/env bash
# Run lime-lemf on loopback and check what it does with PS-PDUs from
# tests/lemf/lemf_client.py: keep-alive responses, iri.jsonl, cc.pcap, WAV
# files, records split at every byte, garbage and truncated input, sequence
# gaps and duplicates, and a clean exit with summary.json on SIGTERM.
#
# Usage: lemf_cases.sh BUILD_DIR
#
# Prints "PASS lemf CASE" or "FAIL lemf CASE: REASON" per case, then
# "N passed, N failed". Exits 1 when a case failed and 2 on a usage error.
# The output folder and log are kept when a case fails, and their path
# printed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
lemf=$build_dir/lime-lemf
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
client=$script_dir/../lemf/lemf_client.py

if [[ ! -x "$lemf" ]]; then
	echo "lime-lemf not found or not executable at $lemf: build it with 'meson compile -C $build_dir'" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-lemf-cases.XXXXXX")
out=$work/out
log=$work/lemf.log
passed=0
failed=0
lemf_pid=

finish() {
	if [[ -n "$lemf_pid" ]]; then
		kill -TERM "$lemf_pid" 2>/dev/null
		wait "$lemf_pid" 2>/dev/null
	fi
	echo "$passed passed, $failed failed"
	if [[ $failed -gt 0 ]]; then
		echo "lime-lemf output and log kept in $work"
		exit 1
	fi
	rm -rf -- "$work"
	exit 0
}

pass() {
	echo "PASS lemf $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL lemf $1: $2"
	failed=$((failed + 1))
}

# Prints two TCP ports that were free on 127.0.0.1 a moment ago.
free_ports() {
	"$python" - <<'PY'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

# Starts lime-lemf on free ports; sets lemf_pid, hi2_port and hi3_port.
start_lemf() {
	for _ in 1 2 3 4 5; do
		read -r hi2_port hi3_port < <(free_ports)
		"$lemf" --hi2 "127.0.0.1:$hi2_port" --hi3 "127.0.0.1:$hi3_port" \
			--out "$out" --max-pdu 65536 "$@" 2>>"$log" &
		lemf_pid=$!
		for _ in $(seq 50); do
			if "$python" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close()' \
				"$hi3_port" 2>/dev/null; then
				return 0
			fi
			kill -0 "$lemf_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -TERM "$lemf_pid" 2>/dev/null
		wait "$lemf_pid" 2>/dev/null
		lemf_pid=
	done
	return 1
}

# Runs one client scenario; prints nothing and returns 0 when it printed "ok".
run_client() {
	local result
	result=$("$python" "$client" "$1" 127.0.0.1 "$hi2_port" "$hi3_port" 2>&1)
	if [[ "$result" != ok ]]; then
		echo "$result" | tail -n 3
		return 1
	fi
}

client_case() {
	local name=$1 scenario=$2 reason
	if reason=$(run_client "$scenario"); then
		pass "$name"
	else
		fail "$name" "$reason"
	fi
}

# --- bad options ----------------------------------------------------------

check_usage() {
	local name=$1
	shift
	"$lemf" "$@" >/dev/null 2>"$work/usage.err"
	local status=$?
	if [[ $status -ne 2 ]]; then
		fail "$name" "exit status $status, expected 2"
	elif [[ $(wc -l <"$work/usage.err") -lt 1 ]]; then
		fail "$name" "no error message"
	else
		pass "$name"
	fi
}

check_usage "bad hi2 address" --hi2 localhost --hi3 127.0.0.1:1 --out "$work/x"
check_usage "bad max-pdu" --hi2 127.0.0.1:1 --hi3 127.0.0.1:2 --out "$work/x" --max-pdu 12
check_usage "missing out" --hi2 127.0.0.1:1 --hi3 127.0.0.1:2

read -r busy_port _ < <(free_ports)
"$python" -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen()
time.sleep(3)' "$busy_port" &
holder=$!
sleep 0.3
"$lemf" --hi2 "127.0.0.1:$busy_port" --hi3 127.0.0.1:1 --out "$work/busy" 2>/dev/null
status=$?
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
if [[ $status -eq 1 ]]; then
	pass "port in use"
else
	fail "port in use" "exit status $status, expected 1"
fi

# --- one lime-lemf for the protocol cases ---------------------------------

if ! start_lemf; then
	fail "start" "lime-lemf did not listen; see $log"
	finish
fi

client_case "keepalive answered" keepalive

if reason=$(run_client iri); then
	if reason=$("$python" - "$out/LIID-A/iri.jsonl" 2>&1 <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
assert len(lines) == 4, "%d lines in iri.jsonl, expected 4" % len(lines)
recs = [json.loads(line) for line in lines]
assert [r["type"] for r in recs] == ["BEGIN", "CONTINUE", "END", "REPORT"], [r["type"] for r in recs]
assert [r["seq"] for r in recs] == [0, 1, 2, 3], [r["seq"] for r in recs]
assert all(r["cin"] == 5 for r in recs), "cin"
assert recs[0]["time"] == "2023-11-14T22:13:21.123456Z", recs[0]["time"]
assert recs[0]["seconds"] == 1700000001, "raw seconds %r" % recs[0]["seconds"]
assert recs[0]["microseconds"] == 123456, "raw microseconds %r" % recs[0]["microseconds"]
assert recs[0]["src"] == "192.0.2.1", "IPv4 source %r" % recs[0]["src"]
assert recs[0]["dst"] == "198.51.100.2", "IPv4 destination %r" % recs[0]["dst"]
assert recs[1]["src"] == "2001:db8::1", "IPv6 address %r" % recs[1]["src"]
assert recs[0]["sip"].startswith("INVITE sip:bob@example.org SIP/2.0\r\n"), "SIP text"
assert 'Subject: "quoted" \\ back\tslash' in recs[0]["sip"], "escaped SIP text"
assert recs[2]["sip"] == "BYE sip:bob@example.org SIP/2.0\r\n\u00ff\r\n\r\n", "invalid UTF-8 byte"
a = recs[3]["alarm"]
assert a["kind"] == "mikey_auth_failed", "alarm kind %r" % a["kind"]
assert a["reason"] == "MAC mismatch", "alarm reason %r" % a["reason"]
assert a["call_id"] == "call-1@example.org", a
PY
	); then
		pass "iri jsonl written"
	else
		fail "iri jsonl written" "$(echo "$reason" | tail -n 1)"
	fi
else
	fail "iri jsonl written" "$reason"
fi

if reason=$(run_client cc); then
	if ! command -v tcpdump >/dev/null; then
		echo "SKIP lemf cc pcap readable: tcpdump is not installed"
	elif ! dump=$(tcpdump -nr "$out/LIID-A/cc.pcap" 2>&1); then
		fail "cc pcap readable" "tcpdump -r failed: $(echo "$dump" | tail -n 1)"
	elif [[ $(echo "$dump" | grep -c ' UDP, length') -ne 10 ]]; then
		fail "cc pcap readable" "expected 10 UDP packets, tcpdump printed: $(echo "$dump" | head -n 3)"
	elif ! echo "$dump" | grep -q 'IP6 2001:db8::1.40000 > 2001:db8::2.40002'; then
		fail "cc pcap readable" "IPv6 packet missing"
	else
		pass "cc pcap readable"
	fi
else
	fail "cc pcap readable" "$reason"
fi

if reason=$(run_client split); then
	lines=$(wc -l <"$out/LIID-SPLIT/iri.jsonl" 2>/dev/null || echo 0)
	if [[ $lines -ne 2 ]]; then
		fail "split at every byte" "$lines lines in LIID-SPLIT/iri.jsonl, expected 2"
	else
		pass "split at every byte"
	fi
else
	fail "split at every byte" "$reason"
fi

client_case "garbage closes connection" garbage
client_case "truncated record no crash" truncated

if reason=$(run_client sequence); then
	pass "sequence client"
else
	fail "sequence client" "$reason"
fi

# --- SIGTERM and summary.json ---------------------------------------------

kill -TERM "$lemf_pid"
wait "$lemf_pid"
status=$?
lemf_pid=
if [[ $status -ne 0 ]]; then
	fail "sigterm exit 0" "exit status $status"
elif [[ ! -s "$out/summary.json" ]]; then
	fail "sigterm exit 0" "no summary.json"
else
	pass "sigterm exit 0"
fi

# The WAV headers are final after exit. Python's wave module reads only
# PCM, so the G.711 header is checked field by field.
if reason=$("$python" - "$out/LIID-A" 2>&1 <<'PY'
import os, struct, sys
def check(path, fmt, samples, packet):
    data = open(path, "rb").read()
    assert data[:4] == b"RIFF", "%s: no RIFF tag" % path
    assert data[8:12] == b"WAVE", "%s: no WAVE tag" % path
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8, "%s: RIFF size" % path
    off = 12
    chunks = {}
    while off + 8 <= len(data):
        cid, size = data[off:off + 4], struct.unpack("<I", data[off + 4:off + 8])[0]
        chunks[cid] = (off + 8, size)
        off += 8 + size + (size & 1)
    assert off == len(data), "%s: chunk sizes do not add up" % path
    o, n = chunks[b"fmt "]
    tag, ch, rate, bps, align, bits = struct.unpack("<HHIIHH", data[o:o + 16])
    assert (tag, ch, rate, bps, align, bits) == (fmt, 1, 8000, 8000, 1, 8), (tag, ch, rate, bps, align, bits)
    o, n = chunks[b"fact"]
    assert struct.unpack("<I", data[o:o + 4])[0] == samples, "%s: fact sample count" % path
    o, n = chunks[b"data"]
    assert n == samples, "%s: %d data bytes, expected %d" % (path, n, samples)
    # Packet k of the client carries the bytes k, k+1, ... in that order.
    want = b"".join(bytes((k + i) & 0xFF for i in range(packet)) for k in range(samples // packet))
    assert data[o:o + n] == want, "%s: samples differ from those sent" % path
d = sys.argv[1]
check(os.path.join(d, "5-11223344-fromTarget.wav"), 7, 5 * 160, 160)
check(os.path.join(d, "5-aabbccdd-toTarget.wav"), 6, 3 * 80, 80)
wavs = sorted(f for f in os.listdir(d) if f.endswith(".wav"))
assert len(wavs) == 2, "WAV files: %s" % wavs
PY
); then
	pass "wav playable"
else
	fail "wav playable" "$(echo "$reason" | tail -n 1)"
fi

if reason=$("$python" - "$out/summary.json" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
seq = s["liids"]["LIID-SEQ"]
iri, cc = seq["iri_sequence"], seq["cc_sequence"]
assert (iri["gaps"], iri["missing"], iri["late"], iri["duplicates"]) == (1, 1, 1, 2), "IRI %r" % iri
assert (cc["gaps"], cc["missing"], cc["duplicates"]) == (1, 3, 1), "CC %r" % cc
assert seq["iri_records"] == 5, "LIID-SEQ iri_records %r" % seq["iri_records"]
assert s["liids"]["LIID-A"]["iri_records"] == 4, "LIID-A iri_records"
assert s["liids"]["LIID-A"]["cc_records"] == 10, "LIID-A cc_records"
assert s["liids"]["LIID-A"]["alarms"] == 1, "LIID-A alarms"
assert s["decode_errors"] == 2, "decode_errors %r" % s["decode_errors"]
assert s["oversized_pdus"] == 1, "oversized_pdus %r" % s["oversized_pdus"]
assert s["connections"]["truncated_at_close"] == 2, "truncated_at_close %r" % s["connections"]["truncated_at_close"]
assert s["keepalives_answered"] == s["pdus"]["keepalive"] >= 10, "keep-alives %r" % s["keepalives_answered"]
PY
); then
	pass "summary counts"
else
	fail "summary counts" "$(echo "$reason" | tail -n 1)"
fi

if grep -q 'runtime error\|AddressSanitizer' "$log"; then
	fail "no sanitizer reports" "$(grep -m1 'runtime error\|AddressSanitizer' "$log")"
fi

finish
