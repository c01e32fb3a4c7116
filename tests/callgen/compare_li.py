#!/usr/bin/python3
"""Compare what mikey_li_check derived with the ground truth.

Usage: compare_li.py NAME TRUTH.json RESULT.tsv

Prints "PASS callgen NAME li_keys" when every MIKEY call came out as its
ground truth records, else "FAIL ...: REASON" and exits 1:

- ordinary and expired-ticket calls: the SRTP keys of both crypto
  sessions match key_sha256 of the streams;
- tap-altered calls: TRANSFER_INIT fails its MAC;
- forged TRANSFER_INITs yield no keys, and a ticket under an unknown key
  gets MIKEY error 14 from the KMS.
"""

import json
import sys


def expected(call):
    kind = call.get("attack", {}).get("kind")
    if kind == "tap-altered":
        return "init_mac_failed"
    if kind == "forged-flood":
        forgery = call["attack"]["detail"].split(":")[0]
        return "kms_error_14" if forgery == "unknown_ticket_key" else "not ok"
    return "ok"


def main():
    name, truth_path, result_path = sys.argv[1:4]
    truth = json.load(open(truth_path))
    results = {}
    for line in open(result_path):
        call_id, outcome, cs1, cs2 = line.rstrip("\n").split("\t")
        results[call_id] = (outcome, cs1, cs2)
    problems = []
    for call in truth["calls"]:
        if call["keying"] != "mikey":
            continue
        got = results.get(call["call_id"])
        want = expected(call)
        if got is None:
            problems.append("%s: no result" % call["call_id"])
        elif want == "not ok" and got[0] == "ok":
            problems.append("%s: a forgery yielded keys" % call["call_id"])
        elif want not in ("ok", "not ok") and got[0] != want:
            problems.append("%s: %s, expected %s" % (call["call_id"], got[0], want))
        elif want == "ok":
            keys = {s["mikey_cs_id"]: s["key_sha256"] for s in call["streams"]}
            if got[0] != "ok" or (got[1], got[2]) != (keys.get(1), keys.get(2)):
                problems.append("%s: %s with other keys than the truth" % (call["call_id"], got[0]))
    if problems:
        print("FAIL callgen %s li_keys: %s" % (name, "; ".join(problems[:3])))
        return 1
    print("PASS callgen %s li_keys" % name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
