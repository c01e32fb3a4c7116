#!/usr/bin/env bash
# Check lime's SIP dialog tracking, interception decisions, media flows and
# IRI events on generated calls, and a configuration reload under SIGHUP.
#
# Usage: call_cases.sh BUILD_DIR
#
# tests/pcapgen/gen_call_cases.py writes the captures and expected.json
# into a temporary folder. Each capture runs as
#   BUILD_DIR/lime --config CFG --pcap CAPTURE.pcap --summary OUT.json
#       --debug-events EVENTS.jsonl
# under a 60-second timeout, and check_call_events.py compares the summary
# and the events with expected.json. The reload check replays reload.pcap
# (about 8 s) with --pcap-speed 1. It rewrites the configuration in place
# and sends SIGHUP 3.5 s after the replay starts (LIID-DROP out, LIID-NEW
# in), then again at 5 s with an invalid file, which lime must reject
# while it keeps running. lime is killed if it still runs 20 s after the
# capture's end.
#
# The script prints "PASS calls CHECK" or "FAIL calls CHECK: REASON" per
# check, with the further mismatches indented below a FAIL line, then
# "N passed, N failed". It exits with 1 when any check failed and 2 on a
# usage error. The temporary folder is kept when a check fails, and its
# path printed. It takes about 15 s on a two-core machine, 9 s of it for
# the real-time reload replay.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
lime=$build_dir/lime
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
generator=$script_dir/../pcapgen/gen_call_cases.py
checker=$script_dir/check_call_events.py
run_timeout_s=60
# Mismatch lines printed under a FAIL line; the rest stay in the kept folder.
max_shown_lines=40

# Reload timing, in seconds after lime logs the start of the replay. The
# reload must land between 2.9 s and 4.3 s of capture time, so that
# reload.pcap has LIID-DROP calls wholly before and after it outside the
# 1 s margin. The rejected reload must land before 5.6 s, so that calls
# start after it.
reload_at_s=3.5
rejected_reload_at_s=5.0
# Maximum wait for lime's log line after a SIGHUP or for the replay start.
log_wait_s=3
start_wait_s=30
# Capture length of reload.pcap, and how long lime may take after it.
reload_capture_s=8.2
reload_grace_s=20

if [[ ! -x "$lime" ]]; then
	echo "lime not found or not executable at $lime: build it with 'meson compile -C $build_dir'" >&2
	exit 2
fi
if ! "$python" -c 'import scapy' 2>/dev/null; then
	echo "scapy is missing for $python: install the python3-scapy package" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-call-cases.XXXXXX")
cases_dir=$work/cases
expected=$cases_dir/expected.json
spool_dir=$work/spool
mkdir -p -- "$spool_dir"
passed=0
failed=0
live_pid=

# A lime left running when the script stops early is killed.
cleanup_live() {
	if [[ -n "$live_pid" ]]; then
		kill -KILL "$live_pid" 2>/dev/null
		wait "$live_pid" 2>/dev/null
	fi
}
trap cleanup_live EXIT

finish() {
	echo "$passed passed, $failed failed"
	if [[ $failed -gt 0 ]]; then
		echo "captures, configurations and lime output kept in $work"
		exit 1
	fi
	rm -rf -- "$work"
	exit 0
}

pass() {
	echo "PASS calls $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL calls $1: $2"
	failed=$((failed + 1))
}

# Fail a check with the mismatch lines of a file: the first on the FAIL
# line, the next ones indented below it.
fail_with_lines() {
	local check=$1 file=$2
	local count
	count=$(grep -c '' -- "$file")
	fail "$check" "$count mismatches, first: $(head -n 1 -- "$file")"
	tail -n +2 -- "$file" | head -n "$max_shown_lines" | sed 's/^/    /'
	if [[ $count -gt $((max_shown_lines + 1)) ]]; then
		echo "    ... all $count in $file"
	fi
}

