#!/usr/bin/env bash
# Check that lime recovers the plaintext media of intercepted SDES calls
# byte for byte: lime-callgen writes calls for every SRTP suite and a few
# variants (rtcp-mux, IPv6, SIP over TCP, long calls whose sequence
# numbers wrap), lime decrypts them with --cc-pcap, and
# check_decrypted.py compares the payloads with the ground truth.
#
# Usage: decrypt_cases.sh BUILD_DIR
#
# Prints "PASS decrypt CASE" or "FAIL decrypt CASE: REASON" per case,
# then "N passed, N failed"; exits 1 when a case failed. Takes about a
# minute on a two-core machine.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build=$1
python=/usr/bin/python3
checker=$(cd -- "$(dirname -- "$0")" && pwd)/check_decrypted.py
work=$(mktemp -d "${TMPDIR:-/tmp}/lime-decrypt-cases.XXXXXX")
passed=0
failed=0

cat >"$work/lime.yaml" <<'YAML'
lcores: "0-1"
workers: 1
intercepts:
  - liid: "LIID-1"
    targets: ["sip:target-0@ims.test", "tel:+15550101", "sip:target-2@ims.test", "tel:+15550103"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    # ports where no agency listens: records go to the spool
    hi2: "127.0.0.1:1"
    hi3: "127.0.0.1:2"
YAML
echo "spool_dir: \"$work/spool\"" >>"$work/lime.yaml"

# name, then lime-callgen options
cases=(
	"aes_cm_128_80|--suite AES_CM_128_HMAC_SHA1_80"
	"aes_cm_128_32|--suite AES_CM_128_HMAC_SHA1_32"
	"aes_192_80|--suite AES_192_CM_HMAC_SHA1_80"
	"aes_192_32|--suite AES_192_CM_HMAC_SHA1_32"
	"aes_256_80|--suite AES_256_CM_HMAC_SHA1_80"
	"aes_256_32|--suite AES_256_CM_HMAC_SHA1_32"
	"gcm_128|--suite AEAD_AES_128_GCM"
	"gcm_256|--suite AEAD_AES_256_GCM"
	"rtcp_mux|--rtcp-mux"
	"ipv6|--ipv6"
	"sip_over_tcp|--transport tcp"
	"rtcp_reports|--duration 12"
)

for entry in "${cases[@]}"; do
	name=${entry%%|*}
	options=${entry#*|}
	dir=$work/$name
	mkdir -p "$dir"
	# shellcheck disable=SC2086
	if ! timeout 60 "$build/lime-callgen" --out "$dir/calls.pcap" --truth "$dir/truth.json" \
		--calls 8 --concurrency 4 --duration 2 --target-share 0.5 --targets 4 \
		--seed 7 --quiet $options >"$dir/callgen.log" 2>&1; then
		echo "FAIL decrypt $name: lime-callgen failed: $(tail -1 "$dir/callgen.log")"
		failed=$((failed + 1))
		continue
	fi
	if ! timeout 60 "$build/lime" --config "$work/lime.yaml" --pcap "$dir/calls.pcap" \
		--summary "$dir/summary.json" --cc-pcap "$dir/cc.pcapng" >"$dir/lime.log" 2>&1; then
		echo "FAIL decrypt $name: lime failed: $(tail -1 "$dir/lime.log")"
		failed=$((failed + 1))
		continue
	fi
	if "$python" "$checker" "$dir/truth.json" "$dir/cc.pcapng" "$dir/summary.json" \
		>"$dir/check.log" 2>&1; then
		echo "PASS decrypt $name"
		passed=$((passed + 1))
	else
		echo "FAIL decrypt $name: $(head -3 "$dir/check.log" | tr '\n' ';')"
		failed=$((failed + 1))
	fi
done

# A re-INVITE that changes the caller's key: the packets the caller still
# protects with the old key after the answer decrypt with it (overlap).
rekey=$work/rekey
mkdir -p "$rekey"
cat >"$rekey/lime.yaml" <<'YAML'
lcores: "0-1"
workers: 1
intercepts:
  - liid: "LIID-R"
    targets: ["sip:rekey@ims.test"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "127.0.0.1:1"
    hi3: "127.0.0.1:2"
YAML
echo "spool_dir: \"$rekey/spool\"" >>"$rekey/lime.yaml"
if "$python" "$(dirname -- "$checker")/../pcapgen/gen_rekey_case.py" "$rekey/rekey.pcap" \
	"$rekey/expected.json" >"$rekey/gen.log" 2>&1 &&
   timeout 60 "$build/lime" --config "$rekey/lime.yaml" --pcap "$rekey/rekey.pcap" \
	--summary "$rekey/summary.json" >"$rekey/lime.log" 2>&1 &&
   "$python" - "$rekey/expected.json" "$rekey/summary.json" >"$rekey/check.log" 2>&1 <<'PY'
import json, sys
expected = json.load(open(sys.argv[1]))
summary = json.load(open(sys.argv[2]))
bad = []
for key, want in expected.items():
    value = summary
    for part in key.split("."):
        value = value[part]
    if value != want:
        bad.append("%s is %s, expected %s" % (key, value, want))
print("\n".join(bad))
sys.exit(1 if bad else 0)
PY
then
	echo "PASS decrypt rekey_overlap"
	passed=$((passed + 1))
else
	echo "FAIL decrypt rekey_overlap: $(head -3 "$rekey/check.log" "$rekey/gen.log" "$rekey/lime.log" 2>/dev/null | tr '\n' ';')"
	failed=$((failed + 1))
fi

echo "$passed passed, $failed failed"
if [[ $failed -gt 0 ]]; then
	echo "files kept in $work"
	exit 1
fi
rm -rf "$work"
exit 0
