#!/usr/bin/python3
"""Generate pcap captures that test how lime counts SIP messages.

Usage: gen_capture_cases.py OUTDIR

Writes one pcap per case into OUTDIR, plus OUTDIR/expected.json. Every pcap
has the Ethernet link type, microsecond timestamps, and timestamps that
increase strictly from 2026-03-01T10:00:00Z. The output is the same on every
run because all variable content comes from fixed seeds.

expected.json maps each case name to an object with these keys:
  "pcaps"        The pcap files of the case, in the order given to lime.
  "description"  One line on what the case exercises.
  KEY            A value that lime's summary must contain exactly.
  KEY_min        A lower bound on the summary value KEY.
  KEY_max        An upper bound on the summary value KEY.

The SIP message counts are those of a correct passive tap: one message per
UDP datagram after IP reassembly, and each message of a TCP stream once,
whatever the segmentation, retransmission or reordering. Needs scapy, which
Debian installs for /usr/bin/python3 (package python3-scapy).
"""

import argparse
import base64
import calendar
import hashlib
import json
import os
import random
import struct
import sys

from scapy.layers.dns import DNS, DNSQR, DNSRRSRV
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import (
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    ICMPv6NDOptDstLLAddr,
    ICMPv6NDOptSrcLLAddr,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
)
from scapy.layers.l2 import ARP, GRE, Dot1Q, Ether
from scapy.packet import Raw

BASE_TIME_US = calendar.timegm((2026, 3, 1, 10, 0, 0)) * 1_000_000
SIP_PORT = 5060
VXLAN_PORT = 4789
# Shortest Ethernet frame without FCS. Receivers capture short frames with
# the zero padding the sender added, so shorter frames are padded to this.
MIN_FRAME_LEN = 60
# Spacing of consecutive cases in the mixed capture.
MIXED_CASE_OFFSET_US = 1_000

ETHERTYPE_IPV4 = 0x0800
ETHERTYPE_IPV6 = 0x86DD
TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8
TPID_9100 = 0x9100
GRE_PROTO_ERSPAN2 = 0x88BE
GRE_PROTO_ERSPAN3 = 0x22EB

# Times, in microseconds from the start of a dialog, of the messages of a
# basic call: (step, direction). "fwd" goes from caller to callee.
DIALOG_STEPS = [
    ("invite", 0, "fwd"),
    ("trying", 3_000, "rev"),
    ("ringing", 48_000, "rev"),
    ("ok", 1_650_000, "rev"),
    ("ack", 1_672_000, "fwd"),
    ("bye", 4_900_000, "fwd"),
    ("bye_ok", 4_931_000, "rev"),
]
RTP_START_US = 1_700_000

COMPACT_HEADER_NAMES = {
    "Via": "v",
    "From": "f",
    "To": "t",
    "Call-ID": "i",
    "Contact": "m",
    "Content-Type": "c",
    "Content-Length": "l",
    "Supported": "k",
    "Subject": "s",
}


# ---------------------------------------------------------------------------
# Capture container and pcap output


class Capture:
    """Frames of one case, with the SIP counts a correct tap reports for them.

    Counts are kept per tag so that one generated capture can be split into
    several pcap files (the multi case) and each file still has exact counts.
    """

    def __init__(self, name, index):
        self.name = name
        self.index = index
        self.rng = random.Random("lime-pcapgen:" + name)
        self.frames = []  # (time_us, insertion order, tag, frame bytes)
        self.sip = {}
        self.sip_ambiguous = {}
        self.rejected = {}
        self.rejected_exact = True
        self.description = ""

    def add(self, time_us, frame, tag=None):
        if len(frame) < MIN_FRAME_LEN:
            frame = frame + bytes(MIN_FRAME_LEN - len(frame))
        self.frames.append((time_us, len(self.frames), tag, frame))

    def count_sip(self, tag=None, n=1):
        self.sip[tag] = self.sip.get(tag, 0) + n

    def count_ambiguous(self, tag=None, n=1):
        """Count a datagram that a correct tap may either accept or drop."""
        self.sip_ambiguous[tag] = self.sip_ambiguous.get(tag, 0) + n

    def count_rejected(self, tag=None, n=1):
        self.rejected[tag] = self.rejected.get(tag, 0) + n


def order_frames(frames, offset_us=0):
    """Sort frames by time and make the times strictly increasing.

    Frames with equal times keep their insertion order and are moved apart by
    one microsecond each.
    """
    ordered = sorted(frames, key=lambda f: (f[0] + offset_us, f[1]))
    result = []
    last = None
    for time_us, _, tag, frame in ordered:
        t = time_us + offset_us
        if last is not None and t <= last:
            t = last + 1
        result.append((t, tag, frame))
        last = t
    return result


def write_pcap(path, timed_frames):
    """Write (relative time in microseconds, tag, frame) tuples as a pcap file."""
    with open(path, "wb") as out:
        # Magic, version 2.4, zone 0, sigfigs 0, snaplen, link type Ethernet.
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for time_us, _, frame in timed_frames:
            absolute = BASE_TIME_US + time_us
            seconds, micros = divmod(absolute, 1_000_000)
            out.write(struct.pack("<IIII", seconds, micros, len(frame), len(frame)))
            out.write(frame)


# ---------------------------------------------------------------------------
# Hosts, links and encapsulation


def random_hex(rng, n):
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


class Host:
    """One IP endpoint on the capture's Ethernet segment."""

    def __init__(self, addr, mac, rng):
        self.addr = addr
        self.mac = mac
        self.next_ip_id = rng.randrange(1, 0xF000)

    @property
    def v6(self):
        return ":" in self.addr

    def take_ip_id(self):
        ident = self.next_ip_id
        self.next_ip_id = (self.next_ip_id + 1) & 0xFFFF
        return ident

    def hostport(self, port):
        if self.v6:
            return "[%s]:%d" % (self.addr, port)
        return "%s:%d" % (self.addr, port)


def case_hosts(cap, v6=False):
    """Return a caller and a callee host whose addresses are unique to the case."""
    k = cap.index
    if v6:
        caller_addr = "2001:db8:%x::10" % (k + 1)
        callee_addr = "2001:db8:%x:1::20" % (k + 1)
    else:
        caller_addr = "192.0.2.%d" % (10 + k)
        callee_addr = "198.51.100.%d" % (10 + k)
    caller = Host(caller_addr, "02:00:00:00:%02x:01" % k, cap.rng)
    callee = Host(callee_addr, "02:00:00:00:%02x:02" % k, cap.rng)
    return caller, callee


