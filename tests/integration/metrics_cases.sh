#!/usr/bin/env bash
# Check lime's Prometheus metrics: the endpoint on the management address
# during a paced run (status codes, content type, exposition syntax) and,
# with --metrics-out, that the final metrics equal the summary's counters.
#
# Usage: metrics_cases.sh BUILD_DIR
#
# The capture and configuration come from tests/pcapgen/gen_call_cases.py
# and check_call_events.py (the calls capture: SDES, plain and keyless
# calls of several LIIDs). When promtool is installed (Debian's prometheus
# package) it also checks the exposition with "promtool check metrics".
# Prints "PASS metrics CHECK" or "FAIL metrics CHECK: REASON" per check,
# then "N passed, N failed"; exits 1 when a check failed.
set -u -o pipefail

# shellcheck source-path=SCRIPTDIR source=lib/checks.sh
source "$(dirname -- "$0")/lib/checks.sh"
lab_begin metrics metrics "$@"
lime=$build/lime
lime_pid=

lab_cleanup() {
	if [[ -n "$lime_pid" ]] && kill -0 "$lime_pid" 2>/dev/null; then
		kill -KILL "$lime_pid" 2>/dev/null
	fi
}

if ! "$python" "$script_dir/../pcapgen/gen_call_cases.py" "$work/cases" >"$work/gen.log" 2>&1 ||
   ! "$python" "$script_dir/check_call_events.py" config "$work/cases/expected.json" calls \
	"$work/spool" >"$work/calls.yaml" 2>"$work/config.log"; then
	fail setup "could not generate the capture or its configuration (see $work)"
	finish
fi

# 1. The final metrics equal the summary.
if timeout 60 "$lime" --config "$work/calls.yaml" --pcap "$work/cases/calls.pcap" \
	--summary "$work/summary.json" --metrics-out "$work/final.prom" >"$work/final.log" 2>&1; then
	if "$python" - "$work/summary.json" "$work/final.prom" >"$work/compare.log" 2>&1 <<'PY'
import json, re, sys
summary = json.load(open(sys.argv[1]))
metrics = {}
for line in open(sys.argv[2]):
    if line.startswith("#") or not line.strip():
        continue
    name, value = line.rsplit(" ", 1)
    metrics[name] = int(value)
checks = [("lime_packets_total", summary["packets_total"]),
          ("lime_sip_messages_total", summary["sip_messages"]),
          ("lime_sip_rejected_total", summary["sip_rejected"]),
          ("lime_calls_total", summary["calls"])]
for liid, n in summary["intercepted_calls"].items():
    checks.append(('lime_intercepted_calls_total{liid="%s"}' % liid, n))
for key, metric in (("media_decrypted", "lime_media_decrypted_total"),
                    ("media_failed", "lime_media_failed_total"),
                    ("media_undecryptable", "lime_media_undecryptable_total")):
    for liid, n in summary[key].items():
        checks.append(('%s{liid="%s"}' % (metric, liid), n))
for kind, n in summary["alarms"].items():
    checks.append(('lime_alarms_total{kind="%s"}' % kind, n))
for key, metric in (("records_delivered", "lime_records_delivered_total"),
                    ("records_spooled", "lime_records_spooled_total")):
    for liid, by_interface in summary[key].items():
        for interface, n in by_interface.items():
            checks.append(('%s{liid="%s",interface="%s"}' % (metric, liid, interface), n))
checks.append(("lime_kms_resolutions_ok_total", summary["kms_resolutions_ok"]))
checks.append(("lime_kms_resolutions_failed_total", summary["kms_resolutions_failed"]))
for cls, n in summary["packets_by_class"].items():
    checks.append(('lime_packets_by_class_total{class="%s"}' % cls, n))
bad = [(name, want, metrics.get(name)) for name, want in checks if metrics.get(name) != want]
for name, want, got in bad:
    print("%s is %s, the summary says %s" % (name, got, want))
sys.exit(1 if bad else 0)
PY
	then
		pass final_equals_summary
	else
		fail final_equals_summary "$(head -3 "$work/compare.log" | tr '\n' ';')"
	fi
else
	fail final_equals_summary "lime failed (see $work/final.log)"
fi

# 2. The endpoint during a paced run.
port=$(free_port)
cp "$work/calls.yaml" "$work/endpoint.yaml"
echo "metrics_listen: \"127.0.0.1:$port\"" >>"$work/endpoint.yaml"
"$lime" --config "$work/endpoint.yaml" --pcap "$work/cases/calls.pcap" --pcap-speed 4 \
	>"$work/endpoint.log" 2>&1 &
lime_pid=$!
for _ in $(seq 50); do
	grep -q "metrics: serving" "$work/endpoint.log" && break
	sleep 0.1
done

headers=$(curl -s -D - -o "$work/scrape.prom" "http://127.0.0.1:$port/metrics")
if [[ "$headers" == *"200 OK"* && "$headers" == *"text/plain; version=0.0.4"* ]] &&
   grep -q '^lime_calls_total ' "$work/scrape.prom"; then
	pass endpoint_scrape
else
	fail endpoint_scrape "no 200 text/plain exposition with lime_calls_total from port $port"
fi

code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/other")
[[ "$code" == 404 ]] && pass endpoint_unknown_path || fail endpoint_unknown_path "status $code, expected 404"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/metrics")
[[ "$code" == 405 ]] && pass endpoint_wrong_method || fail endpoint_wrong_method "status $code, expected 405"

# Every sample line: a metric name, optional labels, an integer value.
if ! grep -v '^#' "$work/scrape.prom" | grep -vqE '^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+$'; then
	pass exposition_syntax
else
	fail exposition_syntax "$(grep -v '^#' "$work/scrape.prom" | grep -vE '^[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? [0-9]+$' | head -1)"
fi

if command -v promtool >/dev/null; then
	if promtool check metrics <"$work/scrape.prom" >"$work/promtool.log" 2>&1; then
		pass promtool
	else
		fail promtool "$(head -2 "$work/promtool.log" | tr '\n' ';')"
	fi
else
	echo "SKIP metrics promtool: promtool is not installed (Debian package prometheus; LIME_TEST_DEPS=1 deploy/install-deps.sh installs it)"
fi

kill -TERM "$lime_pid" 2>/dev/null
wait "$lime_pid" 2>/dev/null
lime_pid=
finish
