#!/usr/bin/env python3
"""Check what a lime-lemf received from lime against the ground truth.

Usage: check_handover.py TRUTH.json LEMF_DIR LIME_SUMMARY.json [REFERENCE_LEMF_DIR]

- Sequence numbers per (LIID, CIN) have no gaps and nothing is missing.
- Without a reference: the distinct IRI and CC records equal lime's
  records_delivered. With one (a run where the agency was up): they equal
  the distinct records the reference received, and the summary's
  records_delivered plus records_spooled cover them.
- Every target call of the truth has its IRI-BEGIN first. A call that
  reached 200 OK and hung up has its IRI-END last. No other call appears.
- Each attack call has an IRI-REPORT of one of its expected alarms, and
  no honest call has an alarm.
- Each WAV file of an honest call's G.711 stream names the direction
  from or to the target, and contains exactly the
  stream's plaintext payload (its SHA-256 equals the truth's).
Prints one line per problem; exits 1 when there is any.
"""
import glob
import hashlib
import json
import os
import re
import struct
import sys

LIID = "LIID-1"


def iri_lines(lemf_dir):
    """Distinct IRI records by (CIN, sequence number)."""
    records = {}
    path = os.path.join(lemf_dir, LIID, "iri.jsonl")
    if os.path.exists(path):
        for line in open(path):
            rec = json.loads(line)
            records[(rec["cin"], rec["seq"])] = rec
    return records


def pcap_count(path):
    if not os.path.exists(path):
        return 0
    data = open(path, "rb").read()
    off, n = 24, 0
    while off + 16 <= len(data):
        incl = struct.unpack_from("<I", data, off + 8)[0]
        off += 16 + incl
        n += 1
    return n


def call_id_of(rec):
    if "alarm" in rec:
        return rec["alarm"].get("call_id", "")
    m = re.search(r"^(?:Call-ID|i):\s*(\S+)", rec.get("sip", ""), re.M | re.I)
    return m.group(1) if m else ""


def wav_data(path):
    data = open(path, "rb").read()
    off = 12
    while off + 8 <= len(data):
        cid, size = struct.unpack_from("<4sI", data, off)
        if cid == b"data":
            return data[off + 8:off + 8 + size]
        off += 8 + size + (size & 1)
    return b""


def check_counts(problems, lemf_dir, summary, reference):
    lemf = json.load(open(os.path.join(lemf_dir, "summary.json")))
    liid = lemf.get("liids", {}).get(LIID)
    if liid is None:
        problems.append("lime-lemf received nothing for %s" % LIID)
        return
    for seq in ("iri_sequence", "cc_sequence"):
        for key in ("gaps", "missing"):
            if liid[seq][key]:
                problems.append("%s.%s is %d" % (seq, key, liid[seq][key]))
    got = {"hi2": len(iri_lines(lemf_dir)),
           "hi3": pcap_count(os.path.join(lemf_dir, LIID, "cc.pcap"))}
    delivered = summary["records_delivered"][LIID]
    spooled = summary["records_spooled"][LIID]
    if reference is None:
        want = delivered
    else:
        want = {"hi2": len(iri_lines(reference)),
                "hi3": pcap_count(os.path.join(reference, LIID, "cc.pcap"))}
        for ch in ("hi2", "hi3"):
            if delivered[ch] + spooled[ch] < want[ch]:
                problems.append("%s: lime delivered %d and spooled %d, fewer than the %d expected"
                                % (ch, delivered[ch], spooled[ch], want[ch]))
    for ch in ("hi2", "hi3"):
        if got[ch] != want[ch]:
            problems.append("%s: %d distinct records arrived, expected %d" % (ch, got[ch], want[ch]))
    if got["hi3"] == 0:
        problems.append("no CC record arrived")


def check_calls(problems, truth, records):
    by_call = {}
    for (cin, seq), rec in sorted(records.items()):
        by_call.setdefault(call_id_of(rec), []).append(rec)
    targets = {c["call_id"]: c for c in truth["calls"] if c["target"]}
    for call_id in by_call:
        if call_id not in targets:
            problems.append("records for call %s, which is not a target call" % call_id)
    for call_id, call in targets.items():
        recs = [r for r in by_call.get(call_id, []) if "alarm" not in r]
        if not recs:
            problems.append("no IRI for target call %s" % call_id)
            continue
        if recs[0]["type"] not in ("BEGIN", "REPORT"):
            problems.append("call %s starts with %s" % (call_id, recs[0]["type"]))
        if call["final_status"] == 200 and recs[-1]["type"] != "END":
            problems.append("call %s ends with %s, not END" % (call_id, recs[-1]["type"]))
        alarms = {r["alarm"]["kind"] for r in by_call.get(call_id, []) if "alarm" in r}
        attack = call.get("attack")
        if attack and not alarms & set(attack["expected_alarms"]):
            problems.append("%s call %s: alarms %s, expected one of %s"
                            % (attack["kind"], call_id, sorted(alarms), attack["expected_alarms"]))
        if not attack and alarms:
            problems.append("honest call %s raised %s" % (call_id, sorted(alarms)))


def check_audio(problems, truth, lemf_dir):
    wavs = {}
    for path in glob.glob(os.path.join(lemf_dir, LIID, "*.wav")):
        ssrc = int(os.path.basename(path).split("-")[1], 16)
        wavs[ssrc] = path
    checked = 0
    for call in truth["calls"]:
        if not call["target"] or call.get("attack") or call["final_status"] != 200:
            continue
        for s in call["streams"]:
            if s["payload_type"] not in (0, 8):
                continue
            path = wavs.get(s["ssrc"])
            if path is None:
                problems.append("no WAV file for SSRC %08x of call %s" % (s["ssrc"], call["call_id"]))
                continue
            sent_by_target = (call["target_party"] == "caller") == \
                (s["direction"] == "caller_to_callee")
            want = "fromTarget" if sent_by_target else "toTarget"
            got = os.path.basename(path).split("-")[2].split(".")[0]
            if got != want:
                problems.append("SSRC %08x of call %s arrived as %s, expected %s"
                                % (s["ssrc"], call["call_id"], got, want))
            digest = hashlib.sha256(wav_data(path)).hexdigest()
            if digest != s["payload_sha256"]:
                problems.append("%s differs from the plaintext of SSRC %08x"
                                % (os.path.basename(path), s["ssrc"]))
            checked += 1
    if checked == 0:
        problems.append("no G.711 stream to compare")


def main():
    truth = json.load(open(sys.argv[1]))
    lemf_dir = sys.argv[2]
    summary = json.load(open(sys.argv[3]))
    reference = sys.argv[4] if len(sys.argv) > 4 else None
    problems = []

    check_counts(problems, lemf_dir, summary, reference)
    check_calls(problems, truth, iri_lines(lemf_dir))
    check_audio(problems, truth, lemf_dir)
    print("\n".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