class Link:
    """Turns an IP packet into the frame that the capture point records.

    kind is "plain", a VLAN stack ("vlan", "qinq_88a8", "qinq_9100",
    "qinq_8100") or a tunnel from a mirroring switch to the collector
    ("erspan2", "erspan3", "gre_ip", "vxlan").
    """

    VLAN_STACKS = {
        "plain": [],
        "vlan": [(TPID_8021Q, 101)],
        "qinq_88a8": [(TPID_8021AD, 300), (TPID_8021Q, 102)],
        "qinq_9100": [(TPID_9100, 301), (TPID_8021Q, 103)],
        "qinq_8100": [(TPID_8021Q, 302), (TPID_8021Q, 104)],
    }

    def __init__(self, kind, cap):
        self.kind = kind
        k = cap.index
        self.switch = Host("203.0.113.%d" % (1 + k), "02:00:00:01:%02x:01" % k, cap.rng)
        self.collector = Host("203.0.113.250", "02:00:00:01:ff:fe", cap.rng)
        self.gre_seq = cap.rng.randrange(1, 1 << 20)
        self.session_id = 1 + k
        self.vni = 5000 + k

    def frame(self, time_us, l3, src_mac, dst_mac):
        if self.kind in self.VLAN_STACKS:
            return self._tagged(l3, src_mac, dst_mac, self.VLAN_STACKS[self.kind])

        inner = bytes(Ether(src=src_mac, dst=dst_mac) / l3)
        if len(inner) < MIN_FRAME_LEN:
            inner += bytes(MIN_FRAME_LEN - len(inner))
        outer_ip = IP(src=self.switch.addr, dst=self.collector.addr,
                      id=self.switch.take_ip_id(), ttl=62)
        outer_eth = Ether(src=self.switch.mac, dst=self.collector.mac)

        if self.kind == "erspan2":
            gre = GRE(seqnum_present=1, sequence_number=self._next_gre_seq(),
                      proto=GRE_PROTO_ERSPAN2)
            return bytes(outer_eth / outer_ip / gre / Raw(self._erspan2_header() + inner))
        if self.kind == "erspan3":
            gre = GRE(seqnum_present=1, sequence_number=self._next_gre_seq(),
                      proto=GRE_PROTO_ERSPAN3)
            header = self._erspan3_header(time_us)
            return bytes(outer_eth / outer_ip / gre / Raw(header + inner))
        if self.kind == "gre_ip":
            gre = GRE(proto=ETHERTYPE_IPV4)
            return bytes(outer_eth / outer_ip / gre / Raw(bytes(l3)))
        if self.kind == "vxlan":
            # Flags 0x08 mark the VNI field as valid. The source port carries
            # flow entropy as switches do. The UDP checksum is zero, as
            # RFC 7348 recommends for VXLAN over IPv4.
            header = struct.pack("!B3sI", 0x08, bytes(3), self.vni << 8)
            sport = 49152 + (hash_bytes(bytes(l3)[:40]) % 16384)
            udp = UDP(sport=sport, dport=VXLAN_PORT, chksum=0)
            return bytes(outer_eth / outer_ip / udp / Raw(header + inner))
        raise ValueError("unknown link kind: %s" % self.kind)

    @staticmethod
    def _tagged(l3, src_mac, dst_mac, stack):
        ethertype = ETHERTYPE_IPV6 if isinstance(l3, IPv6) else ETHERTYPE_IPV4
        if not stack:
            return bytes(Ether(src=src_mac, dst=dst_mac, type=ethertype) / l3)
        packet = Ether(src=src_mac, dst=dst_mac, type=stack[0][0])
        for position, (_, vlan_id) in enumerate(stack):
            if position + 1 < len(stack):
                next_type = stack[position + 1][0]
            else:
                next_type = ethertype
            packet = packet / Dot1Q(vlan=vlan_id, prio=5, type=next_type)
        return bytes(packet / l3)

    def _next_gre_seq(self):
        seq = self.gre_seq
        self.gre_seq = (self.gre_seq + 1) & 0xFFFFFFFF
        return seq

    def _erspan2_header(self):
        # Word 0: version 1 (type II), VLAN 0, COS 0, En 0 (untagged
        # original), T 0, session ID. Word 1: 12 reserved bits and a 20-bit
        # port index.
        word0 = (1 << 28) | self.session_id
        word1 = 7
        return struct.pack("!II", word0, word1)

    def _erspan3_header(self, time_us):
        # Word 0: version 2 (type III), VLAN 0, COS 0, BSO 0, T 0, session
        # ID. Word 1: timestamp in units of 100 microseconds (Gra 0).
        # Word 2: SGT 0, P 0, FT 0 (Ethernet frame), hardware ID 1, D 0,
        # Gra 0, O 0, so no platform-specific subheader follows.
        word0 = (2 << 28) | self.session_id
        timestamp = ((BASE_TIME_US + time_us) // 100) & 0xFFFFFFFF
        word2 = 1 << 4
        return struct.pack("!III", word0, timestamp, word2)


def hash_bytes(data):
    return int.from_bytes(hashlib.sha256(data).digest()[:4], "big")


class Net:
    """Sends IP traffic of one case through its link into its capture.

    tag_of maps the sending host to the tag of the pcap file that records the
    frame. Only the multi case sets it.
    """

    def __init__(self, cap, link_kind="plain", tag_of=None):
        self.cap = cap
        self.link = Link(link_kind, cap)
        self.tag_of = tag_of or (lambda host: None)

    def tag(self, src):
        return self.tag_of(src)

    def emit(self, time_us, src, dst, l3):
        frame = self.link.frame(time_us, l3, src.mac, dst.mac)
        self.cap.add(time_us, frame, self.tag(src))

    def ip(self, src, dst, **fields):
        if src.v6:
            return IPv6(src=src.addr, dst=dst.addr, hlim=64, **fields)
        return IP(src=src.addr, dst=dst.addr, id=src.take_ip_id(), ttl=64, **fields)

    def udp(self, time_us, src, dst, sport, dport, payload, ext_headers=""):
        """Send one unfragmented UDP datagram.

        ext_headers names IPv6 extension headers to put before UDP: "h" for
        hop-by-hop options, "d" for destination options, in that order.
        """
        l3 = self.ip(src, dst)
        if "h" in ext_headers:
            l3 = l3 / IPv6ExtHdrHopByHop()
        if "d" in ext_headers:
            l3 = l3 / IPv6ExtHdrDestOpt()
        self.emit(time_us, src, dst, l3 / UDP(sport=sport, dport=dport) / Raw(payload))

    def udp_fragments(self, time_us, src, dst, sport, dport, payload, fragment_len,
                      order=None, hop_by_hop=False, step_us=40):
        """Send one UDP datagram as IP fragments.

        fragment_len is the number of UDP bytes per fragment (a multiple of
        8). order lists fragment indexes in sending order. An index may
        repeat (a duplicate) or be missing (a lost fragment).
        """
        l4 = udp_bytes(src, dst, sport, dport, payload)
        pieces = [(offset, l4[offset:offset + fragment_len])
                  for offset in range(0, len(l4), fragment_len)]
        ident = self._fragment_id(src)
        packets = [self._fragment(src, dst, ident, offset, chunk,
                                  more=(offset + len(chunk) < len(l4)),
                                  hop_by_hop=hop_by_hop)
                   for offset, chunk in pieces]
        if order is None:
            order = range(len(packets))
        for position, fragment_index in enumerate(order):
            self.emit(time_us + position * step_us, src, dst, packets[fragment_index])

    def raw_fragment(self, time_us, src, dst, ident, offset, chunk, more, proto=17):
        self.emit(time_us, src, dst,
                  self._fragment(src, dst, ident, offset, chunk, more, proto=proto))

    def _fragment_id(self, src):
        if src.v6:
            return self.cap.rng.getrandbits(32)
        return src.take_ip_id()

    @staticmethod
    def _fragment(src, dst, ident, offset, chunk, more, hop_by_hop=False, proto=17):
        if src.v6:
            l3 = IPv6(src=src.addr, dst=dst.addr, hlim=64)
            if hop_by_hop:
                l3 = l3 / IPv6ExtHdrHopByHop()
            header = IPv6ExtHdrFragment(nh=proto, offset=offset // 8, m=int(more), id=ident)
            return l3 / header / Raw(chunk)
        flags = "MF" if more else 0
        return IP(src=src.addr, dst=dst.addr, id=ident, flags=flags,
                  frag=offset // 8, proto=proto, ttl=64) / Raw(chunk)


def udp_bytes(src, dst, sport, dport, payload):
    """Return a UDP header and payload with the checksum filled in."""
    if src.v6:
        packet = IPv6(src=src.addr, dst=dst.addr) / UDP(sport=sport, dport=dport) / Raw(payload)
        return bytes(packet)[40:]
    packet = IP(src=src.addr, dst=dst.addr) / UDP(sport=sport, dport=dport) / Raw(payload)
    return bytes(packet)[20:]


# ---------------------------------------------------------------------------
# SIP and SDP


class Party:
    """A SIP user agent: its identity, host, SIP port and media port."""

    def __init__(self, user, display, domain, host, sip_port, media_port):
        self.user = user
        self.display = display
        self.domain = domain
        self.host = host
        self.sip_port = sip_port
        self.media_port = media_port

    def sent_by(self):
        return self.host.hostport(self.sip_port)


def header_name(name, style):
    if style == "compact" and name in COMPACT_HEADER_NAMES:
        return COMPACT_HEADER_NAMES[name]
    if style == "lower":
        return name.lower()
    return name


def sip_message(start_line, headers, body=b"", style="canonical"):
    """Render a SIP message with a Content-Length header that matches the body.

    style "canonical" writes header names as RFC 3261 spells them, "compact"
    uses the one-letter forms where they exist, "lower" writes names in lower
    case.
    """
    lines = [start_line]
    for name, value in headers:
        lines.append("%s: %s" % (header_name(name, style), value))
    lines.append("%s: %d" % (header_name("Content-Length", style), len(body)))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def sdp_body(rng, party, srtp=False, min_len=0, video=False):
    """Return an SDP offer or answer, padded with ICE candidates to min_len bytes."""
    host = party.host
    family = "IP6" if host.v6 else "IP4"
    session = rng.randrange(10**9, 10**10)
    proto = "RTP/SAVP" if srtp else "RTP/AVP"
    lines = [
        "v=0",
        "o=%s %d %d IN %s %s" % (party.user, session, session, family, host.addr),
        "s=-",
        "c=IN %s %s" % (family, host.addr),
        "t=0 0",
        "m=audio %d %s 0 8 9 101" % (party.media_port, proto),
        "a=rtpmap:0 PCMU/8000",
        "a=rtpmap:8 PCMA/8000",
        "a=rtpmap:9 G722/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        "a=maxptime:150",
    ]
    if srtp:
        key = base64.b64encode(bytes(rng.getrandbits(8) for _ in range(30))).decode()
        lines.append("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s" % key)
    lines.append("a=sendrecv")
    if video:
        lines += [
            "m=video %d %s 96 97" % (party.media_port + 2, proto),
            "a=rtpmap:96 H264/90000",
            "a=fmtp:96 profile-level-id=42e01f;packetization-mode=1",
            "a=rtpmap:97 VP8/90000",
            "a=rtcp-fb:* nack",
            "a=rtcp-fb:* nack pli",
            "a=rtcp-fb:* ccm fir",
            "a=sendrecv",
        ]
    if min_len:
        lines += [
            "a=ice-ufrag:%s" % random_hex(rng, 8),
            "a=ice-pwd:%s" % random_hex(rng, 24),
            "a=rtcp-mux",
        ]
        relay = "203.0.113.%d" % (100 + rng.randrange(100))
        component = 0
        while len(("\r\n".join(lines) + "\r\n").encode()) < min_len:
            component += 1
            port = party.media_port + 2 * component
            priority = 2130706431 - component * 256
            if component % 2:
                lines.append("a=candidate:%d 1 UDP %d %s %d typ host"
                             % (component, priority, host.addr, port))
            else:
                lines.append("a=candidate:%d 1 UDP %d %s %d typ relay raddr %s rport %d"
                             % (component, priority // 2, relay, 50000 + component,
                                host.addr, port))
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


class Dialog:
    """One INVITE dialog between a caller and a callee.

    offer_len and answer_len are the minimum SDP body sizes; video adds a
    video stream to both bodies.
    """

    def __init__(self, rng, caller, callee, transport="UDP", srtp=False,
                 offer_len=0, answer_len=0, video=False):
        self.caller = caller
        self.callee = callee
        self.transport = transport
        self.call_id = "%s@%s" % (random_hex(rng, 20), caller.domain)
        self.from_tag = random_hex(rng, 10)
        self.to_tag = random_hex(rng, 10)
        self.branches = {name: "z9hG4bK" + random_hex(rng, 16)
                         for name in ("invite", "ack", "bye")}
        self.offer = sdp_body(rng, caller, srtp, offer_len, video)
        self.answer = sdp_body(rng, callee, srtp, answer_len, video)

    def _contact(self, party):
        param = ";transport=tcp" if self.transport == "TCP" else ""
        return "<sip:%s@%s%s>" % (party.user, party.sent_by(), param)

    def _via(self, party, branch):
        return "SIP/2.0/%s %s;branch=%s" % (self.transport, party.sent_by(), branch)

    def _caller_uri(self):
        return '"%s" <sip:%s@%s>' % (self.caller.display, self.caller.user, self.caller.domain)

    def _callee_uri(self):
        return "<sip:%s@%s>" % (self.callee.user, self.callee.domain)

    def invite(self, style="canonical"):
        headers = [
            ("Via", self._via(self.caller, self.branches["invite"])),
            ("Max-Forwards", "70"),
            ("From", "%s;tag=%s" % (self._caller_uri(), self.from_tag)),
            ("To", self._callee_uri()),
            ("Call-ID", self.call_id),
            ("CSeq", "1 INVITE"),
            ("Contact", self._contact(self.caller)),
            ("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK"),
            ("Supported", "replaces, timer"),
            ("Session-Expires", "1800"),
            ("User-Agent", "pcapgen-ua/1.0"),
            ("Content-Type", "application/sdp"),
        ]
        start = "INVITE sip:%s@%s SIP/2.0" % (self.callee.user, self.callee.domain)
        return sip_message(start, headers, self.offer, style)

    def invite_response(self, code, reason, body=b"", style="canonical"):
        to_value = self._callee_uri()
        if code != 100:
            to_value += ";tag=%s" % self.to_tag
        headers = [
            ("Via", self._via(self.caller, self.branches["invite"])),
            ("From", "%s;tag=%s" % (self._caller_uri(), self.from_tag)),
            ("To", to_value),
            ("Call-ID", self.call_id),
            ("CSeq", "1 INVITE"),
        ]
        if code != 100:
            headers.append(("Contact", self._contact(self.callee)))
        if code == 200:
            headers.append(("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE"))
            headers.append(("Supported", "timer"))
            headers.append(("Session-Expires", "1800;refresher=uac"))
        if body:
            headers.append(("Content-Type", "application/sdp"))
        return sip_message("SIP/2.0 %d %s" % (code, reason), headers, body, style)

    def ack(self, style="canonical"):
        headers = [
            ("Via", self._via(self.caller, self.branches["ack"])),
            ("Max-Forwards", "70"),
            ("From", "%s;tag=%s" % (self._caller_uri(), self.from_tag)),
            ("To", "%s;tag=%s" % (self._callee_uri(), self.to_tag)),
            ("Call-ID", self.call_id),
            ("CSeq", "1 ACK"),
        ]
        start = "ACK sip:%s@%s SIP/2.0" % (self.callee.user, self.callee.sent_by())
        return sip_message(start, headers, b"", style)

    def _bye_parties(self, by_caller):
        if by_caller:
            return (self.caller, self.callee,
                    "%s;tag=%s" % (self._caller_uri(), self.from_tag),
                    "%s;tag=%s" % (self._callee_uri(), self.to_tag))
        return (self.callee, self.caller,
                "%s;tag=%s" % (self._callee_uri(), self.to_tag),
                "%s;tag=%s" % (self._caller_uri(), self.from_tag))

    def bye(self, by_caller=True, style="canonical"):
        sender, receiver, from_value, to_value = self._bye_parties(by_caller)
        headers = [
            ("Via", self._via(sender, self.branches["bye"])),
            ("Max-Forwards", "70"),
            ("From", from_value),
            ("To", to_value),
            ("Call-ID", self.call_id),
            ("CSeq", "2 BYE"),
            ("Reason", 'Q.850;cause=16;text="Normal call clearing"'),
        ]
        start = "BYE sip:%s@%s SIP/2.0" % (receiver.user, receiver.sent_by())
        return sip_message(start, headers, b"", style)

    def bye_ok(self, by_caller=True, style="canonical"):
        sender, _, from_value, to_value = self._bye_parties(by_caller)
        headers = [
            ("Via", self._via(sender, self.branches["bye"])),
            ("From", from_value),
            ("To", to_value),
            ("Call-ID", self.call_id),
            ("CSeq", "2 BYE"),
        ]
        return sip_message("SIP/2.0 200 OK", headers, b"", style)

    def message(self, step, style="canonical"):
        """Return the message of one step of DIALOG_STEPS."""
        if step == "invite":
            return self.invite(style)
        if step == "trying":
            return self.invite_response(100, "Trying", style=style)
        if step == "ringing":
            return self.invite_response(180, "Ringing", style=style)
        if step == "progress":
            return self.invite_response(183, "Session Progress", self.answer, style)
        if step == "ok":
            return self.invite_response(200, "OK", self.answer, style)
        if step == "ack":
            return self.ack(style)
        if step == "bye":
            return self.bye(style=style)
        if step == "bye_ok":
            return self.bye_ok(style=style)
        raise ValueError("unknown dialog step: %s" % step)


def make_parties(cap, v6=False, caller_port=SIP_PORT, callee_port=SIP_PORT):
    caller_host, callee_host = case_hosts(cap, v6)
    media = 20000 + 100 * cap.index
    caller = Party("alice%d" % cap.index, "Alice", "example.com", caller_host,
                   caller_port, media)
    callee = Party("bob%d" % cap.index, "Bob", "example.net", callee_host,
                   callee_port, media + 50)
    return caller, callee


def options_ping(rng, sender, receiver, style):
    headers = [
        ("Via", "SIP/2.0/UDP %s;branch=z9hG4bK%s" % (sender.sent_by(), random_hex(rng, 16))),
        ("Max-Forwards", "70"),
        ("From", "<sip:ping@%s>;tag=%s" % (sender.domain, random_hex(rng, 8))),
        ("To", "<sip:%s>" % receiver.domain),
        ("Call-ID", "%s@%s" % (random_hex(rng, 16), sender.domain)),
        ("CSeq", "4711 OPTIONS"),
        ("Accept", "application/sdp"),
    ]
    request = sip_message("OPTIONS sip:%s SIP/2.0" % receiver.sent_by(), headers, b"", style)
    response_headers = [
        (name, value) for name, value in headers if name in ("Via", "From", "To", "Call-ID", "CSeq")
    ]
    response_headers[2] = ("To", response_headers[2][1] + ";tag=%s" % random_hex(rng, 8))
    response_headers.append(("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS"))
    response = sip_message("SIP/2.0 200 OK", response_headers, b"", style)
    return request, response


# ---------------------------------------------------------------------------
# Traffic building blocks


def sip_udp(net, time_us, sender, receiver, message, ext_headers=""):
    net.udp(time_us, sender.host, receiver.host, sender.sip_port, receiver.sip_port,
            message, ext_headers)
    net.cap.count_sip(net.tag(sender.host))


def udp_dialog(net, dialog, t0, styles=None, send=None):
    """Send the seven messages of a basic call over UDP.

    styles maps a step to a header style. send, when given, is called as
    send(step, time, sender, receiver, message) and returns True when it has
    sent the message itself (fragmented, for example).
    """
    styles = styles or {}
    for step, offset, direction in DIALOG_STEPS:
        if direction == "fwd":
            sender, receiver = dialog.caller, dialog.callee
        else:
            sender, receiver = dialog.callee, dialog.caller
        message = dialog.message(step, styles.get(step, "canonical"))
        if send and send(step, t0 + offset, sender, receiver, message):
            continue
        sip_udp(net, t0 + offset, sender, receiver, message)


def rtp_burst(net, t0, a, b, packets, srtp=False):
    """Send RTP packets in both directions between the media ports of a and b."""
    rng = net.cap.rng
    ssrc = {a: rng.getrandbits(32), b: rng.getrandbits(32)}
    seq = {a: rng.randrange(1 << 16), b: rng.randrange(1 << 16)}
    stamp = {a: rng.getrandbits(32), b: rng.getrandbits(32)}
    for i in range(packets):
        for position, (sender, receiver) in enumerate(((a, b), (b, a))):
            header = struct.pack("!BBHII", 0x80, 0x00 | (0x80 if i == 0 else 0),
                                 seq[sender] & 0xFFFF, stamp[sender] & 0xFFFFFFFF, ssrc[sender])
            payload = bytes(rng.getrandbits(8) for _ in range(160))
            if srtp:
                payload += bytes(rng.getrandbits(8) for _ in range(10))
            net.udp(t0 + i * 20_000 + position * 7_000, sender.host, receiver.host,
                    sender.media_port, receiver.media_port, header + payload)
            seq[sender] += 1
            stamp[sender] += 160


class TcpConnection:
    """One TCP connection: the bytes each side writes and the segments sent.

    Sides are "c" (client) and "s" (server). Data offsets count from the
    first byte after the SYN. Each side's stream records where its SIP
    messages lie, so the expected count follows from what was sent. A
    message counts when every byte of it was sent at least once and it
    starts at or after the first byte the capture shows.
    """

    def __init__(self, net, client, server, client_port, server_port, mss=1460):
        rng = net.cap.rng
        self.net = net
        self.hosts = {"c": client, "s": server}
        self.ports = {"c": client_port, "s": server_port}
        self.isn = {"c": rng.getrandbits(32), "s": rng.getrandbits(32)}
        self.data = {"c": bytearray(), "s": bytearray()}
        self.messages = {"c": [], "s": []}
        self.sent = {"c": [], "s": []}
        self.next_offset = {"c": 0, "s": 0}
        self.fin_sent = {"c": False, "s": False}
        self.mss = mss
        self.window = {"c": 64240, "s": 65160}

    @staticmethod
    def peer(side):
        return "s" if side == "c" else "c"

    def write_message(self, side, message):
        """Append a SIP message to a side's stream and return its (start, end)."""
        start = len(self.data[side])
        self.data[side] += message
        self.messages[side].append((start, len(self.data[side])))
        return start, len(self.data[side])

    def write_bytes(self, side, data):
        """Append bytes that are not a SIP message (keepalives)."""
        start = len(self.data[side])
        self.data[side] += data
        return start, len(self.data[side])

    def _ack_value(self, side):
        peer = self.peer(side)
        covered = max((end for _, end in self.sent[peer]), default=0)
        return (self.isn[peer] + 1 + covered + int(self.fin_sent[peer])) & 0xFFFFFFFF

    def _segment(self, time_us, side, seq, flags, payload=b"", ack_value=None, options=None):
        """Emit one segment. ack_value defaults to the peer's next sequence number."""
        src, dst = self.hosts[side], self.hosts[self.peer(side)]
        if ack_value is None:
            ack_value = self._ack_value(side)
        # The SYNs agree on window scale 7, so later segments carry the
        # window shifted right by 7.
        window = self.window[side] if "S" in flags else self.window[side] >> 7
        tcp = TCP(sport=self.ports[side], dport=self.ports[self.peer(side)],
                  seq=seq & 0xFFFFFFFF, ack=ack_value & 0xFFFFFFFF,
                  flags=flags, window=window, options=options or [])
        l3 = self.net.ip(src, dst) if src.v6 else self.net.ip(src, dst, flags="DF")
        packet = l3 / tcp
        if payload:
            packet = packet / Raw(bytes(payload))
        self.net.emit(time_us, src, dst, packet)

    def handshake(self, time_us):
        """Emit SYN, SYN-ACK and ACK, and return the time of the last one."""
        syn_options = [("MSS", self.mss), ("SAckOK", b""), ("WScale", 7)]
        self._segment(time_us, "c", self.isn["c"], "S", ack_value=0, options=syn_options)
        self._segment(time_us + 310, "s", self.isn["s"], "SA", ack_value=self.isn["c"] + 1,
                      options=syn_options)
        self._segment(time_us + 620, "c", self.isn["c"] + 1, "A")
        return time_us + 620

    def send(self, time_us, side, start, end, flags="PA"):
        """Send the stream bytes [start, end) of a side as one segment."""
        payload = self.data[side][start:end]
        self._segment(time_us, side, self.isn[side] + 1 + start, flags, payload)
        self.sent[side].append((start, end))
        self.next_offset[side] = max(self.next_offset[side], end)

    def send_through(self, time_us, side, end, step_us=60):
        """Send a side's unsent bytes up to end in MSS-sized segments."""
        t = time_us
        while self.next_offset[side] < end:
            start = self.next_offset[side]
            self.send(t, side, start, min(end, start + self.mss))
            t += step_us
        return t

    def pure_ack(self, time_us, side):
        seq = self.isn[side] + 1 + self.next_offset[side] + int(self.fin_sent[side])
        self._segment(time_us, side, seq, "A")

    def close(self, time_us):
        """Close from the client: FIN, FIN-ACK, ACK."""
        for position, side in enumerate(("c", "s")):
            seq = self.isn[side] + 1 + self.next_offset[side]
            self._segment(time_us + position * 400, side, seq, "FA")
            self.fin_sent[side] = True
        self.pure_ack(time_us + 800, "c")

    def count_messages(self):
        """Add the messages a correct tap extracts to the case's counts."""
        for side in ("c", "s"):
            if not self.sent[side]:
                continue
            first = min(start for start, _ in self.sent[side])
            covered = merge_intervals(self.sent[side])
            complete = sum(1 for start, end in self.messages[side]
                           if start >= first and interval_covered(covered, start, end))
            self.net.cap.count_sip(self.net.tag(self.hosts[side]), complete)


def merge_intervals(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged


def interval_covered(merged, start, end):
    return any(s <= start and end <= e for s, e in merged)


def tcp_dialog_streams(conn, dialog, styles=None):
    """Write the seven messages of a basic call into both streams.

    Returns {step: (side, start, end)}.
    """
    styles = styles or {}
    positions = {}
    for step, _, direction in DIALOG_STEPS:
        side = "c" if direction == "fwd" else "s"
        message = dialog.message(step, styles.get(step, "canonical"))
        positions[step] = (side,) + conn.write_message(side, message)
    return positions


def tcp_dialog_in_order(conn, positions, t0):
    """Send a dialog's messages at their usual times, each followed by an ACK."""
    for step, offset, _ in DIALOG_STEPS:
        side, _, end = positions[step]
        t = conn.send_through(t0 + offset, side, end)
        conn.pure_ack(t + 200, conn.peer(side))
    return t0 + DIALOG_STEPS[-1][1]


# ---------------------------------------------------------------------------
# Background traffic


def background_arp(net, time_us, asker, target):
    request = Ether(src=asker.mac, dst="ff:ff:ff:ff:ff:ff") / ARP(
        op=1, hwsrc=asker.mac, psrc=asker.addr, pdst=target.addr)
    reply = Ether(src=target.mac, dst=asker.mac) / ARP(
        op=2, hwsrc=target.mac, psrc=target.addr, hwdst=asker.mac, pdst=asker.addr)
    net.cap.add(time_us, bytes(request), net.tag(asker))
    net.cap.add(time_us + 150, bytes(reply), net.tag(target))


def background_dns(net, time_us, client, resolver):
    query = DNS(id=net.cap.rng.getrandbits(16), rd=1,
                qd=DNSQR(qname="_sip._udp.example.net", qtype="SRV"))
    answer = DNS(id=query.id, qr=1, rd=1, ra=1, qd=query.qd,
                 an=DNSRRSRV(rrname="_sip._udp.example.net", ttl=300, priority=10,
                             weight=60, port=SIP_PORT, target="sip.example.net"))
    net.udp(time_us, client, resolver, 40000 + net.cap.index, 53, bytes(query))
    net.udp(time_us + 900, resolver, client, 53, 40000 + net.cap.index, bytes(answer))


def background_ntp(net, time_us, client, server):
    request = bytes([0x23]) + bytes(39) + struct.pack("!Q", net.cap.rng.getrandbits(64))
    net.udp(time_us, client, server, 123, 123, request)


def background_https(net, time_us, client, server):
    """A short TCP connection to port 443 with TLS-looking records."""
    rng = net.cap.rng
    conn = TcpConnection(net, client, server, 51000 + net.cap.index, 443)
    t = conn.handshake(time_us)
    hello = b"\x16\x03\x01\x00\xc8" + bytes(rng.getrandbits(8) for _ in range(200))
    reply = b"\x16\x03\x03\x02\x00" + bytes(rng.getrandbits(8) for _ in range(512))
    conn.write_bytes("c", hello)
    conn.write_bytes("s", reply)
    t = conn.send_through(t + 300, "c", len(conn.data["c"]))
    t = conn.send_through(t + 5_000, "s", len(conn.data["s"]))
    conn.pure_ack(t + 300, "c")
    conn.close(t + 40_000)


# ---------------------------------------------------------------------------
# Cases


def case_plain_udp(cap):
    cap.description = ("IPv4 UDP call with OPTIONS, background traffic, RTP, ARP "
                       "and one non-SIP datagram on port 5060")
    net = Net(cap)
    caller, callee = make_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, srtp=True)
    resolver = Host("192.0.2.53", "02:00:00:00:%02x:35" % cap.index, cap.rng)
    ntp_server = Host("198.51.100.123", "02:00:00:00:%02x:7b" % cap.index, cap.rng)
    web = Host("203.0.113.80", "02:00:00:00:%02x:50" % cap.index, cap.rng)

    background_arp(net, 0, caller.host, callee.host)
    background_dns(net, 1_000, caller.host, resolver)
    request, response = options_ping(cap.rng, caller, callee, "lower")
    sip_udp(net, 5_000, caller, callee, request)
    sip_udp(net, 6_200, callee, caller, response)

    t0 = 20_000
    udp_dialog(net, dialog, t0, styles={"ringing": "compact", "bye_ok": "lower"})
    rtp_burst(net, t0 + RTP_START_US, caller, callee, packets=8, srtp=True)
    background_ntp(net, t0 + 2_000_000, caller.host, ntp_server)
    background_https(net, t0 + 2_100_000, caller.host, web)

    # A datagram to port 5060 that is not SIP: binary bytes. The first byte
    # has its top bits set, so it is not a STUN message either, which some
    # SIP stacks accept as a keepalive on the SIP port.
    garbage = b"\xa7" + bytes(cap.rng.getrandbits(8) for _ in range(99))
    net.udp(t0 + 3_000_000, callee.host, caller.host, 33333, SIP_PORT, garbage)
    cap.count_rejected()


def make_encap_case(kind, description):
    def build(cap):
        cap.description = description
        net = Net(cap, kind)
        caller, callee = make_parties(cap)
        dialog = Dialog(cap.rng, caller, callee)
        udp_dialog(net, dialog, 0, styles={"trying": "compact", "ack": "lower"})
        rtp_burst(net, RTP_START_US, caller, callee, packets=3)
    return build


def case_ipv6(cap):
    cap.description = "IPv6 UDP call with hop-by-hop and destination options on some datagrams"
    net = Net(cap)
    caller, callee = make_parties(cap, v6=True)
    dialog = Dialog(cap.rng, caller, callee)
    ext = {"invite": "hd", "ok": "hd", "ack": "d", "bye": "hd"}

    ns = (Ether(src=caller.host.mac, dst="33:33:ff:00:00:20")
          / IPv6(src=caller.host.addr, dst="ff02::1:ff00:20", hlim=255)
          / ICMPv6ND_NS(tgt=callee.host.addr) / ICMPv6NDOptSrcLLAddr(lladdr=caller.host.mac))
    na = (Ether(src=callee.host.mac, dst=caller.host.mac)
          / IPv6(src=callee.host.addr, dst=caller.host.addr, hlim=255)
          / ICMPv6ND_NA(tgt=callee.host.addr, R=0, S=1, O=1)
          / ICMPv6NDOptDstLLAddr(lladdr=callee.host.mac))
    cap.add(0, bytes(ns))
    cap.add(200, bytes(na))

    def send(step, time_us, sender, receiver, message):
        sip_udp(net, time_us, sender, receiver, message, ext.get(step, ""))
        return True

    udp_dialog(net, dialog, 1_000, styles={"ringing": "lower"}, send=send)
    rtp_burst(net, 1_000 + RTP_START_US, caller, callee, packets=3)


def fragmenting_dialog(cap, v6, description, invite_order=None, ok_order=None,
                       answer_len=0, hop_by_hop_ok=False, styles=None):
    """A call whose INVITE (and optionally 200 OK) is sent as IP fragments."""
    cap.description = description
    net = Net(cap)
    caller, callee = make_parties(cap, v6=v6)
    dialog = Dialog(cap.rng, caller, callee, offer_len=1350, answer_len=answer_len)
    # Fragment payload sizes for a 1500-byte MTU (IPv4) and the IPv6
    # minimum MTU of 1280 bytes.
    fragment_len = 1232 if v6 else 1480
    orders = {"invite": invite_order, "ok": ok_order}

    def send(step, time_us, sender, receiver, message):
        if step == "invite" or (step == "ok" and answer_len):
            net.udp_fragments(time_us, sender.host, receiver.host, sender.sip_port,
                              receiver.sip_port, message, fragment_len, orders[step],
                              hop_by_hop=(step == "ok" and hop_by_hop_ok))
            cap.count_sip(net.tag(sender.host))
            return True
        return False

    udp_dialog(net, dialog, 0, styles=styles, send=send)
    return net, dialog


def case_frag_v4(cap):
    fragmenting_dialog(cap, False, "IPv4 UDP call with a 1.9 KB INVITE in two fragments, in order")


def case_frag_v4_reversed(cap):
    fragmenting_dialog(cap, False, "IPv4 UDP call with the INVITE's last fragment sent first",
                       invite_order=[1, 0])


def case_frag_v4_dup(cap):
    fragmenting_dialog(cap, False,
                       "IPv4 UDP call with an INVITE fragment duplicated before reassembly ends, "
                       "and a 200 OK fragment duplicated after it ends",
                       invite_order=[0, 0, 1], ok_order=[0, 1, 1], answer_len=1600)
    cap.rejected_exact = False


def case_frag_v6(cap):
    fragmenting_dialog(cap, True,
                       "IPv6 UDP call with a fragmented INVITE and a fragmented 200 OK "
                       "that has a hop-by-hop header before the fragment header",
                       answer_len=1600, hop_by_hop_ok=True, styles={"ack": "compact"})


def case_frag_missing(cap):
    cap.description = ("IPv4 UDP call whose first INVITE loses its last fragment, "
                       "while the retransmitted INVITE arrives whole")
    cap.rejected_exact = False
    net = Net(cap)
    caller, callee = make_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, offer_len=1350)
    # SIP timer T1: the caller retransmits the INVITE 500 ms after the
    # first try, and the call proceeds from the retransmission.
    retransmit_after_us = 500_000

    def send(step, time_us, sender, receiver, message):
        if step != "invite":
            return False
        args = (sender.host, receiver.host, sender.sip_port, receiver.sip_port, message, 1480)
        net.udp_fragments(time_us - retransmit_after_us, *args, order=[0])
        net.udp_fragments(time_us, *args)
        cap.count_sip(net.tag(sender.host))
        return True

    udp_dialog(net, dialog, retransmit_after_us, send=send)


def case_frag_overlap(cap):
    cap.description = ("IPv4 UDP call plus overlapping, nested and oversized fragment "
                       "sets, of which only the call's messages are certain to count")
    net, dialog = fragmenting_dialog(cap, False, cap.description)
    cap.rejected_exact = False
    caller, callee = dialog.caller, dialog.callee
    t = 6_000_000

    def message_request(text_len):
        headers = [
            ("Via", "SIP/2.0/UDP %s;branch=z9hG4bK%s" % (caller.sent_by(), random_hex(cap.rng, 16))),
            ("Max-Forwards", "70"),
            ("From", "<sip:%s@%s>;tag=%s" % (caller.user, caller.domain, random_hex(cap.rng, 8))),
            ("To", "<sip:%s@%s>" % (callee.user, callee.domain)),
            ("Call-ID", "%s@%s" % (random_hex(cap.rng, 16), caller.domain)),
            ("CSeq", "1 MESSAGE"),
            ("Content-Type", "text/plain"),
        ]
        body = ("".join(cap.rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(text_len))
                ).encode()
        start = "MESSAGE sip:%s@%s SIP/2.0" % (callee.user, callee.domain)
        return sip_message(start, headers, body)

    src, dst = caller.host, callee.host

    # Overlap with identical bytes: [0, 1480) then [1400, end).
    l4 = udp_bytes(src, dst, SIP_PORT, SIP_PORT, message_request(1500))
    ident = src.take_ip_id()
    net.raw_fragment(t, src, dst, ident, 0, l4[:1480], True)
    net.raw_fragment(t + 40, src, dst, ident, 1400, l4[1400:], False)
    cap.count_ambiguous(net.tag(src))

    # Overlap with different bytes: the second fragment rewrites 480 bytes
    # of the body that the first fragment already carried.
    l4 = udp_bytes(src, dst, SIP_PORT, SIP_PORT, message_request(1500))
    rewritten = l4[:1000] + bytes(b"x" * 480) + l4[1480:]
    ident = src.take_ip_id()
    net.raw_fragment(t + 100_000, src, dst, ident, 0, l4[:1480], True)
    net.raw_fragment(t + 100_040, src, dst, ident, 1000, rewritten[1000:], False)
    cap.count_ambiguous(net.tag(src))

    # A small fragment lying inside the first one, then the rest.
    l4 = udp_bytes(src, dst, SIP_PORT, SIP_PORT, message_request(1500))
    ident = src.take_ip_id()
    net.raw_fragment(t + 200_000, src, dst, ident, 0, l4[:1480], True)
    net.raw_fragment(t + 200_040, src, dst, ident, 800, l4[800:816], True)
    net.raw_fragment(t + 200_080, src, dst, ident, 1480, l4[1480:], False)
    cap.count_ambiguous(net.tag(src))

    # A fragment set whose end lies beyond the 65535-byte IPv4 maximum: the
    # last fragment starts at offset 65528 and carries 40 bytes. The first
    # bytes are not SIP, so no reassembly of it can be a SIP message.
    ident = src.take_ip_id()
    head = struct.pack("!HHHH", 40001, SIP_PORT, 0xFFFF, 0) + b"\xa5" * 1472
    net.raw_fragment(t + 300_000, src, dst, ident, 0, head, True)
    net.raw_fragment(t + 300_040, src, dst, ident, 65528, b"\x5a" * 40, False)

    # IPv6 fragments that overlap. RFC 5722 requires the whole datagram to
    # be dropped, but a lenient reassembler could still deliver it.
    v6_caller, v6_callee = case_hosts(cap, v6=True)
    v6_caller.mac, v6_callee.mac = caller.host.mac, callee.host.mac
    l4 = udp_bytes(v6_caller, v6_callee, SIP_PORT, SIP_PORT, message_request(1300))
    ident = cap.rng.getrandbits(32)
    net.raw_fragment(t + 400_000, v6_caller, v6_callee, ident, 0, l4[:1232], True)
    net.raw_fragment(t + 400_040, v6_caller, v6_callee, ident, 1200, l4[1200:], False)
    cap.count_ambiguous(net.tag(v6_caller))


def tcp_parties(cap, v6=False):
    """Return a client with an ephemeral port and a server on port 5060."""
    return make_parties(cap, v6=v6, caller_port=40000 + 37 * cap.index)


def find_cut(data, needle, inside):
    """Return the offset `inside` bytes into the first occurrence of needle."""
    position = data.find(needle)
    if position < 0:
        raise ValueError("%r not found in message" % needle)
    return position + inside


def case_tcp_split(cap):
    cap.description = ("SIP over TCP with a 4 KB INVITE split into four segments, cut "
                       "inside a header name and inside the SDP")
    net = Net(cap)
    caller, callee = tcp_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, transport="TCP", offer_len=3300, video=True)
    conn = TcpConnection(net, caller.host, callee.host, caller.sip_port, callee.sip_port)
    positions = tcp_dialog_streams(conn, dialog, styles={"ok": "lower", "bye": "compact"})
    t = conn.handshake(0)

    _, start, end = positions["invite"]
    invite = bytes(conn.data["c"][start:end])
    body_start = invite.find(b"\r\n\r\n") + 4
    cut_header = find_cut(invite, b"\r\nContent-Length:", 2 + 9)   # "Content-L|ength"
    cut_sdp = body_start + 1200
    cut_third = cut_sdp + 1400
    cuts = [0, cut_header, cut_sdp, cut_third, len(invite)]
    assert cut_header < body_start < cut_sdp
    for i in range(4):
        assert 0 < cuts[i + 1] - cuts[i] <= conn.mss, "segment %d does not fit the MSS" % i
    for i in range(4):
        conn.send(t + 1_000 + i * 90, "c", start + cuts[i], start + cuts[i + 1])
    conn.pure_ack(t + 1_500, "s")

    t0 = t + 1_000
    for step, offset, _ in DIALOG_STEPS[1:]:
        side, _, msg_end = positions[step]
        sent_until = conn.send_through(t0 + offset, side, msg_end)
        conn.pure_ack(sent_until + 200, conn.peer(side))
    conn.close(t0 + 5_200_000)
    conn.count_messages()


def case_tcp_merged(cap):
    cap.description = ("SIP over TCP where ACK (compact form, l: 0) and BYE share a "
                       "segment, and 183 and half a 200 OK share another")
    net = Net(cap)
    caller, callee = tcp_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, transport="TCP")
    conn = TcpConnection(net, caller.host, callee.host, caller.sip_port, callee.sip_port)
    _, invite_end = conn.write_message("c", dialog.invite())
    _, trying_end = conn.write_message("s", dialog.message("trying"))
    progress_start, _ = conn.write_message("s", dialog.message("progress", "lower"))
    ok_start, ok_end = conn.write_message("s", dialog.message("ok"))
    ack_start, _ = conn.write_message("c", dialog.ack("compact"))
    _, bye_end = conn.write_message("c", dialog.bye())
    bye_ok_start, bye_ok_end = conn.write_message("s", dialog.bye_ok(style="compact"))
    ok_half = ok_start + (ok_end - ok_start) // 2

    t = conn.handshake(0)
    conn.send(t + 1_000, "c", 0, invite_end)
    conn.pure_ack(t + 1_300, "s")
    conn.send(t + 3_000, "s", 0, trying_end)
    conn.send(t + 50_000, "s", progress_start, ok_half)
    conn.pure_ack(t + 50_300, "c")
    conn.send(t + 1_650_000, "s", ok_half, ok_end)
    conn.send(t + 1_672_000, "c", ack_start, bye_end)
    conn.pure_ack(t + 1_672_300, "s")
    conn.send(t + 1_690_000, "s", bye_ok_start, bye_ok_end)
    conn.close(t + 1_700_000)
    conn.count_messages()


