#!/usr/bin/env bash
# Check how lime behaves as a running program: shutdown on signals, replay
# pacing, merging of several capture files, rejected inputs and
# configurations, resource floods, mbuf pool pressure and the summary's keys.
#
# Usage: runtime_cases.sh BUILD_DIR
#
# tests/pcapgen/gen_runtime_cases.py and gen_capture_cases.py write the
# captures into a temporary folder. Every lime run is bounded: offline runs
# by `timeout`, live runs on net_null0 by a SIGKILL 10 seconds after the
# signal under test. The script prints "PASS runtime CHECK" or
# "FAIL runtime CHECK: REASON" per check, "SKIP runtime CHECK: REASON" for a
# check that cannot run here, then "N passed, N failed". It exits with 1
# when any check failed and 2 on a usage error. The temporary folder is
# kept when a check fails, and its path printed. It takes under a minute on
# a two-core machine.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
lime=$build_dir/lime
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
runtime_generator=$script_dir/../pcapgen/gen_runtime_cases.py
capture_generator=$script_dir/../pcapgen/gen_capture_cases.py
run_timeout_s=60
# With the default pool these captures take about a second each (two-core
# machine), so a run under mbuf pool pressure that needs this long is stuck.
pressure_timeout_s=30
# Time from the signal to lime's exit before the check fails.
signal_grace_s=10
nss_library=/usr/lib/x86_64-linux-gnu/libnss3.so

if [[ ! -x "$lime" ]]; then
	echo "lime not found or not executable at $lime: build it with 'meson compile -C $build_dir'" >&2
	exit 2
fi
if ! "$python" -c 'import scapy' 2>/dev/null; then
	echo "scapy is missing for $python: install the python3-scapy package" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-runtime-cases.XXXXXX")
runtime_dir=$work/runtime
capture_dir=$work/capture
passed=0
failed=0
live_pid=

# A live lime left running when the script stops early is killed.
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
	echo "PASS runtime $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL runtime $1: $2"
	failed=$((failed + 1))
}

skip() {
	echo "SKIP runtime $1: $2"
}

# Print the last non-empty line of a file, or a placeholder.
last_line() {
	local line
	line=$(grep -v '^[[:space:]]*$' -- "$1" 2>/dev/null | tail -n 1)
	echo "${line:-(no output)}"
}

# Describe an exit status for a failure message. The second argument is
# the timeout that applied.
describe_status() {
	local status=$1 limit_s=${2:-$run_timeout_s}
	if [[ $status -eq 124 ]]; then
		echo "timed out after ${limit_s} s"
	elif [[ $status -gt 128 ]]; then
		echo "killed by signal $((status - 128))"
	else
		echo "exit status $status"
	fi
}

now() {
	date +%s.%N
}

# Print END - START in seconds with two decimals.
elapsed() {
	awk -v start="$1" -v end="$2" 'BEGIN { printf "%.2f", end - start }'
}

# Exit with 0 when A >= B + MARGIN, all in seconds.
at_least() {
	awk -v a="$1" -v b="$2" -v margin="$3" 'BEGIN { exit !(a >= b + margin) }'
}

# Run lime offline as NAME with a timeout: run_lime NAME LIMIT_S ARGS...
# Output goes to $work/NAME.stdout and $work/NAME.stderr, and the exit
# status to $status.
run_lime() {
	local name=$1 limit_s=$2
	shift 2
	timeout "$limit_s" "$lime" "$@" >"$work/$name.stdout" 2>"$work/$name.stderr"
	status=$?
}

# Print one summary value: summary_value SUMMARY KEY, where dots in KEY
# separate nested objects. Prints "missing" when the file or key is absent.
summary_value() {
	"$python" - "$1" "$2" <<'EOF'
import json
import sys

try:
    with open(sys.argv[1]) as f:
        value = json.load(f)
    for part in sys.argv[2].split("."):
        value = value[part]
except (OSError, ValueError, KeyError, TypeError):
    print("missing")
else:
    print(value)
EOF
}

