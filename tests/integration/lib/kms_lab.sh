# Shared setup of the integration scripts that run lime-kms on loopback:
# a test CA with a KMS certificate for 127.0.0.1, the lime-kms
# configuration and its start, and the kms and intercept sections of
# lime's configuration. It sources checks.sh for the result counters and
# finish. Source it; it runs nothing itself.
#
# Variables the functions read or set, besides those of checks.sh:
#   lab_start_time   the capture start time that KMS clock offsets refer to
#   lab_kms_pids     the lime-kms processes that finish stops
#   kms_pid          the lime-kms process that lab_start_kms started last

# shellcheck source-path=SCRIPTDIR source=checks.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/checks.sh"

lab_start_time=2026-06-01T00:00:00Z
lab_kms_pids=()
kms_pid=

# lab_stop_kms [PID]
# Stops the lime-kms PID, or with no argument every lime-kms that
# lab_start_kms started, and removes them from lab_kms_pids, so that no
# later call signals a process ID that the system may have reused.
lab_stop_kms() {
	local pid kept=()

	for pid in "${lab_kms_pids[@]}"; do
		if [[ $# -eq 0 || $pid == "$1" ]]; then
			kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
		else
			kept+=("$pid")
		fi
	done
	lab_kms_pids=("${kept[@]}")
	if [[ $# -eq 0 || $kms_pid == "$1" ]]; then
		kms_pid=
	fi
	return 0
}

# lab_make_certs [CA_NAME]
# Writes a test CA ($work/ca.pem, ca.key) named CA_NAME ("lime test CA")
# and a KMS certificate for IP 127.0.0.1 signed by it ($work/kms.pem,
# kms.key). Both are valid for two days. Returns 1 when openssl fails.
lab_make_certs() {
	local ca_name=${1:-lime test CA}

	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$work/ca.key" -out "$work/ca.pem" -days 2 -subj "/CN=$ca_name" \
		2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/kms.key" \
		-out "$work/kms.csr" -subj "/CN=127.0.0.1" 2>/dev/null &&
	printf 'subjectAltName=IP:127.0.0.1\n' >"$work/kms.ext" &&
	openssl x509 -req -in "$work/kms.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" \
		-CAcreateserial -out "$work/kms.pem" -days 2 -extfile "$work/kms.ext" 2>/dev/null
}

# lab_write_kms_config FILE PORT OFFSET_S [OPTION...]
# Writes a lime-kms configuration for 127.0.0.1:PORT with the certificate
# of lab_make_certs, the four test users and LI node sip:li-node-1. The
# KMS clock runs OFFSET_S seconds from lab_start_time (negative: behind
# it), counted from the wall clock at this call. Options:
#   --now EPOCH_S         count the offset from this wall-clock time instead
#   --fixed-ticket-key    a fixed ticket_key_hex, so that a restarted KMS
#                         resolves the tickets of the one before
#   --max-skew S          max_clock_skew_s (lime-kms's default when left out)
#   --validity S          ticket_policy.validity_s (120)
#   --reusable BOOL       ticket_policy.reusable (lime-kms's default when left out)
#   --extra TEXT          lines appended at the end, such as a key_reports section
lab_write_kms_config() {
	local file=$1 port=$2 offset=$3
	local now start_s validity=120 ticket_key='' skew='' reusable='' extra=''
	shift 3

	now=$(date +%s)
	while [[ $# -gt 0 ]]; do
		case $1 in
		--now) now=$2; shift 2 ;;
		--fixed-ticket-key)
			ticket_key="ticket_key_hex: \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\""
			shift ;;
		--max-skew) skew="max_clock_skew_s: $2"; shift 2 ;;
		--validity) validity=$2; shift 2 ;;
		--reusable) reusable="  reusable: $2"; shift 2 ;;
		--extra) extra=$2; shift 2 ;;
		*)
			echo "lab_write_kms_config: unknown option $1" >&2
			return 2 ;;
		esac
	done
	start_s=$(date -d "$lab_start_time" +%s)

	{
		cat <<YAML
listen: "127.0.0.1:$port"
cert_file: "$work/kms.pem"
key_file: "$work/kms.key"
kms_identity: "sip:kms@lime.test"
YAML
		if [[ -n "$ticket_key" ]]; then
			echo "$ticket_key"
		fi
		echo "clock_offset_s: $((start_s - now + offset))"
		if [[ -n "$skew" ]]; then
			echo "$skew"
		fi
		cat <<YAML
users:
  - identity: "sip:target-0@ims.test"
    psk_hex: "11111111111111111111111111111111"
  - identity: "tel:+15550101"
    psk_hex: "22222222222222222222222222222222"
  - identity: "sip:alice@ims.test"
    psk_hex: "33333333333333333333333333333333"
  - identity: "sip:bob@ims.test"
    psk_hex: "44444444444444444444444444444444"
li_nodes:
  - identity: "sip:li-node-1@lime.test"
    psk_hex: "55555555555555555555555555555555"
ticket_policy:
  validity_s: $validity
YAML
		if [[ -n "$reusable" ]]; then
			echo "$reusable"
		fi
		echo "  forking: true"
		if [[ -n "$extra" ]]; then
			echo "$extra"
		fi
	} >"$file"
}

# lab_start_kms CONFIG LOG [--append] [--no-wait]
# Starts lime-kms in the background with its stderr in LOG (--append: added
# to LOG), records it in kms_pid and lab_kms_pids, and waits up to 5 s for
# "listening on" in LOG unless --no-wait. Returns 1 when that line did not
# come.
lab_start_kms() {
	local config=$1 log=$2 append=false wait_listening=true
	shift 2

	while [[ $# -gt 0 ]]; do
		case $1 in
		--append) append=true ;;
		--no-wait) wait_listening=false ;;
		*)
			echo "lab_start_kms: unknown option $1" >&2
			return 2 ;;
		esac
		shift
	done
	if $append; then
		"$build/lime-kms" --config "$config" 2>>"$log" &
	else
		"$build/lime-kms" --config "$config" 2>"$log" &
	fi
	kms_pid=$!
	lab_kms_pids+=("$kms_pid")
	$wait_listening || return 0
	# NOTE: with --append a "listening on" line of an earlier start in the
	# same LOG ends this wait at once.
	for _ in $(seq 50); do
		grep -q "listening on" "$log" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# lab_lime_kms_section PORT
# Prints the kms section of a lime configuration for the KMS of
# lab_write_kms_config on PORT, as LI node sip:li-node-1.
lab_lime_kms_section() {
	cat <<YAML
kms:
  url: "https://127.0.0.1:$1/mikey"
  ca_file: "$work/ca.pem"
  identity: "sip:li-node-1@lime.test"
  kms_identity: "sip:kms@lime.test"
  psk_hex: "55555555555555555555555555555555"
YAML
}

# lab_lime_intercepts HI2 HI3
# Prints the intercepts and agencies sections of a lime configuration:
# LIID-1 on sip:target-0@ims.test and tel:+15550101, delivered to agency
# lea-1 at the HI2 and HI3 addresses.
lab_lime_intercepts() {
	cat <<YAML
intercepts:
  - liid: "LIID-1"
    targets: ["sip:target-0@ims.test", "tel:+15550101"]
    agency: "lea-1"
agencies:
  - name: "lea-1"
    hi2: "$1"
    hi3: "$2"
YAML
}
