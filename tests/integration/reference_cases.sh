#!/usr/bin/env bash
# Check lime against calls of independent SIP software: the committed
# baresip captures in tests/captures/baresip/. lime decrypts the SDES call
# and its RTP payloads must equal the unencrypted reference call's.
#
# Usage: reference_cases.sh BUILD_DIR
#
# Prints "PASS reference CHECK" or "FAIL reference CHECK: REASON" per
# check, then "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build=$1
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
captures=$script_dir/../captures/baresip
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-reference-cases.XXXXXX")
passed=0
failed=0

cat >"$work/lime.yaml" <<'YAML'
lcores: "0-1"
workers: 1
sip_ports: [5060, 5062]
intercepts:
  - liid: "LIID-BARESIP"
    targets: ["sip:alice@127.0.0.1"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    # ports where no agency listens: records go to the spool
    hi2: "127.0.0.1:1"
    hi3: "127.0.0.1:2"
YAML
echo "spool_dir: \"$work/spool\"" >>"$work/lime.yaml"

if timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$captures/sdes-call.pcap" \
	--summary "$work/summary.json" --cc-pcap "$work/decrypted.pcapng" >"$work/lime.log" 2>&1; then
	if "$python" - "$work/summary.json" >"$work/summary.check" 2>&1 <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
m = s["media"]
problems = []
if s["intercepted_calls"]["LIID-BARESIP"] != 1:
    problems.append("intercepted_calls is %s" % s["intercepted_calls"])
if m["failed"] or m["undecryptable"] or m["decrypted"] < 400:
    problems.append("media %s" % m)
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
	then
		echo "PASS reference baresip_every_packet_decrypts"
		passed=$((passed + 1))
	else
		echo "FAIL reference baresip_every_packet_decrypts: $(head -2 "$work/summary.check" | tr '\n' ';')"
		failed=$((failed + 1))
	fi
	if "$python" "$script_dir/check_reference.py" "$work/decrypted.pcapng" \
		"$captures/sdes-call.pcap" "$captures/plain-call.pcap" >"$work/reference.check" 2>&1; then
		echo "PASS reference baresip_payloads_equal_reference"
		passed=$((passed + 1))
	else
		echo "FAIL reference baresip_payloads_equal_reference: $(head -3 "$work/reference.check" | tr '\n' ';')"
		failed=$((failed + 1))
	fi
else
	echo "FAIL reference baresip_run: lime failed: $(tail -1 "$work/lime.log")"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
if [[ $failed -gt 0 ]]; then
	echo "files kept in $work"
	exit 1
fi
rm -rf "$work"
exit 0