# Compare a summary with expected values: compare_summary SUMMARY JSON.
# JSON maps keys (dots for nesting) to numbers. A key ending in _min is a
# lower bound, _max an upper bound, any other key an exact value. Prints
# the differences on one line and exits with 1 when there is any.
compare_summary() {
	"$python" - "$1" "$2" <<'EOF'
import json
import sys

summary_path, expected_text = sys.argv[1:3]
expected = json.loads(expected_text)
try:
    with open(summary_path) as f:
        summary = json.load(f)
except (OSError, ValueError) as error:
    print("summary %s is not readable JSON: %s" % (summary_path, error))
    sys.exit(1)


def lookup(key):
    """Return the summary value for a key; dots separate nested objects."""
    value = summary
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


differences = []
for key, want in sorted(expected.items()):
    if key.endswith("_min"):
        name, check, relation = key[:-4], (lambda got, bound: got >= bound), "at least"
    elif key.endswith("_max"):
        name, check, relation = key[:-4], (lambda got, bound: got <= bound), "at most"
    else:
        name, check, relation = key, (lambda got, bound: got == bound), "exactly"
    got = lookup(name)
    if got is None:
        differences.append("%s missing from summary" % name)
    elif not isinstance(got, (int, float)) or isinstance(got, bool):
        differences.append("%s is %r, expected a number" % (name, got))
    elif not check(got, want):
        differences.append("%s is %s, expected %s %s" % (name, got, relation, want))

if differences:
    print("; ".join(differences))
    sys.exit(1)
EOF
}

# Print the expectations of one capture from the runtime expected.json.
expected_for() {
	"$python" - "$runtime_dir/expected.json" "$1" <<'EOF'
import json
import sys

with open(sys.argv[1]) as f:
    print(json.dumps(json.load(f)[sys.argv[2]]))
EOF
}

# Run an offline case and compare its summary with expectations:
# check_offline CHECK LIMIT_S EXPECTATIONS_JSON LIME_ARGS...
check_offline() {
	local check=$1 limit_s=$2 expectations=$3
	shift 3
	local summary=$work/$check.summary.json
	local differences
	run_lime "$check" "$limit_s" "$@" --summary "$summary"
	if [[ $status -ne 0 ]]; then
		local note=""
		if [[ -s "$summary" ]]; then
			note=" (summary at the stop: packets_total $(summary_value "$summary" packets_total), sip_messages $(summary_value "$summary" sip_messages))"
		fi
		fail "$check" "$(describe_status "$status" "$limit_s")$note: $(last_line "$work/$check.stderr")"
		return
	fi
	if [[ ! -s "$summary" ]]; then
		fail "$check" "lime exited with 0 but wrote no summary to $summary"
		return
	fi
	if differences=$(compare_summary "$summary" "$expectations"); then
		pass "$check"
	else
		fail "$check" "$differences"
	fi
}

# ---------------------------------------------------------------------------
# Captures and configurations

if ! "$python" "$runtime_generator" "$runtime_dir" >"$work/runtime_generator.log" 2>&1; then
	fail "generator" "gen_runtime_cases.py failed: $(last_line "$work/runtime_generator.log")"
	finish
fi
if ! "$python" "$capture_generator" "$capture_dir" >"$work/capture_generator.log" 2>&1; then
	fail "generator" "gen_capture_cases.py failed: $(last_line "$work/capture_generator.log")"
	finish
fi

config=$work/lime.yaml
cat >"$config" <<'EOF'
lcores: "0-1"
workers: 1
sip_ports: [5060]
EOF
echo "spool_dir: \"$work/spool\"" >>"$config"

small_mbufs_config=$work/small_mbufs.yaml
cp -- "$config" "$small_mbufs_config"
echo "mbufs: 1024" >>"$small_mbufs_config"

live_config=$work/live.yaml
cat >"$live_config" <<'EOF'
lcores: "0-1"
workers: 1
ports: ["net_null0"]
sip_ports: [5060]
eal_args: ["--no-huge", "-m", "512"]
EOF
echo "spool_dir: \"$work/spool\"" >>"$live_config"

small_pcap=$runtime_dir/options_paced.pcap

# ---------------------------------------------------------------------------
# Shutdown of a live run on SIGTERM and SIGINT

# Print "running" while a process has not exited, "exited" once it has
# (a zombie that waits to be reaped counts as exited).
process_state() {
	local state
	state=$(ps -o stat= -p "$1" 2>/dev/null) || { echo exited; return; }
	if [[ $state == Z* ]]; then
		echo exited
	else
		echo running
	fi
}

