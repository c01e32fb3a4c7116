#!/usr/bin/env bash
# End to end: lime-callgen makes SDES and MIKEY-TICKET calls through a
# lime-kms on loopback, with the three attack scenarios. lime decrypts the
# capture and delivers HI2 and HI3 to a lime-lemf. The checks against the
# ground truth: every IRI and CC record arrives, sequence numbers have no
# gaps, the WAV files equal the plaintext audio, and the attacks arrive as
# IRI-REPORTs. Then the same with the agency down during the run (records
# spooled, sent by the next start), and with it stalled and restarted
# mid-run (records resent; duplicates carry their sequence numbers).
# The first run uses epoll, the others io_uring where the kernel has it.
#
# Usage: handover_cases.sh BUILD_DIR
# Prints "PASS handover CHECK" or "FAIL handover CHECK: REASON" per check,
# then "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_begin handover handover "$@"
lemf_pid=
lime_pid=

stop_pid() {
	[[ -n "$1" ]] && kill -CONT "$1" 2>/dev/null && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
	return 0
}

lab_cleanup() {
	stop_pid "$lime_pid"
	stop_pid "$lemf_pid"
}

lab_make_certs || { fail certificates "openssl could not make the test certificates"; finish; }

# The KMS clock runs 20 s behind the capture start, so that tickets cover
# the calls; lime's requests carry the wall clock (max_clock_skew_s: 0).
kms_port=$(free_port)
lab_write_kms_config "$work/kms.yaml" "$kms_port" -20 --fixed-ticket-key --max-skew 0 \
	--reusable true
lab_start_kms "$work/kms.yaml" "$work/kms.log" ||
	{ fail kms_start "lime-kms did not start (see $work/kms.log)"; finish; }

if ! timeout 120 "$build/lime-callgen" --out "$work/calls.pcap" --truth "$work/calls.json" \
	--calls 12 --concurrency 4 --duration 2 --target-share 0.5 --targets 2 --keying mixed \
	--transport mixed --seed 21 --quiet \
	--attack tap-altered --attack expired-ticket --attack forged-flood:3 \
	--kms "https://127.0.0.1:$kms_port/mikey" --kms-ca "$work/ca.pem" \
	--kms-config "$work/kms.yaml" >"$work/callgen.log" 2>&1; then
	fail capture "lime-callgen failed (see $work/callgen.log)"
	finish
fi

hi2_port=$(free_port)
hi3_port=$(free_port)

# write_config FILE SPOOL_DIR IO_BACKEND
write_config() {
	cat >"$1" <<YAML
lcores: "0-1"
workers: 1
stats_interval_s: 0
spool_dir: "$2"
io_backend: "$3"
keepalive_wait_s: 1
$(lab_lime_kms_section "$kms_port")
$(lab_lime_intercepts "127.0.0.1:$hi2_port" "127.0.0.1:$hi3_port")
    keepalive_s: 1
YAML
}

