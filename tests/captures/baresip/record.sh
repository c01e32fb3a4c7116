#!/usr/bin/env bash
# Record the two committed captures of this folder: a call between two
# baresip instances with SDES (sdes-call.pcap) and the same call without
# encryption (plain-call.pcap), both playing the same generated tone file.
#
# Usage (root, Debian 12 with the baresip package): record.sh OUT_DIR
#
# Everything runs in a network namespace of its own, so no packet leaves
# it: SIP on 127.0.0.1 (alice on 5062 calls bob on 5060), media on the
# address of a veth pair inside the namespace, which baresip picks as its
# media address.
set -euo pipefail

out=${1:?usage: record.sh OUT_DIR}
work=$(mktemp -d)
ns=lime-baresip-$$
trap 'ip netns del "$ns" 2>/dev/null; rm -rf "$work"' EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add v0 type veth peer name v1
ip -n "$ns" addr add 10.99.0.1/24 dev v0
ip -n "$ns" addr add 10.99.0.2/24 dev v1
ip -n "$ns" link set v0 up
ip -n "$ns" link set v1 up

# Four seconds of a 440 Hz plus 1 kHz tone, 8 kHz mono 16-bit.
/usr/bin/python3 - "$work/tone.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 8000)
                                             + 3000 * math.sin(2 * math.pi * 1000 * i / 8000)))
                       for i in range(8000 * 4)))
w.close()
PY

for who in alice bob; do
	port=5062
	[[ $who == bob ]] && port=5060
	mkdir -p "$work/$who"
	cat >"$work/$who/config" <<CFG
sip_listen		127.0.0.1:$port
audio_player		aufile,$work/$who/received.wav
audio_source		aufile,$work/tone.wav
audio_alert		aufile,/dev/null
module_path		/usr/lib/baresip/modules
module			stdio.so
module			g711.so
module			aufile.so
module			srtp.so
module_app		account.so
module_app		menu.so
rtp_ports		$((port * 10))-$((port * 10 + 20))
CFG
done

record() {
	local name=$1 mediaenc=$2 tcpdump_pid
	echo "<sip:bob@127.0.0.1:5060>;regint=0;${mediaenc}answermode=auto;audio_codecs=PCMU" >"$work/bob/accounts"
	echo "<sip:alice@127.0.0.1:5062>;regint=0;${mediaenc}audio_codecs=PCMU" >"$work/alice/accounts"
	ip netns exec "$ns" tcpdump -i lo -w "$out/$name" -U udp >/dev/null 2>&1 &
	tcpdump_pid=$!
	sleep 1
	ip netns exec "$ns" timeout 12 baresip -f "$work/bob" -t 9 >"$work/bob-$name.log" 2>&1 &
	sleep 1
	ip netns exec "$ns" timeout 10 baresip -f "$work/alice" \
		-e "/dial sip:bob@127.0.0.1:5060" -t 6 >"$work/alice-$name.log" 2>&1 || true
	sleep 3
	kill "$tcpdump_pid"
	wait "$tcpdump_pid" 2>/dev/null || true
}

record sdes-call.pcap "mediaenc=srtp-mand;"
record plain-call.pcap ""
