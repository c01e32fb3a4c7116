#!/usr/bin/env bash
# Check lime-callgen:
#   - the same seed gives identical output;
#   - captures are structurally valid: checksums, TCP, SIP, SDP and media
#     counts (tests/callgen/check_capture.py);
#   - libsrtp2 alone decrypts their SRTP to the ground truth's plaintext
#     hashes (tests/callgen/srtp_decode);
#   - MIKEY-TICKET calls and the attack scenarios work through a lime-kms
#     started on 127.0.0.1, and an LI node derives the same keys from them
#     (tests/callgen/mikey_li_check);
#   - bad options, an unreachable or untrusted KMS and a KMS clock that
#     does not fit give clear errors.
#
# Usage: callgen_cases.sh BUILD_DIR
#
# Prints "PASS callgen ..." or "FAIL callgen ...: REASON" per check, then
# "N passed, N failed". Exits 1 when a check failed and 2 on a usage
# error. The work folder is kept and its path printed when a check fails.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

# shellcheck source-path=SCRIPTDIR source=lib/kms_lab.sh
source "$(dirname -- "$0")/lib/kms_lab.sh"
lab_prefix=callgen
lab_kept_what="lime-callgen outputs"

build_dir=$1
build=$build_dir
callgen=$build_dir/lime-callgen
kms=$build_dir/lime-kms
decode=$build_dir/tests/callgen/srtp_decode
li_check=$build_dir/tests/callgen/mikey_li_check
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
check=$script_dir/../callgen/check_capture.py

for program in "$callgen" "$decode" "$li_check"; do
	if [[ ! -x "$program" ]]; then
		echo "$program not found or not executable: build it with 'meson compile -C $build_dir'" >&2
		exit 2
	fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/lime-callgen-cases.XXXXXX")

# Counts the PASS and FAIL lines of a checker's output.
count_results() {
	local name=$1 out=$2
	echo "$out" | grep -E '^(PASS|FAIL)'
	passed=$((passed + $(echo "$out" | grep -c '^PASS')))
	failed=$((failed + $(echo "$out" | grep -c '^FAIL')))
	if ! echo "$out" | grep -qE '^(PASS|FAIL)'; then
		fail "$name" "$(echo "$out" | tail -n 1)"
	fi
}

# Runs check_capture.py and srtp_decode on capture NAME; extra arguments
# go to check_capture.py.
check_capture() {
	local name=$1
	shift
	if ! "$decode" "$work/$name.pcap" "$work/$name.keys" >"$work/$name.tsv" 2>"$work/$name.decode.log"; then
		fail "$name decode" "srtp_decode failed: $(tail -n 1 "$work/$name.decode.log")"
		return
	fi
	count_results "$name check_capture" "$("$python" "$check" "$name" "$work/$name.pcap" \
		"$work/$name.json" --keys "$work/$name.keys" --decoded "$work/$name.tsv" "$@" 2>&1)"
}

# Derives the keys of capture NAME's MIKEY calls as an LI node and
# compares them with the truth.
check_li() {
	local name=$1
	"$li_check" "127.0.0.1:$port" "$work/ca.pem" "sip:li-node-1@lime.test" \
		55555555555555555555555555555555 "sip:kms@lime.test" \
		<"$work/$name.mikey" >"$work/$name.li" 2>"$work/$name.li.log"
	count_results "$name li_keys" "$("$python" "$script_dir/../callgen/compare_li.py" \
		"$name" "$work/$name.json" "$work/$name.li" 2>&1)"
}

# Generates capture NAME with the given options; counts a failure when
# lime-callgen does not exit 0.
generate() {
	local name=$1
	shift
	if "$callgen" --quiet --out "$work/$name.pcap" --truth "$work/$name.json" \
		--truth-keys "$work/$name.keys" "$@" 2>"$work/$name.log"; then
		return 0
	fi
	fail "$name generate" "lime-callgen exited with $?: $(tail -n 1 "$work/$name.log")"
	return 1
}

# Expects lime-callgen to exit with STATUS and print MESSAGE (a grep -E
# pattern) on stderr.
expect_error() {
	local name=$1 status=$2 message=$3 rc
	shift 3
	"$callgen" --quiet "$@" >"$work/$name.out" 2>"$work/$name.err"
	rc=$?
	if [[ $rc -ne $status ]]; then
		fail "$name" "exit status $rc, expected $status: $(head -n 1 "$work/$name.err")"
	elif ! grep -qE -- "$message" "$work/$name.err"; then
		fail "$name" "message \"$(head -n 1 "$work/$name.err")\" lacks /$message/"
	else
		pass "$name"
	fi
}

# ---- SDES and plain RTP ----

