#!/usr/bin/env bash
# Run lime on generated test captures and compare its summary with the
# expected counts, then check how it handles bad input.
#
# Usage: capture_cases.sh BUILD_DIR
#
# tests/pcapgen/gen_capture_cases.py writes the captures and expected.json
# into a temporary folder. Each case runs as
#   BUILD_DIR/lime --config CFG --pcap CASE.pcap [--pcap ...] --summary OUT.json
# under a 120-second timeout. The script prints "PASS capture CASE" or
# "FAIL capture CASE: REASON" per case and "PASS input CHECK" or
# "FAIL input CHECK: REASON" per bad-input check, then "N passed, N failed".
# It exits with 1 when any check failed and 2 on a usage error. The
# temporary folder is kept when a check fails, and its path printed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
lime=$build_dir/lime
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
generator=$script_dir/../pcapgen/gen_capture_cases.py
run_timeout_s=120

if [[ ! -x "$lime" ]]; then
	echo "lime not found or not executable at $lime: build it with 'meson compile -C $build_dir'" >&2
	exit 2
fi
if ! "$python" -c 'import scapy' 2>/dev/null; then
	echo "scapy is missing for $python: install the python3-scapy package" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-capture-cases.XXXXXX")
cases_dir=$work/cases
passed=0
failed=0

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
	echo "PASS $1"
	passed=$((passed + 1))
}

fail() {
	echo "FAIL $1: $2"
	failed=$((failed + 1))
}

# Print the last non-empty line of a file, or a placeholder.
last_line() {
	local line
	line=$(grep -v '^[[:space:]]*$' -- "$1" 2>/dev/null | tail -n 1)
	echo "${line:-(no output)}"
}

# Describe an exit status for a failure message.
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

if ! "$python" "$generator" "$cases_dir" >"$work/generator.log" 2>&1; then
	fail "generator" "gen_capture_cases.py failed: $(last_line "$work/generator.log")"
	finish
fi

config=$work/lime.yaml
cat >"$config" <<'EOF'
lcores: "0-1"
workers: 1
sip_ports: [5060]
EOF
echo "spool_dir: \"$work/spool\"" >>"$config"

# Compare one case's expectations with a summary file. Prints one line per
# difference and exits with 1 when there is any.
compare_summary() {
	"$python" - "$cases_dir/expected.json" "$1" "$2" <<'EOF'
import json
import sys

expected_path, case, summary_path = sys.argv[1:4]
with open(expected_path) as f:
    expected = json.load(f)[case]
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
    if key in ("pcaps", "description"):
        continue
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

# Case names and their pcap files, one case per line: NAME PCAP [PCAP...].
case_lines=$("$python" - "$cases_dir/expected.json" <<'EOF'
import json
import sys

with open(sys.argv[1]) as f:
    expected = json.load(f)
for name in sorted(expected):
    print(" ".join([name] + expected[name]["pcaps"]))
EOF
) || {
	fail "generator" "expected.json is not readable"
	finish
}

while read -r name pcaps; do
	args=()
	for pcap in $pcaps; do
		args+=(--pcap "$cases_dir/$pcap")
	done
	summary=$work/$name.summary.json
	log=$work/$name.log
	timeout "$run_timeout_s" "$lime" --config "$config" "${args[@]}" \
		--summary "$summary" >"$log" 2>&1
	status=$?
	if [[ $status -ne 0 ]]; then
		fail "capture $name" "$(describe_status "$status"): $(last_line "$log")"
		continue
	fi
	if [[ ! -s "$summary" ]]; then
		fail "capture $name" "lime exited with 0 but wrote no summary to $summary"
		continue
	fi
	if differences=$(compare_summary "$name" "$summary"); then
		pass "capture $name"
	else
		fail "capture $name" "$differences"
	fi
done <<<"$case_lines"

# Bad input. A check fails on a crash or a timeout as well as on a wrong
# exit status.
good_pcap=$cases_dir/plain_udp.pcap

timeout "$run_timeout_s" "$lime" --config "$config" --pcap /nonexistent.pcap \
	--summary "$work/missing_pcap.summary.json" >"$work/missing_pcap.log" 2>&1
status=$?
if [[ $status -eq 1 ]]; then
	pass "input missing_pcap"
else
	fail "input missing_pcap" "$(describe_status "$status") for --pcap /nonexistent.pcap, expected exit status 1"
fi

unknown_key_config=$work/unknown_key.yaml
cp -- "$config" "$unknown_key_config"
echo "no_such_key: 1" >>"$unknown_key_config"
timeout "$run_timeout_s" "$lime" --config "$unknown_key_config" --pcap "$good_pcap" \
	--summary "$work/unknown_key.summary.json" >"$work/unknown_key.log" 2>&1
status=$?
if [[ $status -eq 2 ]]; then
	pass "input config_unknown_key"
else
	fail "input config_unknown_key" "$(describe_status "$status") for a configuration with an unknown key, expected exit status 2"
fi

timeout "$run_timeout_s" "$lime" --pcap "$good_pcap" \
	--summary "$work/no_config.summary.json" >"$work/no_config.log" 2>&1
status=$?
if [[ $status -eq 2 ]]; then
	pass "input config_missing"
else
	fail "input config_missing" "$(describe_status "$status") without --config, expected exit status 2"
fi

# Cut plain_udp.pcap halfway through the data of its fifth record.
truncated_pcap=$work/truncated.pcap
"$python" - "$good_pcap" "$truncated_pcap" <<'EOF'
import struct
import sys

source, target = sys.argv[1:3]
with open(source, "rb") as f:
    data = f.read()
offset = 24
for _ in range(4):
    captured_len = struct.unpack_from("<I", data, offset + 8)[0]
    offset += 16 + captured_len
captured_len = struct.unpack_from("<I", data, offset + 8)[0]
with open(target, "wb") as f:
    f.write(data[:offset + 16 + captured_len // 2])
EOF
timeout "$run_timeout_s" "$lime" --config "$config" --pcap "$truncated_pcap" \
	--summary "$work/truncated.summary.json" >"$work/truncated.stdout" 2>"$work/truncated.stderr"
status=$?
if [[ $status -ne 0 && $status -ne 1 ]]; then
	fail "input truncated_pcap" "$(describe_status "$status"), expected exit status 0 or 1"
elif [[ ! -s "$work/truncated.stderr" ]]; then
	fail "input truncated_pcap" "exit status $status but nothing on stderr, expected an error message about the truncated file"
else
	pass "input truncated_pcap"
fi

finish
