#!/usr/bin/python3
"""Generate captures that test lime's SIP dialog tracking and media flows.

Usage: gen_call_cases.py OUTDIR

Writes into OUTDIR, the same bytes on every run:
  calls.pcap         Every scenario below interleaved in time.
  scenario_*.pcap    Each scenario of calls.pcap on its own, with the same
                     timestamps.
  timeout.pcap       Calls that time out, for dialog_timeout_s 60 and
                     early_dialog_timeout_s 30.
  evict.pcap         17 calls for max_dialogs 16.
  takeover.pcap      A call that reuses the media address of a call that
                     never ended.
  reload.pcap        About 8 s of calls for the configuration reload check
                     of tests/integration/call_cases.sh.
  expected.json      What lime must report for each capture.

expected.json has these keys:
  "intercepts"  The warrants of every capture but reload.pcap: a list of
                {"liid", "targets", "start"?, "end"?} with RFC 3339 times.
  "captures"    Capture name -> {"pcaps", "description", "config", "summary",
                "calls"}. "config" contains extra top-level configuration keys.
                "summary" maps dotted summary keys to exact values, or with a
                _min or _max suffix to bounds. "calls" maps each Call-ID to
                its expected events (see Call.expected()).
  "reload"      The reload capture: its calls with the events they give when
                intercepted from the start, the intercepts before and after
                the reload, and the capture time of its first packet.

Every SIP message is at an explicit capture time, and expected.json gives
those times in microseconds since the Unix epoch, as lime's events do. The
SIP frames of a capture have distinct timestamps, so no reordering moves
them. Needs scapy, which Debian installs for /usr/bin/python3
(python3-scapy).
"""

import argparse
import base64
import hashlib
import json
import os
import random
import struct
import sys
import time

from gen_capture_cases import (
    BASE_TIME_US,
    Capture,
    Host,
    Net,
    TcpConnection,
    order_frames,
    random_hex,
    sip_message,
    write_pcap,
)

DOMAIN = "ims.test"
SUITE_128 = "AES_CM_128_HMAC_SHA1_80"
SUITE_256 = "AES_256_CM_HMAC_SHA1_80"
# Bytes of master key plus master salt per SDES suite (RFC 4568, RFC 6188).
SUITE_KEY_SALT_LEN = {SUITE_128: 30, SUITE_256: 46}
RTPMAP = {"0": "PCMU/8000", "8": "PCMA/8000", "9": "G722/8000",
          "101": "telephone-event/8000"}

# Warrant window of LIID-W, in seconds after BASE_TIME_US.
WINDOW_START_S = 20
WINDOW_END_S = 40

# Each scenario's SIP messages lie at whole milliseconds plus the
# scenario's own offset of 1 to 99 microseconds. Media packets lie 500
# microseconds later, and TCP control segments at other sub-millisecond
# offsets, so no SIP message shares a timestamp with another frame.
MEDIA_OFFSET_US = 500


def seconds_us(seconds):
    return int(round(seconds * 1_000_000))


