#!/usr/bin/python3
"""Judge one lime run against a KMS that failed in a known way.

Usage: check_kms_failure.py TRUTH.json SUMMARY.json EVENTS.jsonl LOG KIND REASON

TRUTH.json is lime-callgen's ground truth of a capture with SDES and
MIKEY-TICKET calls, all to targets. KIND is the alarm the failure must
raise (kms_error or kms_unreachable) and REASON a phrase of its reason.
Every MIKEY call must be reported in the log with KIND and REASON, or
with kms_unreachable because the client's circuit breaker opened after
earlier failures, and at least one call with KIND and REASON. No MIKEY
keys may reach a stream, and the SDES calls must decrypt as if the KMS
were fine: their fingerprints match, every packet decrypts and they
raise no alarm. Prints one line per problem and exits 1 if any.
"""

import json
import re
import subprocess
import sys

BREAKER = "circuit breaker open"


def main():
    truth_path, summary_path, events_path, log_path, kind, reason = sys.argv[1:7]
    truth = json.load(open(truth_path))
    summary = json.load(open(summary_path))
    log = open(log_path).read()
    events = [json.loads(line) for line in open(events_path)]
    mikey = [c for c in truth["calls"] if c["target"] and c.get("keying") == "mikey"]
    sdes = [c for c in truth["calls"] if c["target"] and c.get("keying") == "sdes"]
    problems = []
    if not mikey or not sdes:
        problems.append("the capture needs SDES and MIKEY target calls")

    primary = 0
    for call in mikey:
        prefix = r"alarm %%s: LIID LIID-1, call %s: " % re.escape(call["call_id"])
        if re.search(prefix % kind + ".*" + re.escape(reason), log):
            primary += 1
        elif not re.search(prefix % "kms_unreachable" + ".*" + BREAKER, log):
            problems.append("call %s: no %s alarm with \"%s\" in the log" % (
                call["call_id"], kind, reason))
    if mikey and primary == 0:
        problems.append("no call got %s with \"%s\"" % (kind, reason))

    alarms = summary["alarms"]
    if alarms[kind] < 1:
        problems.append("summary alarms.%s is 0" % kind)
    if alarms["key_unavailable"] < len(mikey):
        problems.append("summary alarms.key_unavailable is %d, expected at least %d"
                        % (alarms["key_unavailable"], len(mikey)))
    allowed = {kind, "kms_unreachable", "key_unavailable"}
    others = {k: v for k, v in alarms.items() if v and k not in allowed}
    if others:
        problems.append("unexpected alarms in the summary: %s" % others)
    if summary["kms_resolutions_ok"] != 0:
        problems.append("summary kms_resolutions_ok is %d" % summary["kms_resolutions_ok"])
    if sum(summary["media_undecryptable"].values()) == 0:
        problems.append("no media counted as undecryptable")

    mikey_ids = {c["call_id"] for c in mikey}
    for event in events:
        if event.get("event") == "keys" and event["source"] != "sdes":
            problems.append("call %s: %s keys reached stream %d" % (
                event["call_id"], event["source"], event["stream"]))
        if event.get("alarm") and event["call_id"] not in mikey_ids:
            problems.append("call %s: alarm %s on a call not keyed by MIKEY" % (
                event["call_id"], event["alarm"]))

    expected = sum(s["packets"] + s["rtcp_packets"] for c in sdes for s in c["streams"])
    if summary["media"]["decrypted"] != expected:
        problems.append("summary media.decrypted is %d, expected %d for the SDES calls"
                        % (summary["media"]["decrypted"], expected))
    if summary["media"]["failed"] != 0:
        problems.append("summary media.failed is %d" % summary["media"]["failed"])

    sdes_truth = dict(truth, calls=sdes)
    with open(truth_path + ".sdes.json", "w") as f:
        json.dump(sdes_truth, f)
    checker = __file__.replace("check_kms_failure.py", "check_key_events.py")
    result = subprocess.run([sys.executable, checker, truth_path + ".sdes.json", events_path, "sdes"],
                            capture_output=True, text=True)
    if result.returncode != 0:
        problems.append("SDES fingerprints: " + result.stdout.strip().split("\n")[0])

    for line in problems[:20]:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
