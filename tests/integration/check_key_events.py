#!/usr/bin/python3
"""Compare the "keys" lines of lime's --debug-events with a ground truth.

Usage: check_key_events.py TRUTH.json EVENTS.jsonl [SOURCE]

TRUTH.json is lime-callgen's ground truth, or one in its format. For
every target call without an attack, each stream's key_sha256 must be
among the fingerprints lime wrote for that call, and a fingerprint lime
wrote with an SSRC must be that stream's. No other fingerprint may
appear for the call. With SOURCE, every "keys" line of those calls must
name it as its source. Prints one line per mismatch and exits 1 if any.
"""

import json
import sys


def main():
    truth = json.load(open(sys.argv[1]))
    source = sys.argv[3] if len(sys.argv) > 3 else None
    events = {}
    for line in open(sys.argv[2]):
        event = json.loads(line)
        if event.get("event") == "keys":
            events.setdefault(event["call_id"], []).append(event)

    problems = []
    checked = 0
    for call in truth["calls"]:
        if not call["target"] or call.get("attack"):
            continue
        got = events.get(call["call_id"], [])
        want = {s["key_sha256"]: s for s in call.get("streams", [])}
        seen = {e["key_sha256"] for e in got}
        for fingerprint, stream in want.items():
            if fingerprint not in seen:
                problems.append("call %s %s: no keys event with the ground-truth fingerprint"
                                % (call["call_id"], stream["direction"]))
        for event in got:
            stream = want.get(event["key_sha256"])
            if stream is None:
                problems.append("call %s stream %d: fingerprint %s is not in the ground truth"
                                % (call["call_id"], event["stream"], event["key_sha256"][:16]))
            elif "ssrc" in event and event["ssrc"] != stream["ssrc"]:
                problems.append("call %s: fingerprint of SSRC %d keyed SSRC %d"
                                % (call["call_id"], stream["ssrc"], event["ssrc"]))
            if source is not None and event["source"] != source:
                problems.append("call %s: keys source %s, expected %s"
                                % (call["call_id"], event["source"], source))
            if not event.get("liids"):
                problems.append("call %s: keys event without LIIDs" % call["call_id"])
        checked += 1
    if checked == 0:
        problems.append("the ground truth has no honest target call")
    for line in problems[:20]:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