def register_messages(rng, client, registrar_domain):
    """Return REGISTER, 401, REGISTER with digest credentials, 200 OK."""
    call_id = "%s@%s" % (random_hex(rng, 20), client.domain)
    tag = random_hex(rng, 10)
    nonce = random_hex(rng, 32)
    cnonce = random_hex(rng, 16)
    realm = registrar_domain
    uri = "sip:%s" % registrar_domain
    contact = "<sip:%s@%s;transport=tcp>;expires=3600" % (client.user, client.sent_by())

    def request(cseq, branch, extra):
        headers = [
            ("Via", "SIP/2.0/TCP %s;branch=z9hG4bK%s" % (client.sent_by(), branch)),
            ("Max-Forwards", "70"),
            ("From", "<sip:%s@%s>;tag=%s" % (client.user, registrar_domain, tag)),
            ("To", "<sip:%s@%s>" % (client.user, registrar_domain)),
            ("Call-ID", call_id),
            ("CSeq", "%d REGISTER" % cseq),
            ("Contact", contact),
            ("Expires", "3600"),
        ] + extra
        return sip_message("REGISTER %s SIP/2.0" % uri, headers), headers

    def response(request_headers, status, extra, style):
        headers = [(n, v) for n, v in request_headers if n in ("Via", "From", "To", "Call-ID", "CSeq")]
        headers[2] = ("To", headers[2][1] + ";tag=%s" % random_hex(rng, 8))
        return sip_message("SIP/2.0 %s" % status, headers + extra, b"", style)

    first, first_headers = request(1, random_hex(rng, 16), [])
    challenge = response(first_headers, "401 Unauthorized", [
        ("WWW-Authenticate", 'Digest realm="%s", nonce="%s", algorithm=SHA-256, qop="auth"'
         % (realm, nonce))], "lower")

    def sha256_hex(text):
        return hashlib.sha256(text.encode()).hexdigest()

    # RFC 7616 digest with a fixed test password.
    ha1 = sha256_hex("%s:%s:%s" % (client.user, realm, "pcapgen-test"))
    ha2 = sha256_hex("REGISTER:%s" % uri)
    digest = sha256_hex("%s:%s:00000001:%s:auth:%s" % (ha1, nonce, cnonce, ha2))
    authorization = ('Digest username="%s", realm="%s", nonce="%s", uri="%s", '
                     'response="%s", algorithm=SHA-256, qop=auth, nc=00000001, cnonce="%s"'
                     % (client.user, realm, nonce, uri, digest, cnonce))
    second, second_headers = request(2, random_hex(rng, 16), [("Authorization", authorization)])
    accepted = response(second_headers, "200 OK", [("Contact", contact)], "canonical")
    return first, challenge, second, accepted