# check_live_signal CHECK SIGNAL
check_live_signal() {
	local check=$1 signal=$2
	local summary=$work/$check.summary.json
	local sent waited deadline

	"$lime" --config "$live_config" --summary "$summary" \
		>"$work/$check.stdout" 2>"$work/$check.stderr" &
	live_pid=$!
	sleep 2
	if [[ $(process_state "$live_pid") == exited ]]; then
		wait "$live_pid"
		status=$?
		live_pid=
		fail "$check" "lime stopped before the signal with $(describe_status "$status"): $(last_line "$work/$check.stderr")"
		return
	fi

	kill -s "$signal" "$live_pid"
	sent=$(now)
	deadline=$((SECONDS + signal_grace_s))
	while [[ $(process_state "$live_pid") == running && $SECONDS -lt $deadline ]]; do
		sleep 0.1
	done
	if [[ $(process_state "$live_pid") == running ]]; then
		kill -KILL "$live_pid"
		wait "$live_pid"
		live_pid=
		fail "$check" "lime still ran ${signal_grace_s} s after SIG$signal and was killed: $(last_line "$work/$check.stderr")"
		return
	fi
	wait "$live_pid"
	status=$?
	live_pid=
	waited=$(elapsed "$sent" "$(now)")

	if [[ $status -ne 0 ]]; then
		fail "$check" "$(describe_status "$status") ${waited} s after SIG$signal, expected exit status 0: $(last_line "$work/$check.stderr")"
		return
	fi
	local packets
	packets=$(summary_value "$summary" packets_total)
	if [[ $packets == missing ]]; then
		fail "$check" "exit status 0 after SIG$signal but no packets_total in $summary"
	elif [[ ! $packets =~ ^[0-9]+$ || $packets -eq 0 ]]; then
		fail "$check" "packets_total is $packets after 2 s on net_null0, expected more than 0"
	else
		pass "$check"
	fi
}

check_live_signal live_sigterm TERM
check_live_signal live_sigint INT

# ---------------------------------------------------------------------------
# Replay pacing with --pcap-speed. The capture's three OPTIONS are 1 s apart,
# so real-time replay takes 2 s longer than unpaced replay, and four times
# the pace 0.5 s longer. The times compared are lime's own run_seconds,
# which leave out process and EAL start-up, whose duration varies by more
# than the margins on a loaded machine.

# Run the paced capture: check_paced CHECK LIME_ARGS... The run time goes
# to $paced_seconds, which stays empty when the run failed.
check_paced() {
	local check=$1
	shift
	paced_seconds=
	check_offline "$check" "$run_timeout_s" '{"sip_messages": 3}' \
		--config "$config" --pcap "$small_pcap" "$@"
	if [[ $status -eq 0 ]]; then
		paced_seconds=$(summary_value "$work/$check.summary.json" run_seconds)
	fi
}

check_paced pcap_speed_unpaced_messages
unpaced_s=$paced_seconds

check_paced pcap_speed_1_messages --pcap-speed 1
speed1_s=$paced_seconds
check_paced pcap_speed_4_messages --pcap-speed 4
speed4_s=$paced_seconds

if [[ -z "$unpaced_s" || -z "$speed1_s" || -z "$speed4_s" ]]; then
	fail "pcap_speed_1_timing" "a run above failed, so the wall times cannot be compared"
	fail "pcap_speed_4_timing" "a run above failed, so the wall times cannot be compared"
else
	times="unpaced ${unpaced_s} s, speed 1 ${speed1_s} s, speed 4 ${speed4_s} s"
	if ! at_least "$speed1_s" "$unpaced_s" 1.8; then
		fail "pcap_speed_1_timing" "expected the speed-1 run to take at least 1.8 s longer than the unpaced run ($times)"
	else
		pass "pcap_speed_1_timing"
	fi
	if ! at_least "$speed4_s" "$unpaced_s" 0.4; then
		fail "pcap_speed_4_timing" "expected the speed-4 run to take at least 0.4 s longer than the unpaced run ($times)"
	elif ! at_least "$speed1_s" "$speed4_s" 1.0; then
		fail "pcap_speed_4_timing" "expected the speed-4 run to take at least 1 s less than the speed-1 run ($times)"
	else
		pass "pcap_speed_4_timing"
	fi
fi

# ---------------------------------------------------------------------------
# Merging of two capture files by capture time. The frames of one TCP
# dialog alternate between the files, so reading one file before the other
# would reorder the segments.