# Print the last non-empty line of a file, or a placeholder.
last_line() {
	local line
	line=$(grep -v '^[[:space:]]*$' -- "$1" 2>/dev/null | tail -n 1)
	echo "${line:-(no output)}"
}

# Print lime's reason for stopping: its first "lime:" line (usage and
# configuration errors, which "Try 'lime --help'." follows), else its first
# error log line, else its last line.
stop_reason() {
	local line
	line=$(grep -m 1 -E '^lime: | lime error: ' -- "$1" 2>/dev/null)
	echo "${line:-$(last_line "$1")}"
}

describe_status() {
	local status=$1
	if [[ $status -eq 124 ]]; then
		echo "timed out after ${run_timeout_s} s"
	elif [[ $status -gt 128 ]]; then
		echo "killed by signal $((status - 128))"
	else
		echo "exit status $status"
	fi
}

now() {
	date +%s.%N
}

# Sleep until START + OFFSET seconds of wall-clock time, or return at once
# when that time is past.
sleep_until() {
	local delay
	delay=$(awk -v start="$1" -v offset="$2" -v now="$(now)" \
		'BEGIN { d = start + offset - now; printf "%.3f", (d > 0 ? d : 0) }')
	sleep "$delay"
}

# Print "running" while a process has not exited, "exited" once it has (a
# zombie that waits to be reaped counts as exited).
process_state() {
	local state
	state=$(ps -o stat= -p "$1" 2>/dev/null) || { echo exited; return; }
	if [[ $state == Z* ]]; then
		echo exited
	else
		echo running
	fi
}

# Wait up to LIMIT_S seconds until FILE contains TEXT while process PID
# runs: wait_for_text FILE TEXT LIMIT_S PID. Returns 0 when found.
wait_for_text() {
	local file=$1 text=$2 limit_s=$3 pid=$4
	local deadline
	deadline=$(awk -v now="$(now)" -v limit="$limit_s" 'BEGIN { printf "%.3f", now + limit }')
	while true; do
		if grep -qF -- "$text" "$file" 2>/dev/null; then
			return 0
		fi
		if [[ $(process_state "$pid") == exited ]]; then
			return 1
		fi
		if awk -v now="$(now)" -v deadline="$deadline" 'BEGIN { exit !(now > deadline) }'; then
			return 1
		fi
		sleep 0.05
	done
}

if ! "$python" "$generator" "$cases_dir" >"$work/generator.log" 2>&1; then
	fail "generator" "gen_call_cases.py failed: $(last_line "$work/generator.log")"
	finish
fi

capture_lines=$("$python" "$checker" list "$expected" 2>"$work/list.log") || {
	fail "generator" "expected.json is not readable: $(last_line "$work/list.log")"
	finish
}

# ---------------------------------------------------------------------------
# One offline run per capture

while read -r name pcaps; do
	config=$work/$name.yaml
	if ! "$python" "$checker" config "$expected" "$name" "$spool_dir" >"$config" 2>"$work/$name.config.log"; then
		fail "$name" "cannot write the configuration: $(last_line "$work/$name.config.log")"
		continue
	fi
	args=()
	for pcap in $pcaps; do
		args+=(--pcap "$cases_dir/$pcap")
	done
	summary=$work/$name.summary.json
	events=$work/$name.events.jsonl
	log=$work/$name.log
	timeout "$run_timeout_s" "$lime" --config "$config" "${args[@]}" \
		--summary "$summary" --debug-events "$events" >"$log" 2>&1
	status=$?
	if [[ $status -ne 0 ]]; then
		fail "$name" "$(describe_status "$status"): $(stop_reason "$log")"
		continue
	fi
	mismatches=$work/$name.mismatches
	if "$python" "$checker" case "$expected" "$name" "$summary" "$events" >"$mismatches" 2>&1; then
		pass "$name"
	else
		fail_with_lines "$name" "$mismatches"
	fi