def case_tcp_keepalive(cap):
    cap.description = ("SIP over TCP with CRLFCRLF keepalives and CRLF replies before "
                       "a REGISTER exchange and after it")
    net = Net(cap)
    client, registrar = tcp_parties(cap)
    conn = TcpConnection(net, client.host, registrar.host, client.sip_port, registrar.sip_port)
    first, challenge, second, accepted = register_messages(cap.rng, client, "example.net")

    t = conn.handshake(0)
    conn.send(t + 500, "c", *conn.write_bytes("c", b"\r\n\r\n"))
    conn.send(t + 900, "s", *conn.write_bytes("s", b"\r\n"))
    conn.send(t + 2_000, "c", *conn.write_message("c", first))
    conn.send(t + 4_000, "s", *conn.write_message("s", challenge))
    conn.send(t + 6_000, "c", *conn.write_message("c", second))
    conn.send(t + 9_000, "s", *conn.write_message("s", accepted))
    conn.pure_ack(t + 9_300, "c")
    conn.send(t + 30_000_000, "c", *conn.write_bytes("c", b"\r\n\r\n"))
    conn.send(t + 30_000_400, "s", *conn.write_bytes("s", b"\r\n"))
    conn.pure_ack(t + 30_000_700, "c")
    conn.count_messages()