merge_expected=$(expected_for merge)
check_offline merge_order_ab "$run_timeout_s" "$merge_expected" --config "$config" \
	--pcap "$runtime_dir/merge_a.pcap" --pcap "$runtime_dir/merge_b.pcap"
check_offline merge_order_ba "$run_timeout_s" "$merge_expected" --config "$config" \
	--pcap "$runtime_dir/merge_b.pcap" --pcap "$runtime_dir/merge_a.pcap"

# ---------------------------------------------------------------------------
# Rejected runtime environments and inputs

if [[ -e "$nss_library" ]]; then
	LD_PRELOAD=$nss_library run_lime nss_refusal "$run_timeout_s" \
		--config "$config" --pcap "$small_pcap"
	if [[ $status -ne 1 ]]; then
		fail "nss_refusal" "$(describe_status "$status") with $nss_library preloaded, expected exit status 1: $(last_line "$work/nss_refusal.stderr")"
	elif ! grep -q 'NSS' "$work/nss_refusal.stderr"; then
		fail "nss_refusal" "exit status 1 but no stderr line mentions NSS: $(last_line "$work/nss_refusal.stderr")"
	else
		pass "nss_refusal"
	fi
else
	skip "nss_refusal" "libnss3 not installed"
fi

run_lime link_type "$run_timeout_s" --config "$config" --pcap "$runtime_dir/raw_ip.pcap"
if [[ $status -ne 1 ]]; then
	fail "link_type" "$(describe_status "$status") for a raw IP capture (link type 101), expected exit status 1: $(last_line "$work/link_type.stderr")"
elif ! grep -Eiq 'link type.*(RAW|101)' "$work/link_type.stderr"; then
	fail "link_type" "exit status 1 but no stderr line names the link type: $(last_line "$work/link_type.stderr")"
else
	pass "link_type"
fi

# ---------------------------------------------------------------------------
# Floods: fragments that never complete, and a TCP stream without SIP
# framing.

check_offline frag_flood "$run_timeout_s" "$(expected_for frag_flood)" \
	--config "$config" --pcap "$runtime_dir/frag_flood.pcap"
check_offline tcp_no_framing "$run_timeout_s" "$(expected_for tcp_no_framing)" \
	--config "$config" --pcap "$runtime_dir/tcp_no_framing.pcap"

# ---------------------------------------------------------------------------
# Invalid configuration values and command-line options: exit status 2.

# check_config_error CHECK CONFIG_TEXT
check_config_error() {
	local check=$1 text=$2
	local check_config=$work/$check.yaml
	local lines
	printf '%s\n' "$text" >"$check_config"
	run_lime "$check" "$run_timeout_s" --config "$check_config" --pcap "$small_pcap"
	lines=$(grep -c '' "$work/$check.stderr")
	if [[ $status -ne 2 ]]; then
		fail "$check" "$(describe_status "$status"), expected exit status 2: $(last_line "$work/$check.stderr")"
	elif [[ $lines -ne 1 ]]; then
		fail "$check" "exit status 2 with $lines lines on stderr, expected exactly one error line"
	else
		pass "$check"
	fi
}

check_config_error config_workers_over_lcores $'lcores: "0-1"\nworkers: 5'
check_config_error config_single_lcore 'lcores: "0"'
check_config_error config_sip_port_range $'lcores: "0-1"\nsip_ports: [70000]'
check_config_error config_lcore_missing $'lcores: "0,127"\nworkers: 1'

# A live run needs ports: without them and without --pcap it would wait forever.
run_lime config_no_ports "$run_timeout_s" --config "$config"
if [[ $status -ne 2 ]]; then
	fail config_no_ports "$(describe_status "$status"), expected exit status 2: $(last_line "$work/config_no_ports.stderr")"
else
	pass config_no_ports
fi

# check_option_error CHECK OPTION_TEXT ARGS...
check_option_error() {
	local check=$1 option=$2
	shift 2
	run_lime "$check" "$run_timeout_s" "$@"
	if [[ $status -ne 2 ]]; then
		fail "$check" "$(describe_status "$status"), expected exit status 2: $(last_line "$work/$check.stderr")"
	elif ! grep -qF -- "$option" "$work/$check.stderr"; then
		fail "$check" "exit status 2 but stderr does not name $option: $(last_line "$work/$check.stderr")"
	else
		pass "$check"
	fi
}