sdes_options=(--calls 40 --concurrency 12 --duration 2 --transport mixed --background 200
	--seed 5 --target-share 0.5)
if generate sdes "${sdes_options[@]}" &&
	generate sdes_again "${sdes_options[@]}"; then
	if cmp -s "$work/sdes.pcap" "$work/sdes_again.pcap" &&
		cmp -s "$work/sdes.json" "$work/sdes_again.json" &&
		cmp -s "$work/sdes.keys" "$work/sdes_again.keys"; then
		pass "determinism same seed"
	else
		fail "determinism same seed" "two runs with --seed 5 differ"
	fi
	generate sdes_seed6 "${sdes_options[@]}" --seed 6 &&
		if cmp -s "$work/sdes.pcap" "$work/sdes_seed6.pcap"; then
			fail "determinism other seed" "--seed 6 wrote the same capture as --seed 5"
		else
			pass "determinism other seed"
		fi
	check_capture sdes
fi

generate ipv6_tcp --calls 8 --duration 6 --transport tcp --ipv6 --rtcp-mux \
	--suite AEAD_AES_256_GCM --codec pcma --ptime 30 --target-share 1 --seed 7 &&
	check_capture ipv6_tcp
generate suites --calls 6 --duration 1 --suite AES_256_CM_HMAC_SHA1_32 --seed 8 &&
	check_capture suites
generate plain --calls 5 --duration 1 --keying none --codec wideband --seed 9 &&
	check_capture plain

# ---- Errors ----

expect_error "error missing out" 2 "--out FILE and --truth FILE are required" --calls 1
expect_error "error bad suite" 2 "invalid --suite \"AES_BOGUS\".*AEAD_AES_128_GCM" \
	--out "$work/e.pcap" --truth "$work/e.json" --suite AES_BOGUS
expect_error "error bad ptime" 2 "invalid --ptime \"25\"" \
	--out "$work/e.pcap" --truth "$work/e.json" --ptime 25
expect_error "error mikey without kms" 2 "--keying mikey needs --kms URL" \
	--out "$work/e.pcap" --truth "$work/e.json" --keying mikey
expect_error "error attack without mikey" 2 "need MIKEY-TICKET calls" \
	--out "$work/e.pcap" --truth "$work/e.json" --attack tap-altered
expect_error "error unwritable output" 1 "cannot create $work/missing/e.pcap" \
	--out "$work/missing/e.pcap" --truth "$work/e.json"

# ---- MIKEY-TICKET through lime-kms ----

if [[ ! -x "$kms" ]]; then
	fail "mikey" "$kms not found: build it with 'meson compile -C $build_dir'"
	finish
fi