def case_tcp_retrans(cap):
    cap.description = ("SIP over TCP with an INVITE segment and a whole 200 OK "
                       "retransmitted, and a retransmission that overlaps sent bytes "
                       "and adds new ones")
    net = Net(cap)
    caller, callee = tcp_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, transport="TCP", offer_len=1400)
    conn = TcpConnection(net, caller.host, callee.host, caller.sip_port, callee.sip_port)
    positions = tcp_dialog_streams(conn, dialog, styles={"ringing": "compact"})
    step_offset = {step: offset for step, offset, _ in DIALOG_STEPS}
    t = conn.handshake(0)
    t0 = t + 1_000

    # INVITE in two segments; the second is retransmitted whole after the
    # 180, as a sender does whose retransmission timer fired too early.
    _, invite_start, invite_end = positions["invite"]
    middle = invite_start + 1000
    conn.send(t0, "c", invite_start, middle)
    conn.send(t0 + 60, "c", middle, invite_end)
    for step in ("trying", "ringing"):
        _, start, end = positions[step]
        conn.send(t0 + step_offset[step], "s", start, end)
    conn.send(t0 + 200_060, "c", middle, invite_end)
    conn.pure_ack(t0 + 200_400, "s")

    # The 200 OK is retransmitted whole before the SIP ACK goes out.
    _, ok_start, ok_end = positions["ok"]
    conn.send(t0 + step_offset["ok"], "s", ok_start, ok_end)
    conn.send(t0 + step_offset["ok"] + 15_000, "s", ok_start, ok_end)

    _, ack_start, ack_end = positions["ack"]
    conn.send(t0 + step_offset["ack"], "c", ack_start, ack_end)
    conn.pure_ack(t0 + step_offset["ack"] + 300, "s")

    # The first 100 bytes of the BYE, then a retransmission that starts 40
    # bytes inside the ACK delivered earlier and carries the whole BYE.
    _, bye_start, bye_end = positions["bye"]
    conn.send(t0 + step_offset["bye"], "c", bye_start, bye_start + 100)
    conn.send(t0 + step_offset["bye"] + 210_000, "c", bye_start - 40, bye_end)
    conn.pure_ack(t0 + step_offset["bye"] + 210_300, "s")
    _, bye_ok_start, bye_ok_end = positions["bye_ok"]
    conn.send(t0 + step_offset["bye"] + 240_000, "s", bye_ok_start, bye_ok_end)
    conn.close(t0 + step_offset["bye"] + 300_000)
    conn.count_messages()