def rfc3339(offset_s):
    """Return BASE_TIME_US + offset_s as an RFC 3339 UTC time."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ",
                         time.gmtime(BASE_TIME_US // 1_000_000 + offset_s))


INTERCEPTS = [
    {"liid": "LIID-A", "targets": ["sip:alice@ims.test", "sip:carol@ims.test"]},
    {"liid": "LIID-B", "targets": ["tel:+15550100"]},
    {"liid": "LIID-C", "targets": ["sip:cathy@ims.test"]},
    {"liid": "LIID-D", "targets": ["sip:carol@ims.test"]},
    {"liid": "LIID-E", "targets": ["sip:erin@ims.test"]},
    {"liid": "LIID-F", "targets": ["sip:fred@ims.test"]},
    {"liid": "LIID-G", "targets": ["sip:gwen@ims.test"]},
    {"liid": "LIID-H", "targets": ["sip:hugo@ims.test"]},
    {"liid": "LIID-I", "targets": ["sip:iris@ims.test"]},
    {"liid": "LIID-J", "targets": ["sip:jack@ims.test"]},
    {"liid": "LIID-L", "targets": ["sip:lena@ims.test"]},
    {"liid": "LIID-O", "targets": ["sip:oscar@ims.test"]},
    {"liid": "LIID-P", "targets": ["sip:pia@ims.test"]},
    {"liid": "LIID-W", "targets": ["sip:walt@ims.test"],
     "start": rfc3339(WINDOW_START_S), "end": rfc3339(WINDOW_END_S)},
    {"liid": "LIID-N", "targets": ["sip:nora@ims.test"]},
    {"liid": "LIID-X", "targets": ["sip:xena@ims.test"]},
    {"liid": "LIID-T", "targets": ["sip:tina@ims.test"]},
]
LIIDS = [entry["liid"] for entry in INTERCEPTS]

RELOAD_KEEP = {"liid": "LIID-KEEP", "targets": ["sip:kim@ims.test"]}
RELOAD_DROP = {"liid": "LIID-DROP", "targets": ["sip:dora@ims.test"]}
RELOAD_NEW = {"liid": "LIID-NEW", "targets": ["sip:nell@ims.test"]}


# ---------------------------------------------------------------------------
# SDP


class MediaLine:
    """One m= section.

    rtcp is (port, address or None) for a=rtcp. crypto lists (tag, suite,
    base64 key||salt). port_text replaces the port in the m= line, which
    makes the section invalid when it is not a number.
    """

    def __init__(self, port, proto="RTP/AVP", formats="0 8 101", kind="audio",
                 port_count=None, addr=None, rtcp=None, mux=False, crypto=(),
                 direction=None, attributes=(), port_text=None):
        self.port = port
        self.proto = proto
        self.formats = formats
        self.kind = kind
        self.port_count = port_count
        self.addr = addr
        self.rtcp = rtcp
        self.mux = mux
        self.crypto = list(crypto)
        self.direction = direction
        self.attributes = list(attributes)
        self.port_text = port_text

    def copy(self, **changes):
        line = MediaLine(self.port)
        line.__dict__.update(self.__dict__)
        line.crypto = list(self.crypto)
        line.attributes = list(self.attributes)
        line.__dict__.update(changes)
        return line

    def carries_rtp(self):
        """True when the section describes RTP over UDP on a valid, open port."""
        return self.port_text is None and self.port != 0 and self.proto.startswith("RTP/")

    def lines(self, session_addr):
        port = self.port_text if self.port_text is not None else str(self.port)
        if self.port_count:
            port += "/%d" % self.port_count
        out = ["m=%s %s %s %s" % (self.kind, port, self.proto, self.formats)]
        if self.addr and self.addr != session_addr:
            out.append("c=IN %s %s" % (address_type(self.addr), self.addr))
        if self.proto.startswith("RTP/"):
            for fmt in self.formats.split():
                if fmt in RTPMAP:
                    out.append("a=rtpmap:%s %s" % (fmt, RTPMAP[fmt]))
            if "101" in self.formats.split():
                out.append("a=fmtp:101 0-16")
            out.append("a=ptime:20")
        if self.rtcp:
            port, addr = self.rtcp
            if addr:
                out.append("a=rtcp:%d IN %s %s" % (port, address_type(addr), addr))
            else:
                out.append("a=rtcp:%d" % port)
        if self.mux:
            out.append("a=rtcp-mux")
        for tag, suite, key in self.crypto:
            out.append("a=crypto:%d %s inline:%s" % (tag, suite, key))
        out += self.attributes
        if self.direction:
            out.append("a=%s" % self.direction)
        return out


class Sdp:
    """A session description of one party."""

    def __init__(self, user, addr, media, session_id, version=1):
        self.user = user
        self.addr = addr
        self.media = media
        self.session_id = session_id
        self.version = version

    def revise(self, media):
        """Return the next version of this description with other m= sections."""
        return Sdp(self.user, self.addr, media, self.session_id, self.version + 1)

    def render(self):
        family = address_type(self.addr)
        lines = [
            "v=0",
            "o=%s %d %d IN %s %s" % (self.user, self.session_id, self.version, family, self.addr),
            "s=-",
            "c=IN %s %s" % (family, self.addr),
            "t=0 0",
        ]
        for media in self.media:
            lines += media.lines(self.addr)
        return ("\r\n".join(lines) + "\r\n").encode("ascii")


def address_type(addr):
    return "IP6" if ":" in addr else "IP4"


def media_flows(offer, answer, keying_override=None):
    """Return the flows that an offer and its answer give, as lime reports them.

    Each m= line that carries RTP with a non-zero port on both sides gives
    flows to both sides: "to_answerer" to the answer's address and port (the
    offerer's media), "to_offerer" to the offer's. RTCP goes to port + 1 or
    the a=rtcp port and address as a flow of its own, unless both sides use
    a=rtcp-mux. SDES pairs the answer's a=crypto with the offer's line of the
    same suite. keying_override replaces "sdes" (lime keeps no keys of calls
    that it does not intercept).
    """
    flows = []
    for index, (offered, answered) in enumerate(zip(offer.media, answer.media)):
        if not (offered.carries_rtp() and answered.carries_rtp()):
            continue
        keying, suite = "none", None
        if answered.crypto:
            suite = answered.crypto[0][1]
            if not any(entry[1] == suite for entry in offered.crypto):
                raise ValueError("answer suite %s is not in the offer" % suite)
            keying = "sdes"
            if keying_override:
                keying, suite = keying_override, None
        mux = offered.mux and answered.mux
        for direction, sdp, media in (("to_answerer", answer, answered),
                                      ("to_offerer", offer, offered)):
            addr = media.addr or sdp.addr

            def flow(kind, flow_addr, port):
                entry = {"family": 6 if ":" in flow_addr else 4, "addr": flow_addr,
                         "port": port, "m": index, "kind": kind, "dir": direction,
                         "keying": keying}
                if suite:
                    entry["suite"] = suite
                return entry

            if mux:
                flows.append(flow("rtp_rtcp", addr, media.port))
                continue
            flows.append(flow("rtp", addr, media.port))
            if media.rtcp:
                rtcp_port, rtcp_addr = media.rtcp
                flows.append(flow("rtcp", rtcp_addr or addr, rtcp_port))
            else:
                flows.append(flow("rtcp", addr, media.port + 1))
    return flows


def flow_key(flow):
    return (flow["addr"], flow["port"], flow["kind"], flow["dir"])


def key_salt(rng, suite):
    return base64.b64encode(bytes(rng.getrandbits(8) for _ in range(SUITE_KEY_SALT_LEN[suite]))
                            ).decode("ascii")


# ---------------------------------------------------------------------------
# SIP user agents and calls


class Ua:
    """A SIP endpoint: its address of record and where it sends SIP from."""

    def __init__(self, user, host, sip_port=5060, display=None):
        self.user = user
        self.host = host
        self.sip_port = sip_port
        self.display = display or user.capitalize()

    @property
    def aor(self):
        return "sip:%s@%s" % (self.user, DOMAIN)

    def sent_by(self):
        return self.host.hostport(self.sip_port)

    def contact_uri(self):
        return "sip:%s@%s" % (self.user, self.sent_by())


class Txn:
    """The headers a response copies from its request."""

    def __init__(self, method, cseq, branch, via, from_value, to_value, by):
        self.method = method
        self.cseq = cseq
        self.branch = branch
        self.via = via
        self.from_value = from_value
        self.to_value = to_value
        self.by = by


class Call:
    """One call (one Call-ID) and the events lime must report for it.

    liids maps each LIID that intercepts the call to its warrant window
    (start_us, end_us), either end None when unbounded. Messages are logged
    as they are sent. The scenario code reports what the media negotiation
    does (negotiate, end_flows, end_fork) and how the call ends
    (set_ended), and Call derives the expected flow and IRI events.
    """

    def __init__(self, scenario, name, caller, callee, liids, transport="UDP",
                 caller_value=None, callee_value=None, request_uri=None, conn=None):
        rng = scenario.rng
        self.scenario = scenario
        self.name = name
        self.caller = caller
        self.callee = callee
        self.liids = dict(liids)
        self.transport = transport
        self.conn = conn
        self.caller_value = caller_value or '"%s" <%s>' % (caller.display, caller.aor)
        self.callee_value = callee_value or "<%s>" % callee.aor
        self.request_uri = request_uri or callee.aor
        self.call_id = "%s@%s" % (random_hex(rng, 20), caller.host.addr)
        self.from_tag = random_hex(rng, 10)
        self.to_tag = random_hex(rng, 10)
        self.remote_contact = None
        self.cseq = {"caller": 0, "callee": 100}
        self.log = []                # (time_us, start line, ends the call)
        self.records = []            # expected flows, in the order added
        self.active = {}             # flow key -> record of an installed flow
        self.owners = {}             # flow key -> dialogs (to-tags) using it
        self.negotiated = {}         # dialog -> flows from its last answer
        self.ended = None            # (earliest, latest) time the call ends
        self.forks = 1
        self.timeout = False
        self.evicted = False
        self.reload_liid = None      # the LIID of a call of reload.pcap
        self.optional_end = set()    # LIIDs that may get one END past the log
        self.description = ""

    # SIP messages

    def identity(self, by, to_tag):
        """Return the From and To values of a request sent by one side."""
        if by == "caller":
            to_value = self.callee_value
            if to_tag:
                to_value += ";tag=%s" % to_tag
            return "%s;tag=%s" % (self.caller_value, self.from_tag), to_value
        return ("%s;tag=%s" % (self.callee_value, to_tag or self.to_tag),
                "%s;tag=%s" % (self.caller_value, self.from_tag))

    def request(self, t, method, by="caller", body=b"", extra=(), cseq=None,
                branch=None, to_tag=None, request_uri=None, ends=False,
                content_type="application/sdp"):
        rng = self.scenario.rng
        if cseq is None:
            self.cseq[by] += 1
            cseq = self.cseq[by]
        sender, receiver = (self.caller, self.callee) if by == "caller" else (self.callee, self.caller)
        branch = branch or "z9hG4bK" + random_hex(rng, 16)
        via = "SIP/2.0/%s %s;branch=%s" % (self.transport, sender.sent_by(), branch)
        from_value, to_value = self.identity(by, to_tag)
        if request_uri is None:
            if method == "INVITE" and not to_tag:
                request_uri = self.request_uri
            elif by == "caller":
                request_uri = self.remote_contact or self.callee.contact_uri()
            else:
                request_uri = self.caller.contact_uri()
        headers = [("Via", via), ("Max-Forwards", "70"), ("From", from_value),
                   ("To", to_value), ("Call-ID", self.call_id),
                   ("CSeq", "%d %s" % (cseq, method))]
        if method in ("INVITE", "UPDATE"):
            headers.append(("Contact", "<%s%s>" % (sender.contact_uri(), self.transport_param())))
        headers += list(extra)
        if body:
            headers.append(("Content-Type", content_type))
        message = sip_message("%s %s SIP/2.0" % (method, request_uri), headers, body)
        self.send(t, sender, receiver, message, ends)
        return Txn(method, cseq, branch, via, from_value, to_value, by)

    def respond(self, t, txn, code, reason, to_tag=None, body=b"", extra=(),
                contact=None, ends=False):
        sender, receiver = (self.callee, self.caller) if txn.by == "caller" else (self.caller, self.callee)
        to_value = txn.to_value
        if code != 100 and ";tag=" not in to_value:
            to_value += ";tag=%s" % (to_tag or self.to_tag)
        headers = [("Via", txn.via), ("From", txn.from_value), ("To", to_value),
                   ("Call-ID", self.call_id), ("CSeq", "%d %s" % (txn.cseq, txn.method))]
        if 100 < code < 300 and txn.method in ("INVITE", "UPDATE"):
            headers.append(("Contact", "<%s%s>" % (contact or sender.contact_uri(),
                                                   self.transport_param())))
        headers += list(extra)
        if body:
            headers.append(("Content-Type", "application/sdp"))
        message = sip_message("SIP/2.0 %d %s" % (code, reason), headers, body)
        self.send(t, sender, receiver, message, ends)

    def transport_param(self):
        return ";transport=tcp" if self.transport == "TCP" else ""

    def send(self, t, sender, receiver, message, ends):
        if self.conn is not None:
            side = "c" if sender is self.caller else "s"
            self.scenario.send_tcp_sip(t, self.conn, side, message)
        else:
            self.scenario.send_udp_sip(t, sender, receiver, message)
        first_line = message.split(b"\r\n", 1)[0].decode("ascii")
        self.log.append((t, first_line, ends))

    # Interception and flows

    def active_liids(self, t):
        return sorted(liid for liid, (start, end) in self.liids.items()
                      if (start is None or start <= t) and (end is None or t < end))

    def install(self, t, flow, owner):
        key = flow_key(flow)
        self.owners.setdefault(key, set()).add(owner)
        if key in self.active:
            return
        record = dict(flow, liids=self.active_liids(t), add_ts=t, del_reason=None, del_ts=None)
        self.records.append(record)
        self.active[key] = record

    def remove(self, key, reason, earliest, latest):
        record = self.active.pop(key)
        self.owners.pop(key, None)
        record["del_reason"] = reason
        record["del_ts"] = [earliest, latest]

    def negotiate(self, t, offer, answer, offer_t=None, dialog=None):
        """Apply an answer sent at t to the offer sent at offer_t.

        Flows of this dialog that the new answer drops are removed as
        "renegotiated", somewhere between the offer and the answer; new ones
        are added at t. Nothing is installed while no warrant covers t.
        """
        dialog = dialog or self.to_tag
        flows = media_flows(offer, answer)
        self.negotiated[dialog] = flows
        if not self.active_liids(t):
            return
        new_keys = {flow_key(flow) for flow in flows}
        for key in [k for k, owners in self.owners.items() if dialog in owners]:
            if key not in new_keys:
                self.owners[key].discard(dialog)
                if not self.owners[key]:
                    self.remove(key, "renegotiated", offer_t if offer_t is not None else t, t)
        for flow in flows:
            self.install(t, flow, dialog)

    def install_negotiated(self, t, keying_override):
        """Install the flows negotiated before a warrant started, at time t."""
        for dialog, flows in self.negotiated.items():
            for flow in flows:
                flow = dict(flow)
                if flow["keying"] == "sdes":
                    flow["keying"] = keying_override
                    flow.pop("suite", None)
                self.install(t, flow, dialog)

    def end_flows(self, earliest, latest, reason="call_end"):
        for key in list(self.active):
            self.remove(key, reason, earliest, latest)

    def end_fork(self, t, dialog):
        """Remove the flows that only an ended early dialog used."""
        for key in list(self.active):
            owners = self.owners[key]
            owners.discard(dialog)
            if not owners:
                self.remove(key, "fork_ended", t, t)

    def set_ended(self, earliest, latest):
        self.ended = (earliest, latest)

    # Expectations

    def expected_iri(self):
        """Return {LIID: [{"type", "ts", "sip", "reason"?}]} for the logged messages."""
        messages = sorted(self.log)
        for position, (_, _, ends) in enumerate(messages):
            if ends:
                messages = messages[:position + 1]
                break
        result = {}
        for liid, (start, end) in sorted(self.liids.items()):
            chosen = [m for m in messages
                      if (start is None or m[0] >= start) and (end is None or m[0] < end)]
            sequence = []
            for position, (t, line, ends) in enumerate(chosen):
                if position == 0:
                    kind = "BEGIN"
                elif ends:
                    kind = "END"
                else:
                    kind = "CONTINUE"
                sequence.append({"type": kind, "ts": t, "sip": line})
            if self.timeout and sequence:
                sequence.append({"type": "END", "ts": None, "sip": "", "reason": "timeout"})
            if sequence:
                result[liid] = sequence
        return result

    def intercepted_from(self):
        """Return the time of the first intercepted message, or None."""
        times = [t for t, _, _ in self.log if self.active_liids(t)]
        return min(times) if times else None

    def expected(self):
        """Return the call's entry in expected.json.

        "flows" lists each flow lime must add: the flow_add fields, "add_ts",
        and "del_reason" with "del_ts" [earliest, latest] or null when the
        flow stays. "iri" maps each LIID to its IRI events in order, with
        "ts" null where any time is right. "iri_optional_end" lists LIIDs
        that may get one END more.
        """
        iri = self.expected_iri()
        return {
            "scenario": self.scenario.name,
            "name": self.name,
            "description": self.description,
            "flows": [dict(record) for record in self.records],
            "iri": iri,
            "iri_optional_end": sorted(liid for liid in self.optional_end if liid in iri),
            "start_us": min(t for t, _, _ in self.log),
            "end_us": max(t for t, _, _ in self.log),
        }


# ---------------------------------------------------------------------------
# Scenarios and the capture they write into


class Builder:
    """One capture under construction, shared by the scenarios written into it."""

    def __init__(self, name, index):
        self.cap = Capture(name, index)
        self.hosts = {}
        self.scenarios = []
        self.sip_times = []
        self.next_port = 20000

    def host(self, addr):
        if addr not in self.hosts:
            digest = hashlib.sha256(addr.encode()).digest()
            mac = "02:" + ":".join("%02x" % b for b in digest[:5])
            self.hosts[addr] = Host(addr, mac, random.Random("lime-callgen-host:" + addr))
        return self.hosts[addr]

    def media_port(self):
        """Return an even media port that no other call of the capture uses."""
        port = self.next_port
        self.next_port += 10
        return port

    def scenario(self, name, description, base_us):
        scenario = Scenario(self, name, description, base_us, len(self.scenarios) + 1)
        self.scenarios.append(scenario)
        return scenario

    def check_sip_times(self):
        """Fail unless every SIP frame has a timestamp no other frame has."""
        counts = {}
        for frame in self.cap.frames:
            counts[frame[0]] = counts.get(frame[0], 0) + 1
        shared = sorted(t for t in self.sip_times if counts[t] != 1)
        if shared:
            raise AssertionError("%s: SIP frames share timestamps %s with other frames"
                                 % (self.cap.name, shared[:5]))

    def calls(self):
        return [call for scenario in self.scenarios for call in scenario.calls]


class Scenario:
    """Calls of one scenario, whose frames carry the scenario's name as tag."""

    def __init__(self, builder, name, description, base_us, number):
        if number > 99:
            raise ValueError("too many scenarios for distinct sub-millisecond offsets")
        self.builder = builder
        self.name = name
        self.description = description
        self.base_us = base_us + number
        self.rng = random.Random("lime-callgen:" + name)
        self.net = Net(builder.cap, tag_of=lambda host: name)
        self.calls = []
        self.connections = []

    def at(self, seconds):
        """Return the capture time of a SIP message `seconds` into the scenario."""
        return self.base_us + 1000 * int(round(seconds * 1000))

    def ua(self, user, addr, sip_port=5060, display=None):
        return Ua(user, self.builder.host(addr), sip_port, display)

    def call(self, name, caller, callee, liids=(), windows=None, **options):
        windows = windows or {}
        call = Call(self, name, caller, callee,
                    {liid: windows.get(liid, (None, None)) for liid in liids}, **options)
        self.calls.append(call)
        return call

    def send_udp_sip(self, t, sender, receiver, message):
        self.net.udp(t, sender.host, receiver.host, sender.sip_port, receiver.sip_port, message)
        self.builder.cap.count_sip(self.name)
        self.builder.sip_times.append(t)

    def send_tcp_sip(self, t, conn, side, message):
        start, end = conn.write_message(side, message)
        if end - start > conn.mss:
            raise ValueError("a TCP SIP message must fit one segment to have one time")
        conn.send(t, side, start, end)
        conn.pure_ack(t + 300, conn.peer(side))
        self.builder.sip_times.append(t)

    def tcp_connection(self, t, client, server):
        conn = TcpConnection(self.net, client.host, server.host, client.sip_port,
                             server.sip_port)
        # The handshake ends before the first message, at sub-millisecond
        # offsets that no SIP message uses.
        conn.handshake(t - 900)
        self.connections.append(conn)
        return conn

    def finish(self):
        for conn in self.connections:
            conn.count_messages()

    def media(self, t, src_host, src_port, dst_host, dst_port, packets=3, rtcp=False):
        """Send a few RTP (or RTCP receiver report) packets, 20 ms apart."""
        ssrc = self.rng.getrandbits(32)
        seq = self.rng.randrange(1 << 16)
        stamp = self.rng.getrandbits(32)
        for i in range(packets):
            if rtcp:
                payload = struct.pack("!BBHI", 0x80, 201, 1, ssrc)
            else:
                header = struct.pack("!BBHII", 0x80, 0, (seq + i) & 0xFFFF,
                                     (stamp + 160 * i) & 0xFFFFFFFF, ssrc)
                payload = header + bytes(self.rng.getrandbits(8) for _ in range(160))
            self.net.udp(t + MEDIA_OFFSET_US + 20_000 * i, src_host, dst_host,
                         src_port, dst_port, payload)

    def media_for(self, t, flows, sources):
        """Send media to each flow destination, from the other side's address.

        sources maps "to_answerer" and "to_offerer" to the (addr, port) that
        sends toward that side.
        """
        for position, flow in enumerate(flows):
            src_addr, src_port = sources[flow["dir"]]
            kind = flow["kind"]
            self.media(t + 1000 * position, self.builder.host(src_addr),
                       src_port + (1 if kind == "rtcp" else 0),
                       self.builder.host(flow["addr"]), flow["port"],
                       packets=1 if kind == "rtcp" else 3, rtcp=(kind == "rtcp"))


