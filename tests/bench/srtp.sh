#!/usr/bin/env bash
# SRTP decryption per worker core through the whole lime path, beside a
# bare libsrtp2 loop on the same kind of packets, the raw OpenSSL work per
# packet, and the rate and memory per stream from 1 to 100,000 streams.
#
# Usage: tests/bench/srtp.sh [BUILD_DIR] [CALLS] [SECONDS]
#
# The whole-path figure: lime-callgen writes CALLS concurrent SDES calls
# of SECONDS of G.711 20 ms media (all intercepted), lime reads them
# unpaced through net_pcap with one lcore that receives and decrypts, and
# the rate is decrypted packets over the run time. That lcore also reads
# the capture and decodes every frame, so on an appliance, where a
# worker only decrypts, the worker's share is the decryption cycles
# printed beside it.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
CALLS=${2:-400}
SECONDS_PER_CALL=${3:-10}
python=/usr/bin/python3

meson compile -C "$BUILD" srtp_decrypt_bench lime:executable lime-callgen >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-srtp-bench.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
cpu=${LIME_BENCH_CPU:-$(($(nproc) - 1))}

echo "== libsrtp2 alone, lime's session, raw OpenSSL, streams"
taskset -c "$cpu" "$BUILD/tests/bench/srtp_decrypt_bench" 60000 | tee "$work/bare.txt"

echo
echo "== the whole lime path: $CALLS calls of $SECONDS_PER_CALL s"
"$BUILD/lime-callgen" --out "$work/calls.pcap" --truth "$work/truth.json" --calls "$CALLS" \
	--concurrency "$CALLS" --duration "$SECONDS_PER_CALL" --target-share 1 \
	--targets "$CALLS" --seed 3 --quiet
"$python" - "$work/truth.json" "$work" >"$work/lime.yaml" <<'PY'
import json, sys
targets = json.load(open(sys.argv[1]))["targets"]
print('lcores: "0-1"\nworkers: 1\nmax_flows: 65536\nspool_dir: "%s/spool"' % sys.argv[2])
print('intercepts:\n  - liid: "LIID-1"')
print("    targets: [%s]" % ", ".join('"%s"' % t for t in targets))
print('    agency: "lea-1"\nagencies:\n  - name: "lea-1"\n    hi2: "127.0.0.1:1"\n    hi3: "127.0.0.1:2"')
PY
cat "$work/calls.pcap" >/dev/null      # into the page cache
"$BUILD/lime" --config "$work/lime.yaml" --pcap "$work/calls.pcap" \
	--summary "$work/summary.json" --log-level warning
"$python" - "$work/summary.json" "$work/bare.txt" <<'PY'
import json, re, sys
s = json.load(open(sys.argv[1]))
bare = float(re.search(r"RESULT srtp_decrypt_aes_cm_128_sha1_80 value=\S+ unit=pkt/s ceiling=(\S+)",
                       open(sys.argv[2]).read()).group(1))
media = s["media"]
rate = media["decrypted"] / s["run_seconds"]
hz = s["tsc_hz"]
lcore = s["lcores"][0]
print("decrypted %d of %d media packets (%d failed) in %.2f s" % (
    media["decrypted"], media["packets"], media["failed"], s["run_seconds"]))
print("one lcore reading, decoding and decrypting: %.0f packets/s; libsrtp2 alone: %.0f" % (rate, bare))
print("decryption alone: %.0f cycles/packet, %.0f packets/s per core" % (
    media["decrypt_cycles_per_packet"], hz / media["decrypt_cycles_per_packet"]))
print("lcore stages (cycles/packet): %s" % json.dumps(lcore.get("cycles_per_packet", lcore)))
print("RESULT srtp_whole_path value=%.0f unit=pkt/s ceiling=%.0f ratio=%.4f" % (rate, bare, rate / bare))
worker = hz / media["decrypt_cycles_per_packet"]
print("RESULT srtp_worker_decrypt value=%.0f unit=pkt/s ceiling=%.0f ratio=%.4f" % (worker, bare, worker / bare))
PY