def case_tcp_reorder(cap):
    cap.description = ("SIP over TCP with INVITE segments two and three swapped, and "
                       "the 180 and 200 segments swapped")
    net = Net(cap)
    caller, callee = tcp_parties(cap)
    dialog = Dialog(cap.rng, caller, callee, transport="TCP", offer_len=1800)
    conn = TcpConnection(net, caller.host, callee.host, caller.sip_port, callee.sip_port)
    positions = tcp_dialog_streams(conn, dialog, styles={"invite": "lower"})
    t = conn.handshake(0)
    t0 = t + 1_000

    _, start, end = positions["invite"]
    third = (end - start) // 3
    cuts = [start, start + third, start + 2 * third, end]
    for position, i in enumerate((0, 2, 1)):
        conn.send(t0 + position * 80, "c", cuts[i], cuts[i + 1])
    conn.pure_ack(t0 + 600, "s")

    for step in ("trying",):
        _, s, e = positions[step]
        conn.send(t0 + 3_000, "s", s, e)
    _, ringing_start, ringing_end = positions["ringing"]
    _, ok_start, ok_end = positions["ok"]
    conn.send(t0 + 1_650_000, "s", ok_start, ok_end)
    conn.send(t0 + 1_650_050, "s", ringing_start, ringing_end)
    for step in ("ack", "bye"):
        offset = dict((s, o) for s, o, _ in DIALOG_STEPS)[step]
        _, s, e = positions[step]
        conn.send(t0 + offset, "c", s, e)
    _, s, e = positions["bye_ok"]
    conn.send(t0 + 4_931_000, "s", s, e)
    conn.close(t0 + 5_000_000)
    conn.count_messages()