def audio(port, **options):
    return MediaLine(port, **options)


def basic_call(sc, call, start_s, offer, answer, bye_s, bye_by="caller", media=True):
    """INVITE with offer, 100, 180, 200 with answer, ACK, media, BYE and its 200."""
    invite_t = sc.at(start_s)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(start_s + 0.02), invite, 100, "Trying")
    call.respond(sc.at(start_s + 0.1), invite, 180, "Ringing")
    ok_t = sc.at(start_s + 0.6)
    call.respond(ok_t, invite, 200, "OK", body=answer.render())
    call.negotiate(ok_t, offer, answer, invite_t)
    call.request(sc.at(start_s + 0.62), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    if media:
        send_media(sc, start_s + 0.7, offer, answer)
    hang_up(sc, call, bye_s, by=bye_by)
    return invite


def send_media(sc, start_s, offer, answer):
    """Send media to every flow that an offer and its answer give."""
    flows = media_flows(offer, answer)
    for index, (offered, answered) in enumerate(zip(offer.media, answer.media)):
        if not (offered.carries_rtp() and answered.carries_rtp()):
            continue
        sources = {"to_answerer": (offered.addr or offer.addr, offered.port),
                   "to_offerer": (answered.addr or answer.addr, answered.port)}
        sc.media_for(sc.at(start_s), [f for f in flows if f["m"] == index], sources)


def hang_up(sc, call, bye_s, by="caller"):
    bye_t = sc.at(bye_s)
    ok_t = sc.at(bye_s + 0.03)
    bye = call.request(bye_t, "BYE", by=by, to_tag=call.to_tag if by == "caller" else None,
                       extra=[("Reason", 'Q.850;cause=16;text="Normal call clearing"')])
    call.respond(ok_t, bye, 200, "OK", ends=True)
    call.end_flows(bye_t, ok_t)
    call.set_ended(bye_t, ok_t)


def new_sdp(sc, user, addr, media):
    return Sdp(user, addr, media, sc.rng.randrange(10**9, 10**10))


# The scenarios of calls.pcap. Each takes the builder and the scenario's
# start in microseconds after BASE_TIME_US.


def scenario_sdes(b, base):
    sc = b.scenario("a_sdes", "SDES call over UDP/IPv4 whose answer renumbers the "
                    "a=crypto tag of the suite it accepts", base)
    alice = sc.ua("alice", "192.0.2.10", display="Alice")
    bob = sc.ua("bob", "198.51.100.10")
    call = sc.call("sdes", alice, bob, ["LIID-A"])
    call.description = "caller target of LIID-A, offer tags 1 (128) and 2 (256), answer tag 1 (256)"
    offer = new_sdp(sc, "alice", alice.host.addr, [audio(
        b.media_port(), proto="RTP/SAVP",
        crypto=[(1, SUITE_128, key_salt(sc.rng, SUITE_128)),
                (2, SUITE_256, key_salt(sc.rng, SUITE_256))])])
    answer = new_sdp(sc, "bob", bob.host.addr, [audio(
        b.media_port(), proto="RTP/SAVP", crypto=[(1, SUITE_256, key_salt(sc.rng, SUITE_256))])])
    basic_call(sc, call, 0, offer, answer, bye_s=4.0)


def scenario_tel_ipv6(b, base):
    sc = b.scenario("b_tel_ipv6", "callee target tel:+15550100 reached as a user=phone "
                    "SIP URI, IPv6 media in IPv4 signalling, rtcp-mux on both sides", base)
    frank = sc.ua("frank", "192.0.2.11")
    phone = sc.ua("+1-555-0100", "198.51.100.11")
    uri = "sip:+1-555-0100@%s;user=phone" % DOMAIN
    call = sc.call("tel_ipv6", frank, phone, ["LIID-B"], callee_value="<%s>" % uri,
                   request_uri=uri)
    call.description = "tel: target in user=phone form, c=IN IP6, rtcp-mux both sides"
    offer = new_sdp(sc, "frank", "2001:db8::10", [audio(b.media_port(), mux=True)])
    answer = new_sdp(sc, "phone", "2001:db8::20", [audio(b.media_port(), mux=True)])
    basic_call(sc, call, 0, offer, answer, bye_s=3.5, bye_by="callee")


def scenario_no_target(b, base):
    sc = b.scenario("c_no_target", "call between two parties that no warrant names", base)
    gina = sc.ua("gina", "192.0.2.12")
    hank = sc.ua("hank", "198.51.100.12")
    call = sc.call("no_target", gina, hank)
    call.description = "no target: counted in calls, no flows, no IRI"
    offer = new_sdp(sc, "gina", gina.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "hank", hank.host.addr, [audio(b.media_port())])
    basic_call(sc, call, 0, offer, answer, bye_s=3.0)


def scenario_fork(b, base):
    sc = b.scenario("d_fork", "INVITE forked to two devices, each 180 with an answer, "
                    "200 from the second: the first fork's flows end", base)
    ivan = sc.ua("ivan", "192.0.2.13")
    proxy = sc.ua("cathy", "203.0.113.5")
    fork1_addr, fork2_addr = "198.51.100.31", "198.51.100.32"
    call = sc.call("fork", ivan, proxy, ["LIID-C"])
    call.description = "callee target of LIID-C; caller's media destination shared by both forks"
    call.forks = 2
    offer = new_sdp(sc, "ivan", ivan.host.addr, [audio(b.media_port())])
    answer1 = new_sdp(sc, "cathy", fork1_addr, [audio(b.media_port())])
    answer2 = new_sdp(sc, "cathy", fork2_addr, [audio(b.media_port())])
    tag1, tag2 = random_hex(sc.rng, 10), random_hex(sc.rng, 10)
    contact1 = "sip:cathy@%s:5060" % fork1_addr
    contact2 = "sip:cathy@%s:5060" % fork2_addr

    invite_t = sc.at(0)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(0.02), invite, 100, "Trying")
    t = sc.at(0.2)
    call.respond(t, invite, 180, "Ringing", to_tag=tag1, body=answer1.render(), contact=contact1)
    call.negotiate(t, offer, answer1, invite_t, dialog=tag1)
    t = sc.at(0.35)
    call.respond(t, invite, 180, "Ringing", to_tag=tag2, body=answer2.render(), contact=contact2)
    call.negotiate(t, offer, answer2, invite_t, dialog=tag2)
    # The 200 repeats the second fork's answer unchanged, so only the
    # flows that the first fork alone used go away.
    t = sc.at(1.5)
    call.respond(t, invite, 200, "OK", to_tag=tag2, body=answer2.render(), contact=contact2)
    call.end_fork(t, tag1)
    call.to_tag = tag2
    call.remote_contact = contact2
    call.request(sc.at(1.52), "ACK", cseq=invite.cseq, to_tag=tag2)
    send_media(sc, 1.6, offer, answer2)
    hang_up(sc, call, 4.0)