done <<<"$capture_lines"

# ---------------------------------------------------------------------------
# Configuration reload under SIGHUP while replaying in real time

reload_config=$work/reload.yaml
reload_summary=$work/reload.summary.json
reload_events=$work/reload.events.jsonl
reload_log=$work/reload.stderr
for variant in reload_before reload_after reload_invalid; do
	"$python" "$checker" config "$expected" "$variant" "$spool_dir" >"$work/$variant.yaml"
done
cp -- "$work/reload_before.yaml" "$reload_config"

# Run the reload check; each early return has recorded a failure.
run_reload() {
	local replay_start
	"$lime" --config "$reload_config" --pcap "$cases_dir/reload.pcap" --pcap-speed 1 \
		--summary "$reload_summary" --debug-events "$reload_events" \
		>"$work/reload.stdout" 2>"$reload_log" &
	live_pid=$!

	if ! wait_for_text "$reload_log" "receiving from capture files" "$start_wait_s" "$live_pid"; then
		fail "reload" "lime logged no replay start ('receiving from capture files') within ${start_wait_s} s: $(stop_reason "$reload_log")"
		return
	fi
	replay_start=$(now)

	# Rewrite the file in place (the same inode), then signal.
	sleep_until "$replay_start" "$reload_at_s"
	cat -- "$work/reload_after.yaml" >"$reload_config"
	kill -HUP "$live_pid"
	if wait_for_text "$reload_log" "configuration reloaded" "$log_wait_s" "$live_pid"; then
		pass "reload_logged"
	else
		fail "reload_logged" "no log line contains 'configuration reloaded' ${log_wait_s} s after SIGHUP: $(last_line "$reload_log")"
	fi

	sleep_until "$replay_start" "$rejected_reload_at_s"
	cat -- "$work/reload_invalid.yaml" >"$reload_config"
	kill -HUP "$live_pid"
	if wait_for_text "$reload_log" "reload rejected" "$log_wait_s" "$live_pid"; then
		pass "reload_rejected_logged"
	else
		fail "reload_rejected_logged" "no log line contains 'reload rejected' ${log_wait_s} s after SIGHUP with an unknown key: $(last_line "$reload_log")"
	fi

	local deadline_s
	deadline_s=$(awk -v c="$reload_capture_s" -v g="$reload_grace_s" 'BEGIN { print c + g }')
	while [[ $(process_state "$live_pid") == running ]]; do
		if awk -v now="$(now)" -v start="$replay_start" -v limit="$deadline_s" \
			'BEGIN { exit !(now > start + limit) }'; then
			kill -KILL "$live_pid"
			break
		fi
		sleep 0.1
	done
	wait "$live_pid"
	local status=$?
	live_pid=
	local ran_s
	ran_s=$(awk -v now="$(now)" -v start="$replay_start" 'BEGIN { printf "%.1f", now - start }')
	if [[ $status -ne 0 ]]; then
		fail "reload_exit" "$(describe_status "$status") ${ran_s} s after the replay started, expected exit status 0 at the end of the capture: $(stop_reason "$reload_log")"
		return
	fi
	# At --pcap-speed 1 an exit well before the capture's end means the
	# replay stopped early.
	if awk -v ran="$ran_s" -v c="$reload_capture_s" 'BEGIN { exit !(ran < c - 1) }'; then
		fail "reload_exit" "lime exited ${ran_s} s after the replay started, before the ${reload_capture_s} s capture could end"
		return
	fi
	pass "reload_exit"

	local mismatches=$work/reload.mismatches
	if "$python" "$checker" reload "$expected" "$reload_summary" "$reload_events" \
		"$reload_log" >"$mismatches" 2>"$work/reload.judged"; then
		pass "reload_intercepts"
	else
		fail_with_lines "reload_intercepts" "$mismatches"
	fi
	sed 's/^/    /' -- "$work/reload.judged"
}

run_reload
finish