def case_tcp_midstream(cap):
    cap.description = ("SIP over TCP joined mid-stream: both directions start inside a "
                       "message body, and the capture ends inside a message")
    cap.rejected_exact = False
    net = Net(cap)
    caller, callee = tcp_parties(cap)
    # Two proxies with a long-lived connection carrying several calls.
    first = Dialog(cap.rng, caller, callee, transport="TCP", offer_len=600)
    second = Dialog(cap.rng, caller, callee, transport="TCP")
    third = Dialog(cap.rng, caller, callee, transport="TCP")
    conn = TcpConnection(net, caller.host, callee.host, caller.sip_port, callee.sip_port)

    first_invite = first.invite()
    first_invite_start, first_invite_end = conn.write_message("c", first_invite)
    _, second_invite_end = conn.write_message("c", second.invite())
    conn.write_message("c", first.ack())
    _, third_invite_end = conn.write_message("c", third.invite())
    last_bye_start, _ = conn.write_message("c", second.bye(style="compact"))

    first_ok = first.message("ok")
    first_ok_start, first_ok_end = conn.write_message("s", first_ok)
    _, trying_end = conn.write_message("s", second.message("trying"))
    _, ringing_end = conn.write_message("s", second.message("ringing", "lower"))
    _, third_trying_end = conn.write_message("s", third.message("trying"))

    # The client side starts 300 bytes before the end of the first INVITE,
    # inside its SDP. The server side starts inside the 200 OK body, and
    # that first segment also carries the next whole message.
    client_from = first_invite_end - 300
    server_from = first_ok_end - 120
    assert client_from > first_invite_start + first_invite.find(b"\r\n\r\n") + 4
    assert server_from > first_ok_start + first_ok.find(b"\r\n\r\n") + 4

    conn.send(0, "c", client_from, first_invite_end)
    conn.send(2_000, "s", server_from, trying_end)
    conn.send_through(4_000, "c", second_invite_end)
    conn.send_through(9_000, "s", ringing_end)
    conn.send_through(30_000, "c", third_invite_end)
    conn.send_through(32_000, "s", third_trying_end)
    # The capture ends after the first 60 bytes of a BYE.
    conn.send(60_000, "c", last_bye_start, last_bye_start + 60)
    conn.count_messages()