def scenario_late_offer_tcp(b, base):
    sc = b.scenario("e_late_offer_tcp", "late offer over TCP: INVITE without SDP, offer in "
                    "the 200, answer in the ACK; target only in P-Asserted-Identity", base)
    erin = sc.ua("erin", "192.0.2.14", sip_port=40514)
    kate = sc.ua("kate", "198.51.100.14")
    conn = sc.tcp_connection(sc.at(0), erin, kate)
    call = sc.call("late_offer", erin, kate, ["LIID-E"], transport="TCP",
                   caller_value='"Anonymous" <sip:anonymous@anonymous.invalid>', conn=conn)
    call.description = "From is anonymous, P-Asserted-Identity names the target of LIID-E"
    offer = new_sdp(sc, "kate", kate.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "erin", erin.host.addr, [audio(b.media_port())])

    invite = call.request(sc.at(0), "INVITE", extra=[
        ("P-Asserted-Identity", "<sip:erin@%s>" % DOMAIN), ("Privacy", "id")])
    call.respond(sc.at(0.02), invite, 100, "Trying")
    call.respond(sc.at(0.1), invite, 180, "Ringing")
    ok_t = sc.at(0.7)
    call.respond(ok_t, invite, 200, "OK", body=offer.render())
    ack_t = sc.at(0.75)
    call.request(ack_t, "ACK", cseq=invite.cseq, to_tag=call.to_tag, body=answer.render())
    call.negotiate(ack_t, offer, answer, ok_t)
    send_media(sc, 0.8, offer, answer)
    hang_up(sc, call, 3.0)
    conn.close(sc.at(3.1) + 100)