start_lemf() {
	"$build/lime-lemf" --hi2 "127.0.0.1:$hi2_port" --hi3 "127.0.0.1:$hi3_port" \
		--out "$1" --log-level warning 2>>"$1.log" &
	lemf_pid=$!
	for _ in $(seq 50); do
		"$python" -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' \
			"$hi3_port" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

stop_lemf() {
	stop_pid "$lemf_pid"
	lemf_pid=
}

# check NAME LEMF_DIR LIME_SUMMARY [REFERENCE_LEMF_DIR]
check() {
	if "$python" "$script_dir/check_handover.py" "$work/calls.json" "$2" "$3" ${4:+"$4"} \
		>"$work/$1.check" 2>&1; then
		pass "$1"
	else
		fail "$1" "$(head -4 "$work/$1.check" | tr '\n' ';')"
	fi
}

# 1. The agency is up: everything arrives, over epoll.
write_config "$work/up.yaml" "$work/spool-up" epoll
if start_lemf "$work/lemf-up" &&
   timeout 120 "$build/lime" --config "$work/up.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/up.summary.json" >"$work/up.log" 2>&1; then
	stop_lemf
	check delivered_end_to_end "$work/lemf-up" "$work/up.summary.json"
	grep -q "epoll" "$work/up.log" && pass epoll_backend_used ||
		fail epoll_backend_used "the log does not name epoll"
else
	stop_lemf
	fail delivered_end_to_end "lime-lemf or lime failed (see $work/up.log)"
fi

# 2. The agency is down during the run: lime spools and exits 0; the next
# start (on a capture without packets) sends the spool once the agency is
# back, with the CIN counters kept.
write_config "$work/down.yaml" "$work/spool-down" auto
"$python" -c 'import struct,sys; open(sys.argv[1],"wb").write(struct.pack("<IHHiIII",0xa1b2c3d4,2,4,0,0,65535,1))' \
	"$work/empty.pcap"
if timeout 120 "$build/lime" --config "$work/down.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/down1.summary.json" >"$work/down1.log" 2>&1; then
	if "$python" - "$work/down1.summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
spooled = s["records_spooled"]["LIID-1"]
delivered = s["records_delivered"]["LIID-1"]
sys.exit(0 if spooled["hi2"] > 0 and spooled["hi3"] > 0 and
         delivered["hi2"] == 0 and delivered["hi3"] == 0 else 1)
PY
	then
		pass spooled_while_down
	else
		fail spooled_while_down "records_spooled/records_delivered unexpected in $work/down1.summary.json"
	fi
	if start_lemf "$work/lemf-down" &&
	   timeout 120 "$build/lime" --config "$work/down.yaml" --pcap "$work/empty.pcap" \
		--summary "$work/down2.summary.json" >"$work/down2.log" 2>&1; then
		stop_lemf
		check replayed_after_restart "$work/lemf-down" "$work/down1.summary.json" "$work/lemf-up"
		if timeout 60 "$build/lime" --config "$work/down.yaml" --pcap "$work/calls.pcap" \
			--summary "$work/down3.summary.json" --debug-events "$work/down3.events" \
			>"$work/down3.log" 2>&1 &&
		   "$python" - "$work/down3.events" "$work/lemf-up" <<'PY'
import json, os, sys
first = [json.loads(l)["cin"] for l in open(sys.argv[1]) if '"iri"' in l]
before = [json.loads(l)["cin"] for l in open(os.path.join(sys.argv[2], "LIID-1", "iri.jsonl"))]
sys.exit(0 if first and min(first) > max(before) else 1)
PY
		then
			pass cin_survives_restart
		else
			fail cin_survives_restart "a later run did not continue the CIN count (see $work/down3.log)"
		fi
	else
		stop_lemf
		fail replayed_after_restart "lime-lemf or the replaying lime failed (see $work/down2.log)"
	fi
else
	fail spooled_while_down "lime failed with the agency down (see $work/down1.log)"
fi

# 3. The agency stalls (stops reading) and is restarted mid-run: what its
# kernel buffered is lost with it, and lime sends it again.
write_config "$work/stall.yaml" "$work/spool-stall" auto
if start_lemf "$work/lemf-stall1"; then
	kill -STOP "$lemf_pid"
	"$build/lime" --config "$work/stall.yaml" --pcap "$work/calls.pcap" \
		--summary "$work/stall.summary.json" >"$work/stall.log" 2>&1 &
	lime_pid=$!
	sleep 3
	kill -KILL "$lemf_pid"
	wait "$lemf_pid" 2>/dev/null
	lemf_pid=
	if start_lemf "$work/lemf-stall2" && wait "$lime_pid"; then
		lime_pid=
		stop_lemf
		check resent_after_stall "$work/lemf-stall2" "$work/stall.summary.json" "$work/lemf-up"
		if "$python" - "$work/stall.summary.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))["delivery"]
sys.exit(0 if d["disconnects"] >= 2 and d["records_resent"] > 0 else 1)
PY
		then
			pass stall_seen_and_resent
		else
			fail stall_seen_and_resent "the summary shows no reset connection or no resent record"
		fi
	else
		lime_pid=
		stop_lemf
		fail resent_after_stall "lime or the restarted lime-lemf failed (see $work/stall.log)"
	fi
else
	fail resent_after_stall "lime-lemf did not start"
fi

finish