def case_tcp_v6(cap):
    cap.description = ("SIP over TCP over IPv6 with the INVITE cut between the CR and "
                       "LF that end its headers")
    net = Net(cap)
    caller, callee = tcp_parties(cap, v6=True)
    dialog = Dialog(cap.rng, caller, callee, transport="TCP", offer_len=500)
    conn = TcpConnection(net, caller.host, callee.host, caller.sip_port, callee.sip_port,
                         mss=1440)
    positions = tcp_dialog_streams(conn, dialog,
                                   styles={"trying": "lower", "ok": "lower", "ack": "compact"})
    t = conn.handshake(0)
    _, start, end = positions["invite"]
    header_end = bytes(conn.data["c"][start:end]).find(b"\r\n\r\n")
    cut = start + header_end + 3
    conn.send(t + 1_000, "c", start, cut)
    conn.send(t + 1_050, "c", cut, end)
    conn.pure_ack(t + 1_400, "s")
    t0 = t + 1_000
    for step, offset, _ in DIALOG_STEPS[1:]:
        side, _, msg_end = positions[step]
        sent_until = conn.send_through(t0 + offset, side, msg_end)
        conn.pure_ack(sent_until + 200, conn.peer(side))
    conn.close(t0 + 5_100_000)
    conn.count_messages()


def build_multi(cap):
    """Two UDP calls and one TCP call, split by direction into two captures.

    Frames sent by the callers go to tag "a", frames sent by the callees to
    tag "b", as when a tap mirrors each direction to its own port.
    """
    cap.description = "two capture files, one per direction, with interleaved timestamps"
    caller, callee = make_parties(cap)
    callers = {caller.host.addr}
    net = Net(cap, tag_of=lambda host: "a" if host.addr in callers else "b")

    dialog = Dialog(cap.rng, caller, callee)
    udp_dialog(net, dialog, 0, styles={"ok": "compact"})
    rtp_burst(net, RTP_START_US, caller, callee, packets=4)

    # A second call between the same hosts, with other media ports and a
    # fragmented INVITE. The callee hangs up.
    caller2 = Party("carol%d" % cap.index, "Carol", "example.com", caller.host, 5060, 30000)
    callee2 = Party("dave%d" % cap.index, "Dave", "example.net", callee.host, 5060, 30050)
    dialog2 = Dialog(cap.rng, caller2, callee2, offer_len=1700)
    t0 = 700_000
    for step, offset, direction in DIALOG_STEPS:
        if step == "bye":
            sip_udp(net, t0 + offset, callee2, caller2, dialog2.bye(by_caller=False))
        elif step == "bye_ok":
            sip_udp(net, t0 + offset, caller2, callee2, dialog2.bye_ok(by_caller=False))
        elif step == "invite":
            net.udp_fragments(t0 + offset, caller2.host, callee2.host, 5060, 5060,
                              dialog2.invite(), 1480)
            cap.count_sip("a")
        else:
            sender, receiver = (caller2, callee2) if direction == "fwd" else (callee2, caller2)
            sip_udp(net, t0 + offset, sender, receiver, dialog2.message(step))

    client, server = tcp_parties(cap)
    dialog3 = Dialog(cap.rng, client, server, transport="TCP")
    conn = TcpConnection(net, client.host, server.host, client.sip_port, server.sip_port)
    positions = tcp_dialog_streams(conn, dialog3)
    t = conn.handshake(300_000)
    tcp_dialog_in_order(conn, positions, t + 1_000)
    conn.close(t + 5_100_000)
    conn.count_messages()


ENCAP_CASES = [
    ("vlan", "IPv4 UDP call under one 802.1Q tag"),
    ("qinq_88a8", "IPv4 UDP call under an 802.1ad (0x88A8) tag and an 802.1Q tag"),
    ("qinq_9100", "IPv4 UDP call under a 0x9100 tag and an 802.1Q tag"),
    ("qinq_8100", "IPv4 UDP call under two 802.1Q tags"),
    ("erspan2", "IPv4 UDP call mirrored in ERSPAN type II over GRE with sequence numbers"),
    ("erspan3", "IPv4 UDP call mirrored in ERSPAN type III over GRE"),
    ("gre_ip", "IPv4 UDP call tunnelled in GRE carrying IPv4 directly"),
    ("vxlan", "IPv4 UDP call mirrored in VXLAN to UDP port 4789"),
]

CASES = (
    [("plain_udp", case_plain_udp)]
    + [(name, make_encap_case(name, text)) for name, text in ENCAP_CASES]
    + [
        ("ipv6", case_ipv6),
        ("frag_v4", case_frag_v4),
        ("frag_v4_reversed", case_frag_v4_reversed),
        ("frag_v4_dup", case_frag_v4_dup),
        ("frag_v6", case_frag_v6),
        ("frag_missing", case_frag_missing),
        ("frag_overlap", case_frag_overlap),
        ("tcp_split", case_tcp_split),
        ("tcp_merged", case_tcp_merged),
        ("tcp_keepalive", case_tcp_keepalive),
        ("tcp_retrans", case_tcp_retrans),
        ("tcp_reorder", case_tcp_reorder),
        ("tcp_midstream", case_tcp_midstream),
        ("tcp_v6", case_tcp_v6),
    ]
)


# ---------------------------------------------------------------------------
# Expectations and main


def expectation(caps_and_tags, pcaps, description):
    """Return the expected.json entry for frames of the given (capture, tag) pairs."""
    entry = {"pcaps": pcaps, "description": description}
    frames = sum(1 for cap, tag in caps_and_tags for f in cap.frames if tag in (None, f[2]))
    sip = sum(cap.sip.get(tag, 0) if tag is not None else sum(cap.sip.values())
              for cap, tag in caps_and_tags)
    ambiguous = sum(cap.sip_ambiguous.get(tag, 0) if tag is not None
                    else sum(cap.sip_ambiguous.values())
                    for cap, tag in caps_and_tags)
    entry["packets_total"] = frames
    if ambiguous:
        entry["sip_messages_min"] = sip
        entry["sip_messages_max"] = sip + ambiguous
    else:
        entry["sip_messages"] = sip
    if all(cap.rejected_exact for cap, _ in caps_and_tags):
        entry["sip_rejected"] = sum(
            cap.rejected.get(tag, 0) if tag is not None else sum(cap.rejected.values())
            for cap, tag in caps_and_tags)
    return entry


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="directory for the pcap files and expected.json")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    expected = {}
    captures = []
    for index, (name, build) in enumerate(CASES):
        cap = Capture(name, index)
        build(cap)
        captures.append(cap)
        write_pcap(os.path.join(args.outdir, name + ".pcap"), order_frames(cap.frames))
        expected[name] = expectation([(cap, None)], [name + ".pcap"], cap.description)

    mixed = []
    for cap in captures:
        mixed += [(t + cap.index * MIXED_CASE_OFFSET_US, len(mixed) + n, tag, frame)
                  for n, (t, _, tag, frame) in enumerate(cap.frames)]
    write_pcap(os.path.join(args.outdir, "mixed.pcap"), order_frames(mixed))
    expected["mixed"] = expectation([(cap, None) for cap in captures], ["mixed.pcap"],
                                    "every case above interleaved in one capture")

    multi = Capture("multi", len(CASES))
    build_multi(multi)
    timeline = order_frames(multi.frames)
    for tag in ("a", "b"):
        name = "multi_" + tag
        write_pcap(os.path.join(args.outdir, name + ".pcap"),
                   [entry for entry in timeline if entry[1] == tag])
        expected[name] = expectation([(multi, tag)], [name + ".pcap"],
                                     "one direction of the multi case on its own")
    expected["multi"] = expectation([(multi, "a"), (multi, "b")],
                                    ["multi_a.pcap", "multi_b.pcap"], multi.description)

    with open(os.path.join(args.outdir, "expected.json"), "w") as out:
        json.dump(expected, out, indent=2, sort_keys=True)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