def scenario_reinvite(b, base):
    sc = b.scenario("f_reinvite", "re-INVITE to hold, then re-INVITE to resume with a new "
                    "caller media port", base)
    fred = sc.ua("fred", "192.0.2.15")
    lisa = sc.ua("lisa", "198.51.100.15")
    call = sc.call("reinvite", fred, lisa, ["LIID-F"])
    call.description = "hold keeps the flows; resume moves the caller's port"
    first_port, second_port = b.media_port(), b.media_port()
    offer = new_sdp(sc, "fred", fred.host.addr, [audio(first_port)])
    answer = new_sdp(sc, "lisa", lisa.host.addr, [audio(b.media_port())])

    invite_t = sc.at(0)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(0.02), invite, 100, "Trying")
    call.respond(sc.at(0.1), invite, 180, "Ringing")
    ok_t = sc.at(0.5)
    call.respond(ok_t, invite, 200, "OK", body=answer.render())
    call.negotiate(ok_t, offer, answer, invite_t)
    call.request(sc.at(0.52), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    send_media(sc, 0.6, offer, answer)

    hold_offer = offer.revise([audio(first_port, direction="sendonly")])
    hold_answer = answer.revise([audio(answer.media[0].port, direction="recvonly")])
    t = sc.at(2.0)
    hold = call.request(t, "INVITE", to_tag=call.to_tag, body=hold_offer.render())
    ok_t = sc.at(2.05)
    call.respond(ok_t, hold, 200, "OK", body=hold_answer.render())
    call.negotiate(ok_t, hold_offer, hold_answer, t)
    call.request(sc.at(2.07), "ACK", cseq=hold.cseq, to_tag=call.to_tag)

    resume_offer = hold_offer.revise([audio(second_port, direction="sendrecv")])
    resume_answer = hold_answer.revise([audio(answer.media[0].port, direction="sendrecv")])
    t = sc.at(4.0)
    resume = call.request(t, "INVITE", to_tag=call.to_tag, body=resume_offer.render())
    ok_t = sc.at(4.05)
    call.respond(ok_t, resume, 200, "OK", body=resume_answer.render())
    call.negotiate(ok_t, resume_offer, resume_answer, t)
    call.request(sc.at(4.07), "ACK", cseq=resume.cseq, to_tag=call.to_tag)
    send_media(sc, 4.1, resume_offer, resume_answer)
    hang_up(sc, call, 6.0)


def scenario_update(b, base):
    sc = b.scenario("g_update", "UPDATE with a new offer answered in its 200 with a new "
                    "callee port; a=rtcp with its own address in the offer", base)
    mia = sc.ua("mia", "192.0.2.16")
    gwen = sc.ua("gwen", "198.51.100.16")
    call = sc.call("update", mia, gwen, ["LIID-G"])
    call.description = "callee target of LIID-G; UPDATE moves the callee's port"
    caller_port = b.media_port()
    rtcp = (b.media_port() + 1, "192.0.2.99")
    offer = new_sdp(sc, "mia", mia.host.addr, [audio(caller_port, rtcp=rtcp)])
    answer = new_sdp(sc, "gwen", gwen.host.addr, [audio(b.media_port())])
    invite_t = sc.at(0)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(0.02), invite, 100, "Trying")
    call.respond(sc.at(0.1), invite, 180, "Ringing")
    ok_t = sc.at(0.4)
    call.respond(ok_t, invite, 200, "OK", body=answer.render())
    call.negotiate(ok_t, offer, answer, invite_t)
    call.request(sc.at(0.42), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    send_media(sc, 0.5, offer, answer)

    new_offer = offer.revise([audio(caller_port, rtcp=rtcp)])
    new_answer = answer.revise([audio(b.media_port())])
    t = sc.at(2.0)
    update = call.request(t, "UPDATE", to_tag=call.to_tag, body=new_offer.render())
    ok_t = sc.at(2.04)
    call.respond(ok_t, update, 200, "OK", body=new_answer.render())
    call.negotiate(ok_t, new_offer, new_answer, t)
    send_media(sc, 2.1, new_offer, new_answer)
    hang_up(sc, call, 4.0)


def scenario_prack(b, base):
    sc = b.scenario("h_100rel", "reliable 183 with the answer, PRACK and its 200, then "
                    "the 200 to the INVITE without SDP; a=rtcp port in the answer", base)
    nina = sc.ua("nina", "192.0.2.17")
    hugo = sc.ua("hugo", "198.51.100.17")
    call = sc.call("prack", nina, hugo, ["LIID-H"])
    call.description = "callee target of LIID-H; flows from the reliable 183"
    offer = new_sdp(sc, "nina", nina.host.addr, [audio(b.media_port())])
    answer_port = b.media_port()
    answer = new_sdp(sc, "hugo", hugo.host.addr, [audio(answer_port, rtcp=(answer_port + 5, None))])
    invite_t = sc.at(0)
    invite = call.request(invite_t, "INVITE", body=offer.render(),
                          extra=[("Supported", "100rel")])
    call.respond(sc.at(0.02), invite, 100, "Trying")
    progress_t = sc.at(0.2)
    call.respond(progress_t, invite, 183, "Session Progress", body=answer.render(),
                 extra=[("Require", "100rel"), ("RSeq", "1")])
    call.negotiate(progress_t, offer, answer, invite_t)
    prack = call.request(sc.at(0.25), "PRACK", to_tag=call.to_tag,
                         extra=[("RAck", "1 %d INVITE" % invite.cseq)])
    call.respond(sc.at(0.27), prack, 200, "OK")
    send_media(sc, 0.3, offer, answer)
    call.respond(sc.at(1.5), invite, 200, "OK")
    call.request(sc.at(1.52), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    hang_up(sc, call, 3.5)


def scenario_cancel(b, base):
    sc = b.scenario("i_cancel", "180 with SDP, CANCEL, 200 to the CANCEL, 487 and its "
                    "ACK: flows end, IRI END on the 487", base)
    iris = sc.ua("iris", "192.0.2.18")
    omar = sc.ua("omar", "198.51.100.18")
    call = sc.call("cancel", iris, omar, ["LIID-I"])
    call.description = "caller target of LIID-I; the ACK to the 487 comes after END"
    offer = new_sdp(sc, "iris", iris.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "omar", omar.host.addr, [audio(b.media_port())])
    invite_t = sc.at(0)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(0.02), invite, 100, "Trying")
    ring_t = sc.at(0.2)
    call.respond(ring_t, invite, 180, "Ringing", body=answer.render())
    call.negotiate(ring_t, offer, answer, invite_t)
    send_media(sc, 0.3, offer, answer)
    cancel_t = sc.at(2.0)
    cancel = call.request(cancel_t, "CANCEL", cseq=invite.cseq, branch=invite.branch,
                          request_uri=call.request_uri)
    call.respond(sc.at(2.02), cancel, 200, "OK")
    final_t = sc.at(2.03)
    call.respond(final_t, invite, 487, "Request Terminated", ends=True)
    ack_t = sc.at(2.05)
    call.request(ack_t, "ACK", cseq=invite.cseq, branch=invite.branch, to_tag=call.to_tag,
                 request_uri=call.request_uri)
    call.end_flows(cancel_t, final_t)
    call.set_ended(final_t, ack_t)


def scenario_rejected(b, base):
    sc = b.scenario("j_rejected", "486 Busy Here to a target: BEGIN on the INVITE, END "
                    "on the 486, no flows", base)
    pete = sc.ua("pete", "192.0.2.19")
    jack = sc.ua("jack", "198.51.100.19")
    call = sc.call("rejected", pete, jack, ["LIID-J"])
    call.description = "callee target of LIID-J rejects the call"
    offer = new_sdp(sc, "pete", pete.host.addr, [audio(b.media_port())])
    invite = call.request(sc.at(0), "INVITE", body=offer.render())
    call.respond(sc.at(0.02), invite, 100, "Trying")
    busy_t = sc.at(0.3)
    call.respond(busy_t, invite, 486, "Busy Here", ends=True)
    ack_t = sc.at(0.32)
    call.request(ack_t, "ACK", cseq=invite.cseq, branch=invite.branch, to_tag=call.to_tag,
                 request_uri=call.request_uri)
    call.set_ended(busy_t, ack_t)


def scenario_shared_target(b, base):
    sc = b.scenario("k_shared_target", "a target of two LIIDs, and a call whose two "
                    "parties are targets of the same LIID", base)
    carol = sc.ua("carol", "192.0.2.20")
    quinn = sc.ua("quinn", "198.51.100.20")
    call = sc.call("shared", carol, quinn, ["LIID-A", "LIID-D"])
    call.description = "caller carol is a target of LIID-A and LIID-D"
    offer = new_sdp(sc, "carol", carol.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "quinn", quinn.host.addr, [audio(b.media_port())])
    basic_call(sc, call, 0, offer, answer, bye_s=2.5)

    alice = sc.ua("alice", "192.0.2.21", display="Alice")
    carol2 = sc.ua("carol", "198.51.100.21")
    call = sc.call("both_parties", alice, carol2, ["LIID-A", "LIID-D"])
    call.description = "alice calls carol: LIID-A through both parties, LIID-D through carol"
    offer = new_sdp(sc, "alice", alice.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "carol", carol2.host.addr, [audio(b.media_port())])
    basic_call(sc, call, 0.55, offer, answer, bye_s=3.0, bye_by="callee")


def scenario_retransmission(b, base):
    sc = b.scenario("l_retransmission", "INVITE retransmitted twice and a 200 retransmitted "
                    "once: one call, every copy an IRI CONTINUE", base)
    rosa = sc.ua("rosa", "192.0.2.22")
    lena = sc.ua("lena", "198.51.100.22")
    call = sc.call("retransmission", rosa, lena, ["LIID-L"])
    call.description = "callee target of LIID-L; timer A retransmissions at 0.5 s and 1.5 s"
    offer = new_sdp(sc, "rosa", rosa.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "lena", lena.host.addr, [audio(b.media_port())])
    invite_t = sc.at(0)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    # Same CSeq and branch: the retransmissions repeat the INVITE byte for byte.
    for retry_s in (0.5, 1.5):
        call.request(sc.at(retry_s), "INVITE", body=offer.render(), cseq=invite.cseq,
                     branch=invite.branch)
    call.respond(sc.at(1.52), invite, 100, "Trying")
    call.respond(sc.at(1.6), invite, 180, "Ringing")
    ok_t = sc.at(2.0)
    call.respond(ok_t, invite, 200, "OK", body=answer.render())
    call.negotiate(ok_t, offer, answer, invite_t)
    call.respond(sc.at(2.5), invite, 200, "OK", body=answer.render())
    call.request(sc.at(2.52), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    send_media(sc, 2.6, offer, answer)
    hang_up(sc, call, 4.5)


def scenario_malformed(b, base):
    sc = b.scenario("o_malformed", "a non-SIP datagram on port 5060 and a call with an "
                    "invalid m= port, next to a correct call to the same target", base)
    oscar = sc.ua("oscar", "198.51.100.23")
    uma = sc.ua("uma", "192.0.2.23")
    vera = sc.ua("vera", "192.0.2.24")
    oscar2 = sc.ua("oscar", "198.51.100.24")

    broken = sc.call("broken_sdp", uma, oscar, ["LIID-O"])
    broken.description = "offer m=audio port is not a number: IRI as usual, no flows"
    good = sc.call("good_sdp", vera, oscar2, ["LIID-O"])
    good.description = "concurrent correct call to the same target"

    bad_offer = new_sdp(sc, "uma", uma.host.addr, [audio(0, port_text="49l70")])
    bad_answer = new_sdp(sc, "oscar", oscar.host.addr, [audio(b.media_port())])
    offer = new_sdp(sc, "vera", vera.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "oscar", oscar2.host.addr, [audio(b.media_port())])
    basic_call(sc, broken, 0, bad_offer, bad_answer, bye_s=3.0, media=False)
    basic_call(sc, good, 0.3, offer, answer, bye_s=3.3)

    # Binary bytes whose first byte has its top bits set, so they are
    # neither SIP nor STUN.
    garbage = b"\xa7" + bytes(sc.rng.getrandbits(8) for _ in range(99))
    stray = b.host("192.0.2.25")
    sc.net.udp(sc.at(1.0) + 700, stray, oscar.host, 33333, 5060, garbage)
    b.cap.count_rejected(sc.name)


def scenario_media_sections(b, base):
    sc = b.scenario("p_media_sections", "SDES with m=application TCP/MRCPv2 before "
                    "m=audio, and an m= port count of 2", base)
    pia = sc.ua("pia", "192.0.2.26")
    ravi = sc.ua("ravi", "198.51.100.26")
    call = sc.call("mrcp_first", pia, ravi, ["LIID-P"])
    call.description = "only the audio section (m 1) gives flows"
    mrcp_offer = MediaLine(9, proto="TCP/MRCPv2", formats="1", kind="application",
                           attributes=["a=setup:active", "a=connection:new",
                                       "a=resource:speechsynth", "a=cmid:1"])
    mrcp_answer = MediaLine(32416, proto="TCP/MRCPv2", formats="1", kind="application",
                            attributes=["a=setup:passive", "a=connection:new",
                                        "a=channel:32AECB23433801@speechsynth", "a=cmid:1"])
    offer = new_sdp(sc, "pia", pia.host.addr, [mrcp_offer, audio(
        b.media_port(), proto="RTP/SAVP", direction="recvonly",
        attributes=["a=mid:1"], crypto=[(1, SUITE_128, key_salt(sc.rng, SUITE_128))])])
    answer = new_sdp(sc, "ravi", ravi.host.addr, [mrcp_answer, audio(
        b.media_port(), proto="RTP/SAVP", direction="sendonly",
        attributes=["a=mid:1"], crypto=[(1, SUITE_128, key_salt(sc.rng, SUITE_128))])])
    basic_call(sc, call, 0, offer, answer, bye_s=2.5)

    sami = sc.ua("sami", "198.51.100.27")
    pia2 = sc.ua("pia", "192.0.2.27")
    call = sc.call("port_count", pia2, sami, ["LIID-P"])
    call.description = "offer m=audio 40314/2: RTP 40314, RTCP 40315"
    offer = new_sdp(sc, "pia", pia2.host.addr, [audio(40314, port_count=2)])
    answer = new_sdp(sc, "sami", sami.host.addr, [audio(b.media_port())])
    basic_call(sc, call, 0.55, offer, answer, bye_s=3.0)


def scenario_warrant_window(b, base):
    sc = b.scenario("m_warrant_window", "LIID-W valid from %s to %s: calls before, inside, "
                    "after, across the start and across the end"
                    % (rfc3339(WINDOW_START_S), rfc3339(WINDOW_END_S)), base)
    window = {"LIID-W": (seconds_us(WINDOW_START_S), seconds_us(WINDOW_END_S))}
    walt = sc.ua("walt", "192.0.2.28")

    def plain_call(name, start_s, bye_s, peer_addr, description):
        peer = sc.ua("peer%s" % name[-1], peer_addr)
        call = sc.call(name, walt, peer, ["LIID-W"], windows=window)
        call.description = description
        offer = new_sdp(sc, "walt", walt.host.addr, [audio(b.media_port(), proto="RTP/SAVP",
                        crypto=[(1, SUITE_128, key_salt(sc.rng, SUITE_128))])])
        answer = new_sdp(sc, "peer", peer_addr, [audio(b.media_port(), proto="RTP/SAVP",
                         crypto=[(1, SUITE_128, key_salt(sc.rng, SUITE_128))])])
        return call, offer, answer

    call, offer, answer = plain_call("window_1", 10, 14, "198.51.100.41",
                                     "before the warrant: not intercepted")
    basic_call(sc, call, 10, offer, answer, bye_s=14)

    # Across the start: SDES negotiated before it, so lime has no keys.
    call, offer, answer = plain_call("window_4", 15, 24, "198.51.100.44",
                                     "runs across the warrant start: intercepted from the INFO "
                                     "after it, flows with keying unknown")
    invite_t = sc.at(15)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(15.02), invite, 100, "Trying")
    call.respond(sc.at(15.1), invite, 180, "Ringing")
    ok_t = sc.at(15.6)
    call.respond(ok_t, invite, 200, "OK", body=answer.render())
    call.negotiate(ok_t, offer, answer, invite_t)
    call.request(sc.at(15.62), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    send_media(sc, 15.7, offer, answer)
    info_t = sc.at(21)
    info = call.request(info_t, "INFO", to_tag=call.to_tag,
                        extra=[("Info-Package", "dtmf")], body=b"Signal=5\r\nDuration=160\r\n",
                        content_type="application/dtmf-relay")
    call.install_negotiated(info_t, "unknown")
    call.respond(sc.at(21.02), info, 200, "OK")
    send_media(sc, 21.1, offer, answer)
    hang_up(sc, call, 24)

    call, offer, answer = plain_call("window_2", 25, 29, "198.51.100.42",
                                     "inside the warrant: intercepted")
    basic_call(sc, call, 25, offer, answer, bye_s=29)

    # Across the end: flows go with the warrant, later messages give no IRI.
    call, offer, answer = plain_call("window_5", 35, 43, "198.51.100.45",
                                     "runs across the warrant end: flows removed (warrant), "
                                     "no IRI after the end but possibly one END")
    invite_t = sc.at(35)
    invite = call.request(invite_t, "INVITE", body=offer.render())
    call.respond(sc.at(35.02), invite, 100, "Trying")
    call.respond(sc.at(35.1), invite, 180, "Ringing")
    ok_t = sc.at(35.6)
    call.respond(ok_t, invite, 200, "OK", body=answer.render())
    call.negotiate(ok_t, offer, answer, invite_t)
    call.request(sc.at(35.62), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
    send_media(sc, 35.7, offer, answer)
    for info_s in (38, 41):
        info = call.request(sc.at(info_s), "INFO", to_tag=call.to_tag,
                            extra=[("Info-Package", "dtmf")], body=b"Signal=1\r\nDuration=160\r\n",
                            content_type="application/dtmf-relay")
        call.respond(sc.at(info_s + 0.02), info, 200, "OK")
    call.end_flows(window["LIID-W"][1], sc.at(41), reason="warrant")
    call.optional_end.add("LIID-W")
    bye_t = sc.at(43)
    bye = call.request(bye_t, "BYE", to_tag=call.to_tag)
    call.respond(sc.at(43.03), bye, 200, "OK", ends=True)
    call.set_ended(bye_t, sc.at(43.03))

    call, offer, answer = plain_call("window_3", 45, 49, "198.51.100.43",
                                     "after the warrant: not intercepted")
    basic_call(sc, call, 45, offer, answer, bye_s=49)


# Scenarios of calls.pcap and their starts in seconds. The warrant window
# scenario uses its own absolute times around WINDOW_START_S.
CALL_SCENARIOS = [
    (scenario_sdes, 0.0),
    (scenario_tel_ipv6, 0.3),
    (scenario_no_target, 0.6),
    (scenario_fork, 1.0),
    (scenario_late_offer_tcp, 1.4),
    (scenario_reinvite, 2.0),
    (scenario_update, 2.5),
    (scenario_prack, 3.0),
    (scenario_cancel, 3.5),
    (scenario_rejected, 4.0),
    (scenario_shared_target, 4.5),
    (scenario_retransmission, 5.5),
    (scenario_malformed, 6.0),
    (scenario_media_sections, 7.0),
    (scenario_warrant_window, 0.0),
]


# ---------------------------------------------------------------------------
# Single-purpose captures


def build_timeout(b):
    sc = b.scenario("n_timeout", "an answered call with no BYE and an INVITE with no final "
                    "response time out when a later SIP message arrives; a call with "
                    "in-dialog requests every 50 s does not", 0)
    nora = sc.ua("nora", "192.0.2.30")
    otto = sc.ua("otto", "198.51.100.30")
    last_message_s = 0.62
    options_s = 120.5

    idle = sc.call("idle", nora, otto, ["LIID-N"])
    idle.description = "confirmed, then silent: END (timeout) after dialog_timeout_s 60"
    offer = new_sdp(sc, "nora", nora.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "otto", otto.host.addr, [audio(b.media_port())])
    invite_t = sc.at(0)
    invite = idle.request(invite_t, "INVITE", body=offer.render())
    idle.respond(sc.at(0.02), invite, 100, "Trying")
    ok_t = sc.at(0.6)
    idle.respond(ok_t, invite, 200, "OK", body=answer.render())
    idle.negotiate(ok_t, offer, answer, invite_t)
    idle.request(sc.at(last_message_s), "ACK", cseq=invite.cseq, to_tag=idle.to_tag)
    send_media(sc, 0.7, offer, answer)
    idle.timeout = True
    idle.end_flows(sc.at(last_message_s + 60), sc.at(options_s), reason="timeout")
    idle.set_ended(sc.at(last_message_s + 60), sc.at(options_s))

    nora2 = sc.ua("nora", "192.0.2.31")
    pam = sc.ua("pam", "198.51.100.31")
    early = sc.call("early", nora2, pam, ["LIID-N"])
    early.description = "180 with SDP and no final response: END (timeout) after early_dialog_timeout_s 30"
    offer = new_sdp(sc, "nora", nora2.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "pam", pam.host.addr, [audio(b.media_port())])
    invite_t = sc.at(1.0)
    invite = early.request(invite_t, "INVITE", body=offer.render())
    early.respond(sc.at(1.02), invite, 100, "Trying")
    ring_t = sc.at(1.2)
    early.respond(ring_t, invite, 180, "Ringing", body=answer.render())
    early.negotiate(ring_t, offer, answer, invite_t)
    send_media(sc, 1.3, offer, answer)
    early.timeout = True
    early.end_flows(invite_t + seconds_us(30), sc.at(options_s), reason="timeout")
    early.set_ended(invite_t + seconds_us(30), sc.at(options_s))

    nora3 = sc.ua("nora", "192.0.2.32")
    quentin = sc.ua("quentin", "198.51.100.32")
    busy = sc.call("refreshed", nora3, quentin, ["LIID-N"])
    busy.description = "INFO at 50 s and 100 s keeps the dialog alive past 120 s"
    offer = new_sdp(sc, "nora", nora3.host.addr, [audio(b.media_port())])
    answer = new_sdp(sc, "quentin", quentin.host.addr, [audio(b.media_port())])
    invite_t = sc.at(2.0)
    invite = busy.request(invite_t, "INVITE", body=offer.render())
    busy.respond(sc.at(2.02), invite, 100, "Trying")
    ok_t = sc.at(2.5)
    busy.respond(ok_t, invite, 200, "OK", body=answer.render())
    busy.negotiate(ok_t, offer, answer, invite_t)
    busy.request(sc.at(2.52), "ACK", cseq=invite.cseq, to_tag=busy.to_tag)
    for info_s in (50, 100):
        info = busy.request(sc.at(info_s), "INFO", to_tag=busy.to_tag,
                            extra=[("Info-Package", "dtmf")], body=b"Signal=2\r\nDuration=100\r\n",
                            content_type="application/dtmf-relay")
        busy.respond(sc.at(info_s + 0.02), info, 200, "OK")
    hang_up(sc, busy, 125)

    # The unrelated message whose time is past both deadlines.
    send_options(sc, options_s)
    return {"dialog_timeout_s": 60, "early_dialog_timeout_s": 30}


def send_options(sc, at_s):
    """Send an OPTIONS keepalive between two proxies that no call involves."""
    ping = sc.ua("monitor", "203.0.113.60")
    proxy = sc.ua("proxy", "203.0.113.61")
    options = sip_message("OPTIONS sip:%s SIP/2.0" % proxy.sent_by(), [
        ("Via", "SIP/2.0/UDP %s;branch=z9hG4bK%s" % (ping.sent_by(), random_hex(sc.rng, 16))),
        ("Max-Forwards", "70"),
        ("From", "<sip:monitor@%s>;tag=%s" % (DOMAIN, random_hex(sc.rng, 8))),
        ("To", "<sip:%s>" % proxy.sent_by()),
        ("Call-ID", "%s@%s" % (random_hex(sc.rng, 16), ping.host.addr)),
        ("CSeq", "1 OPTIONS"),
    ])
    sc.send_udp_sip(sc.at(at_s), ping, proxy, options)


# Smallest max_dialogs that lime accepts.
EVICT_MAX_DIALOGS = 16


def build_evict(b):
    sc = b.scenario("evict", "max_dialogs %d: the INVITE of call %d evicts the first call, "
                    "the oldest and least recently active" % (EVICT_MAX_DIALOGS,
                                                             EVICT_MAX_DIALOGS + 1), 0)
    calls = []
    last_start_s = 5.0

    for number in range(EVICT_MAX_DIALOGS + 1):
        if number < EVICT_MAX_DIALOGS:
            start_s = 0.2 * number
        else:
            start_s = last_start_s
        xena = sc.ua("xena", "192.0.2.%d" % (40 + number))
        peer = sc.ua("yves", "198.51.100.%d" % (40 + number))
        call = sc.call("evict_%d" % (number + 1), xena, peer, ["LIID-X"])
        call.description = "ends normally"
        offer = new_sdp(sc, "xena", xena.host.addr, [audio(b.media_port())])
        answer = new_sdp(sc, "yves", peer.host.addr, [audio(b.media_port())])
        invite_t = sc.at(start_s)
        invite = call.request(invite_t, "INVITE", body=offer.render())
        call.respond(sc.at(start_s + 0.02), invite, 100, "Trying")
        ok_t = sc.at(start_s + 0.1)
        call.respond(ok_t, invite, 200, "OK", body=answer.render())
        call.negotiate(ok_t, offer, answer, invite_t)
        call.request(sc.at(start_s + 0.12), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
        send_media(sc, start_s + 0.15, offer, answer)
        calls.append(call)

    for number, call in enumerate(calls[1:]):
        hang_up(sc, call, 6.0 + 0.1 * number)

    first = calls[0]
    first.description = "evicted by the last INVITE: flows removed (evicted)"
    evict_t = sc.at(last_start_s)
    first.end_flows(evict_t, evict_t, reason="evicted")
    first.set_ended(evict_t, evict_t)
    first.optional_end.add("LIID-X")
    first.evicted = True
    calls[-1].description = "admitted by evicting the first call"
    return {"max_dialogs": EVICT_MAX_DIALOGS}


def build_takeover(b):
    sc = b.scenario("takeover", "a call that never ends, then a new call from the same "
                    "media address and port: the old call's flows there are taken over", 0)
    tina = sc.ua("tina", "192.0.2.50")
    port = b.media_port()
    offer_media = [audio(port)]
    for number, (start_s, bye_s) in enumerate(((0, None), (5.0, 8.0))):
        peer = sc.ua("ugo", "198.51.100.%d" % (50 + number))
        call = sc.call("takeover_%d" % (number + 1), tina, peer, ["LIID-T"])
        offer = new_sdp(sc, "tina", tina.host.addr, offer_media)
        answer = new_sdp(sc, "ugo", peer.host.addr, [audio(b.media_port())])
        invite_t = sc.at(start_s)
        invite = call.request(invite_t, "INVITE", body=offer.render())
        call.respond(sc.at(start_s + 0.02), invite, 100, "Trying")
        ok_t = sc.at(start_s + 0.5)
        call.respond(ok_t, invite, 200, "OK", body=answer.render())
        if number == 1:
            stale = sc.calls[0]
            for key in [k for k, r in stale.active.items() if r["dir"] == "to_offerer"]:
                stale.remove(key, "taken_over", invite_t, ok_t)
        call.negotiate(ok_t, offer, answer, invite_t)
        call.request(sc.at(start_s + 0.52), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
        send_media(sc, start_s + 0.6, offer, answer)
        if bye_s is not None:
            hang_up(sc, call, bye_s)
    sc.calls[0].description = "never ends; its flows to tina's port go to the second call"
    sc.calls[1].description = "same caller address and port as the first call"
    # The capture goes on after the second call, so that the first call's
    # remaining flows are seen to outlive it.
    send_options(sc, 10.0)
    return {}


# ---------------------------------------------------------------------------
# The reload capture


RELOAD_CALL_STEP_S = 1.0
RELOAD_CALL_LENGTH_S = 1.5
RELOAD_ROUNDS = 7


def build_reload(b):
    """Calls of LIID-KEEP, LIID-DROP and LIID-NEW targets over about 8 s.

    Each call is a scenario of its own, so that each has its own
    sub-millisecond offset and no two SIP messages share a timestamp.
    """
    users = {"LIID-KEEP": "kim", "LIID-DROP": "dora", "LIID-NEW": "nell"}

    def start_call(liid, name, start_s):
        sc = b.scenario("reload_" + name, "%s call %s" % (liid, name), 0)
        n = len(b.scenarios)
        target = sc.ua(users[liid], "192.0.2.%d" % (100 + n))
        peer = sc.ua("zack", "198.51.100.%d" % (100 + n))
        call = sc.call(name, target, peer, [liid])
        call.reload_liid = liid
        call.description = sc.description
        offer = new_sdp(sc, target.user, target.host.addr, [audio(b.media_port())])
        answer = new_sdp(sc, "zack", peer.host.addr, [audio(b.media_port())])
        invite_t = sc.at(start_s)
        invite = call.request(invite_t, "INVITE", body=offer.render())
        call.respond(sc.at(start_s + 0.02), invite, 100, "Trying")
        call.respond(sc.at(start_s + 0.1), invite, 180, "Ringing")
        ok_t = sc.at(start_s + 0.4)
        call.respond(ok_t, invite, 200, "OK", body=answer.render())
        call.negotiate(ok_t, offer, answer, invite_t)
        call.request(sc.at(start_s + 0.42), "ACK", cseq=invite.cseq, to_tag=call.to_tag)
        send_media(sc, start_s + 0.45, offer, answer)
        return sc, call

    for round_number in range(RELOAD_ROUNDS):
        for position, liid in enumerate(("LIID-KEEP", "LIID-DROP", "LIID-NEW")):
            start_s = round_number * RELOAD_CALL_STEP_S + position * 0.3
            sc, call = start_call(liid, "%s_%d" % (users[liid], round_number), start_s)
            hang_up(sc, call, start_s + RELOAD_CALL_LENGTH_S - 0.03)

    for liid, name, start_s, end_s in (("LIID-KEEP", "kim_long", 0.5, 7.0),
                                       ("LIID-DROP", "dora_long", 0.8, 6.5)):
        sc, call = start_call(liid, name, start_s)
        info_s = start_s + 1.0
        while info_s < end_s - 0.5:
            info = call.request(sc.at(info_s), "INFO", to_tag=call.to_tag,
                                extra=[("Info-Package", "dtmf")],
                                body=b"Signal=3\r\nDuration=100\r\n",
                                content_type="application/dtmf-relay")
            call.respond(sc.at(info_s + 0.02), info, 200, "OK")
            info_s += 1.0
        hang_up(sc, call, end_s - 0.03)


# ---------------------------------------------------------------------------
# Expectations


def sweep_peak(intervals, ends_first):
    """Return the highest number of overlapping (start, end, weight) intervals.

    end None means open to the end of the capture. At equal times, ends
    come before starts when ends_first is true.
    """
    points = []
    for start, end, weight in intervals:
        points.append((start, 1 if ends_first else 0, weight))
        if end is not None:
            points.append((end, 0 if ends_first else 1, -weight))
    level = peak = 0
    for _, _, delta in sorted(points):
        level += delta
        peak = max(peak, level)
    return peak


def bound(summary, key, low, high):
    if low == high:
        summary[key] = low
    else:
        summary[key + "_min"] = low
        summary[key + "_max"] = high


def summary_expectations(calls, sip_messages, sip_rejected, max_dialogs=None):
    summary = {"calls": len(calls), "sip_messages": sip_messages,
               "sip_rejected": sip_rejected}
    counts = {liid: {"begin": 0, "continue": 0, "end": 0, "report": 0} for liid in LIIDS}
    optional_ends = {liid: 0 for liid in LIIDS}
    intercepted = {liid: 0 for liid in LIIDS}
    records = []
    for call in calls:
        expected = call.expected()
        for liid, sequence in expected["iri"].items():
            intercepted[liid] += 1
            for event in sequence:
                counts[liid][event["type"].lower()] += 1
        for liid in expected["iri_optional_end"]:
            optional_ends[liid] += 1
        records += call.records

    # A stream whose keys lime lacks raises one key_unavailable alarm, an
    # IRI-REPORT, once its first media packet arrives.
    keyless = {liid: 0 for liid in LIIDS}
    for record in records:
        if record["keying"] in ("unknown", "mikey"):
            for liid in record["liids"]:
                keyless[liid] += 1

    for liid in LIIDS:
        summary["intercepted_calls.%s" % liid] = intercepted[liid]
        for kind, value in counts[liid].items():
            key = "iri_events.%s.%s" % (liid, kind)
            high = value + (optional_ends[liid] if kind == "end" else 0)
            if kind == "report":
                high += keyless[liid]
            bound(summary, key, value, high)
    bound(summary, "alarms.key_unavailable", 0, sum(keyless.values()))

    summary["flows.added"] = len(records)
    summary["flows.removed"] = sum(1 for r in records if r["del_reason"])
    summary["flows.active"] = sum(1 for r in records if not r["del_reason"])
    summary["flows.rejected"] = 0
    low = sweep_peak([(r["add_ts"], r["del_ts"][0] if r["del_ts"] else None, 1)
                      for r in records], ends_first=True)
    high = sweep_peak([(r["add_ts"], r["del_ts"][1] if r["del_ts"] else None, 1)
                       for r in records], ends_first=False)
    bound(summary, "flows.peak", low, high)

    summary["dialogs.active"] = sum(1 for call in calls if call.ended is None)
    summary["dialogs.timed_out"] = sum(1 for call in calls if call.timeout)
    summary["dialogs.evicted"] = sum(1 for call in calls if call.evicted)
    # Lower bound: intercepted calls from their first intercepted message to
    # the earliest time they can end. Upper bound: every call, each fork
    # counted, from the INVITE to the latest time it can end.
    low_intervals, high_intervals = [], []
    for call in calls:
        first = call.intercepted_from()
        if first is not None:
            low_intervals.append((first, call.ended[0] if call.ended else None, 1))
        start = min(t for t, _, _ in call.log)
        high_intervals.append((start, call.ended[1] if call.ended else None, call.forks))
    high = sweep_peak(high_intervals, ends_first=False)
    if max_dialogs is not None:
        high = min(high, max_dialogs)
    bound(summary, "dialogs.peak", sweep_peak(low_intervals, ends_first=True), high)
    return summary


def capture_expectation(builder, scenarios, pcap, description, config):
    calls = [call for scenario in scenarios for call in scenario.calls]
    tags = {scenario.name for scenario in scenarios}
    sip_messages = sum(n for tag, n in builder.cap.sip.items() if tag in tags)
    sip_rejected = sum(n for tag, n in builder.cap.rejected.items() if tag in tags)
    entry = {
        "pcaps": [pcap],
        "description": description,
        "config": config,
        "summary": summary_expectations(calls, sip_messages, sip_rejected,
                                        config.get("max_dialogs")),
        "calls": {},
    }
    for call in calls:
        entry["calls"][call.call_id] = call.expected()
    return entry


def write_frames(outdir, name, builder, tags=None):
    frames = [f for f in builder.cap.frames if tags is None or f[2] in tags]
    write_pcap(os.path.join(outdir, name), order_frames(frames))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outdir", help="directory for the pcap files and expected.json")
    args = parser.parse_args()
    os.makedirs(args.outdir, exist_ok=True)

    captures = {}
    calls = Builder("calls", 0)
    for build, start_s in CALL_SCENARIOS:
        build(calls, seconds_us(start_s))
    for scenario in calls.scenarios:
        scenario.finish()
    calls.check_sip_times()
    write_frames(args.outdir, "calls.pcap", calls)
    captures["calls"] = capture_expectation(
        calls, calls.scenarios, "calls.pcap", "every scenario interleaved in one capture", {})
    for scenario in calls.scenarios:
        name = "scenario_%s" % scenario.name
        write_frames(args.outdir, name + ".pcap", calls, {scenario.name})
        captures[name] = capture_expectation(calls, [scenario], name + ".pcap",
                                             scenario.description, {})

    for index, (name, build) in enumerate((("timeout", build_timeout),
                                           ("evict", build_evict),
                                           ("takeover", build_takeover))):
        builder = Builder(name, index + 1)
        config = build(builder)
        for scenario in builder.scenarios:
            scenario.finish()
        builder.check_sip_times()
        write_frames(args.outdir, name + ".pcap", builder)
        captures[name] = capture_expectation(builder, builder.scenarios, name + ".pcap",
                                             builder.scenarios[0].description, config)

    reload_builder = Builder("reload", 10)
    build_reload(reload_builder)
    for scenario in reload_builder.scenarios:
        scenario.finish()
    reload_builder.check_sip_times()
    write_frames(args.outdir, "reload.pcap", reload_builder)
    reload_calls = {}
    for call in reload_builder.calls():
        entry = call.expected()
        entry["liid"] = call.reload_liid
        reload_calls[call.call_id] = entry
    reload_entry = {
        "pcap": "reload.pcap",
        "first_packet_us": BASE_TIME_US + min(f[0] for f in reload_builder.cap.frames),
        "intercepts_before": [RELOAD_KEEP, RELOAD_DROP],
        "intercepts_after": [RELOAD_KEEP, RELOAD_NEW],
        "summary": {
            "calls": len(reload_calls),
            "sip_messages": sum(reload_builder.cap.sip.values()),
            "sip_rejected": 0,
            "intercepted_calls.LIID-KEEP": sum(
                1 for entry in reload_calls.values() if entry["liid"] == "LIID-KEEP"),
        },
        "calls": reload_calls,
    }

    # Absolute times: lime's events carry capture time since the epoch.
    def absolute(value):
        return value + BASE_TIME_US if isinstance(value, int) else value

    for entry in list(captures.values()) + [reload_entry]:
        for call in entry["calls"].values():
            call["start_us"] = absolute(call["start_us"])
            call["end_us"] = absolute(call["end_us"])
            for flow in call["flows"]:
                flow["add_ts"] = absolute(flow["add_ts"])
                if flow["del_ts"]:
                    flow["del_ts"] = [absolute(t) for t in flow["del_ts"]]
            for sequence in call["iri"].values():
                for event in sequence:
                    event["ts"] = absolute(event["ts"])

    expected = {"intercepts": INTERCEPTS, "captures": captures, "reload": reload_entry}
    with open(os.path.join(args.outdir, "expected.json"), "w") as out:
        json.dump(expected, out, indent=2, sort_keys=True)
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