check_option_error option_unknown "--bogus" \
	--config "$config" --pcap "$small_pcap" --bogus
check_option_error option_pcap_speed_zero "--pcap-speed" \
	--config "$config" --pcap "$small_pcap" --pcap-speed 0
check_option_error option_pcap_twice "--pcap" \
	--config "$config" --pcap "$small_pcap" --pcap "$small_pcap"
check_option_error option_summary_unwritable "--summary" \
	--config "$config" --pcap "$small_pcap" --summary "$work/no-such-folder/summary.json"

# ---------------------------------------------------------------------------
# --cc-pcap writes a readable pcapng file. No call is intercepted here, so
# the file has no packets.

cc_pcap=$work/cc.pcapng
run_lime cc_pcap "$run_timeout_s" --config "$config" --pcap "$small_pcap" --cc-pcap "$cc_pcap"
if [[ $status -ne 0 ]]; then
	fail "cc_pcap" "$(describe_status "$status") with --cc-pcap, expected exit status 0: $(last_line "$work/cc_pcap.stderr")"
elif [[ ! -f "$cc_pcap" ]]; then
	fail "cc_pcap" "exit status 0 but $cc_pcap does not exist"
elif command -v tcpdump >/dev/null; then
	if tcpdump -r "$cc_pcap" -nn >"$work/cc_pcap.tcpdump" 2>&1; then
		pass "cc_pcap"
	else
		fail "cc_pcap" "tcpdump cannot read $cc_pcap: $(last_line "$work/cc_pcap.tcpdump")"
	fi
elif "$python" -c 'import sys; from scapy.utils import rdpcap; rdpcap(sys.argv[1])' \
	"$cc_pcap" >"$work/cc_pcap.scapy" 2>&1; then
	pass "cc_pcap"
else
	fail "cc_pcap" "scapy cannot read $cc_pcap: $(last_line "$work/cc_pcap.scapy")"
fi

# ---------------------------------------------------------------------------
# Summary keys with two intercepts and one agency. The agency addresses are
# on loopback and nothing listens there.

keys_config=$work/summary_keys.yaml
mkdir -p -- "$work/spool"
cat >"$keys_config" <<EOF
lcores: "0-1"
workers: 1
sip_ports: [5060]
spool_dir: "$work/spool"
intercepts:
  - liid: "LIID-A"
    targets: ["sip:alice@example.com"]
    agency: "lea-test"
  - liid: "LIID-B"
    targets: ["tel:+15550100"]
    agency: "lea-test"
agencies:
  - name: "lea-test"
    hi2: "127.0.0.1:9"
    hi3: "127.0.0.1:9"
EOF

keys_summary=$work/summary_keys.summary.json
run_lime summary_keys "$run_timeout_s" --config "$keys_config" \
	--pcap "$capture_dir/plain_udp.pcap" --summary "$keys_summary"
if [[ $status -ne 0 ]]; then
	fail "summary_keys" "$(describe_status "$status"), expected exit status 0: $(last_line "$work/summary_keys.stderr")"