lab_make_certs "lime-callgen test CA" ||
	{ fail "mikey certificates" "openssl could not make the test CA and KMS certificate"; finish; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$work/other.key" -out "$work/other-ca.pem" -days 2 -subj "/CN=other CA" 2>/dev/null

# write_kms_config FILE PORT OFFSET REUSABLE
# Writes a KMS configuration whose clock runs OFFSET seconds from --start
# (negative: behind it), so that tickets fit the capture's times.
write_kms_config() {
	lab_write_kms_config "$1" "$2" "$3" --max-skew 3600 --validity 300 --reusable "$4"
}

# Starts lime-kms with a configuration; sets kms_url.
start_kms() {
	local config=$1 port=$2 log=$3
	lab_start_kms "$config" "$log"
	kms_url="https://127.0.0.1:$port/mikey"
}

port=$(free_port)
write_kms_config "$work/kms.yaml" "$port" -150 true
start_kms "$work/kms.yaml" "$port" "$work/kms.log"
mikey_options=(--kms "$kms_url" --kms-ca "$work/ca.pem" --kms-config "$work/kms.yaml")

if generate mikey --calls 30 --duration 2 --keying mixed --transport mixed --seed 11 \
	--target-share 0.5 --attack tap-altered:2 --attack expired-ticket \
	--attack forged-flood:5 "${mikey_options[@]}"; then
	check_capture mikey --mikey-out "$work/mikey.mikey"
	check_li mikey
	problems=$("$python" - "$work/mikey.json" <<'PY'
import json, sys
truth = json.load(open(sys.argv[1]))
calls = truth["calls"]
attacks = [c for c in calls if "attack" in c]
kinds = [c["attack"]["kind"] for c in attacks]
problems = []
if kinds.count("tap-altered") != 2 or kinds.count("expired-ticket") != 1 or kinds.count("forged-flood") != 5:
    problems.append("attack calls %s" % kinds)
by_id = {c["call_id"]: c for c in calls}
for c in attacks:
    a = c["attack"]
    if a["kind"] == "tap-altered" and (a["expected_alarms"] != ["mikey_auth_failed"] or c["keying"] != "mikey"):
        problems.append("tap-altered %s" % c["call_id"])
    if a["kind"] == "expired-ticket":
        source = by_id.get(a.get("reuses_call_id"))
        if source is None or source["mikey"]["ticket_sha256"] != c["mikey"]["ticket_sha256"]:
            problems.append("expired-ticket %s does not reuse its source's ticket" % c["call_id"])
        elif c["start_us"] < c["mikey"]["ticket_tre_us"] + 300_000_000 or "J" not in c["mikey"]["ticket_flags"]:
            problems.append("expired-ticket %s starts inside the window or without J" % c["call_id"])
    if a["kind"] == "forged-flood" and (c["final_status"] != 488 or c["streams"]):
        problems.append("forged %s is not a rejected INVITE" % c["call_id"])
forgeries = {c["attack"]["detail"].split(":")[0] for c in attacks if c["attack"]["kind"] == "forged-flood"}
if "unknown_ticket_key" not in forgeries:
    problems.append("no forgery with an unknown ticket key")
mikey = [c for c in calls if c["keying"] == "mikey" and "attack" not in c]
if not mikey or any(c["mikey"]["responder_keys"] != "kms" for c in mikey):
    problems.append("MIKEY calls without keys resolved at the KMS")
if not any(not c["mikey"]["idri_sent"] for c in mikey):
    problems.append("no TRANSFER_INIT that leaves IDRi out")
print("; ".join(problems))
PY
)
	if [[ -z "$problems" ]]; then
		pass "mikey attacks marked"
	else
		fail "mikey attacks marked" "$problems"
	fi
	if grep "outcome=error" "$work/kms.log" | grep -qv "role=li"; then
		fail "mikey kms exchanges" "$(grep outcome=error "$work/kms.log" | grep -v role=li | head -n 1)"
	else
		pass "mikey kms exchanges"
	fi
fi

if generate mikey_ipv6 --calls 6 --duration 1 --keying mikey --ipv6 --suite AEAD_AES_128_GCM \
	--seed 12 "${mikey_options[@]}"; then
	check_capture mikey_ipv6 --mikey-out "$work/mikey_ipv6.mikey"
	check_li mikey_ipv6
fi

expect_error "error kms unreachable" 1 "cannot connect to the KMS" \
	--out "$work/e.pcap" --truth "$work/e.json" --keying mikey --calls 1 \
	--kms "https://127.0.0.1:$(free_port)/mikey" --kms-ca "$work/ca.pem" \
	--kms-config "$work/kms.yaml"
expect_error "error kms untrusted" 1 "failed verification against --kms-ca" \
	--out "$work/e.pcap" --truth "$work/e.json" --keying mikey --calls 1 \
	--kms "$kms_url" --kms-ca "$work/other-ca.pem" --kms-config "$work/kms.yaml"

# A KMS whose clock runs half an hour ahead issues tickets that start
# after the calls. Two hours ahead, it rejects the messages' T outright
# because max_clock_skew_s is one hour. A KMS without reusable tickets
# cannot serve expired-ticket.
ahead_port=$(free_port)
write_kms_config "$work/ahead.yaml" "$ahead_port" 1800 false
start_kms "$work/ahead.yaml" "$ahead_port" "$work/ahead.log"
expect_error "error kms clock ahead" 1 "lower its clock_offset_s" \
	--out "$work/e.pcap" --truth "$work/e.json" --keying mikey --calls 1 \
	--kms "$kms_url" --kms-ca "$work/ca.pem" --kms-config "$work/ahead.yaml"
skew_port=$(free_port)
write_kms_config "$work/skew.yaml" "$skew_port" 7200 false
start_kms "$work/skew.yaml" "$skew_port" "$work/skew.log"
expect_error "error kms clock skew" 1 "Invalid TS.*max_clock_skew_s" \
	--out "$work/e.pcap" --truth "$work/e.json" --keying mikey --calls 1 \
	--kms "$kms_url" --kms-ca "$work/ca.pem" --kms-config "$work/skew.yaml"
once_port=$(free_port)
write_kms_config "$work/once.yaml" "$once_port" -20 false
start_kms "$work/once.yaml" "$once_port" "$work/once.log"
expect_error "error expired-ticket without reuse" 1 "reusable: true" \
	--out "$work/e.pcap" --truth "$work/e.json" --keying mikey --calls 2 \
	--attack expired-ticket --target-share 0 --kms "$kms_url" --kms-ca "$work/ca.pem" \
	--kms-config "$work/once.yaml"

finish