elif differences=$("$python" - "$keys_summary" <<'EOF'
import json
import sys

LIIDS = ["LIID-A", "LIID-B"]
NUMBER_KEYS = ["packets_total", "sip_messages", "sip_rejected", "calls",
               "kms_resolutions_ok", "kms_resolutions_failed", "run_seconds"]
FIXED_OBJECTS = {
    "packets_by_class": ["sip", "media", "fragment", "other", "malformed"],
    "fragments": ["received", "datagrams_reassembled", "dropped", "duplicates"],
    "sip": ["udp_messages", "tcp_messages", "udp_keepalives", "tcp_keepalives",
            "tcp_segments", "tcp_retransmitted_bytes", "tcp_out_of_order_segments",
            "tcp_gaps_skipped", "tcp_resyncs", "tcp_bytes_discarded",
            "tcp_oversize_messages", "tcp_streams_opened", "tcp_streams_expired"],
}
COUNTER_OBJECTS = ["packets_dropped", "encapsulations"]
PER_LIID_COUNTS = ["intercepted_calls", "media_decrypted", "media_failed",
                   "media_undecryptable"]
PER_LIID_RECORDS = ["records_delivered", "records_spooled"]
ALARMS = ["mikey_auth_failed", "ticket_expired", "ticket_reuse", "mikey_forged",
          "kms_error", "kms_unreachable", "key_unavailable", "keys_mismatch",
          "spool_full"]

try:
    with open(sys.argv[1]) as f:
        summary = json.load(f)
except (OSError, ValueError) as error:
    print("summary %s is not readable JSON: %s" % (sys.argv[1], error))
    sys.exit(1)

differences = []


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_object(name, value):
    """Return value when it is an object, else record a difference and return None."""
    if not isinstance(value, dict):
        differences.append("%s is %r, expected an object" % (name, value))
        return None
    return value


def check_numbers(name, value, keys):
    for key in keys:
        if key not in value:
            differences.append("%s.%s missing" % (name, key))
        elif not is_number(value[key]):
            differences.append("%s.%s is %r, expected a number" % (name, key, value[key]))


def top(name):
    if name not in summary:
        differences.append("%s missing" % name)
        return None
    return summary[name]


for name in NUMBER_KEYS:
    value = top(name)
    if value is not None and not is_number(value):
        differences.append("%s is %r, expected a number" % (name, value))

for name, keys in FIXED_OBJECTS.items():
    value = top(name)
    if value is not None and check_object(name, value) is not None:
        check_numbers(name, value, keys)

for name in COUNTER_OBJECTS:
    value = top(name)
    if value is not None and check_object(name, value) is not None:
        check_numbers(name, value, sorted(value))

for name in PER_LIID_COUNTS:
    value = top(name)
    if value is not None and check_object(name, value) is not None:
        check_numbers(name, value, LIIDS)

for name in PER_LIID_RECORDS:
    value = top(name)
    if value is None or check_object(name, value) is None:
        continue
    for liid in LIIDS:
        if liid not in value:
            differences.append("%s.%s missing" % (name, liid))
        elif check_object("%s.%s" % (name, liid), value[liid]) is not None:
            check_numbers("%s.%s" % (name, liid), value[liid], ["hi2", "hi3"])

alarms = top("alarms")
if alarms is not None and check_object("alarms", alarms) is not None:
    for kind in ALARMS:
        if kind not in alarms:
            differences.append("alarms.%s missing" % kind)
        elif alarms[kind] != 0:
            differences.append("alarms.%s is %r, expected 0" % (kind, alarms[kind]))
    extra = sorted(set(alarms) - set(ALARMS))
    if extra:
        differences.append("alarms has unexpected kinds %s" % ", ".join(extra))

lcores = top("lcores")
if lcores is not None and not isinstance(lcores, list):
    differences.append("lcores is %r, expected a list" % (lcores,))

classes = summary.get("packets_by_class")
total = summary.get("packets_total")
if isinstance(classes, dict) and is_number(total):
    class_sum = sum(v for v in classes.values() if is_number(v))
    if class_sum != total:
        differences.append("packets_total is %s but packets_by_class sums to %s"
                           % (total, class_sum))

if differences:
    print("; ".join(differences))
    sys.exit(1)
EOF
); then
	pass "summary_keys"
else
	fail "summary_keys" "$differences"
fi

# ---------------------------------------------------------------------------
# mbuf pool pressure: with the smallest pool (1024 mbufs) the offline
# reader has to wait for free mbufs, and must still count every message.

mixed_summary=$work/mempool_mixed_default.summary.json
run_lime mempool_mixed_default "$run_timeout_s" --config "$config" \
	--pcap "$capture_dir/mixed.pcap" --summary "$mixed_summary"
if [[ $status -ne 0 ]]; then
	fail "mempool_mixed" "the run with the default pool failed with $(describe_status "$status"): $(last_line "$work/mempool_mixed_default.stderr")"
else
	mixed_expected=$(printf '{"packets_total": %s, "sip_messages": %s}' \
		"$(summary_value "$mixed_summary" packets_total)" \
		"$(summary_value "$mixed_summary" sip_messages)")
	check_offline mempool_mixed "$pressure_timeout_s" "$mixed_expected" \
		--config "$small_mbufs_config" --pcap "$capture_dir/mixed.pcap"
fi

check_offline mempool_sip_burst "$pressure_timeout_s" "$(expected_for sip_burst)" \
	--config "$small_mbufs_config" --pcap "$runtime_dir/sip_burst.pcap"
check_offline mempool_frag_flood "$pressure_timeout_s" "$(expected_for frag_flood)" \
	--config "$small_mbufs_config" --pcap "$runtime_dir/frag_flood.pcap"

finish
