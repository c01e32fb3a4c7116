#!/usr/bin/python3
"""Compare lime's summary and --debug-events output with gen_call_cases.py's expectations.

Usage:
  check_call_events.py list EXPECTED
      Print one line per capture: NAME PCAP [PCAP...].
  check_call_events.py config EXPECTED NAME SPOOL_DIR
      Print the YAML configuration for capture NAME, or for the reload
      check with NAME reload_before, reload_after or reload_invalid.
  check_call_events.py case EXPECTED NAME SUMMARY EVENTS
      Compare the summary and events of one capture.
  check_call_events.py reload EXPECTED SUMMARY EVENTS LOG
      Judge the reload run from its summary, events and stderr log.

The comparing commands print one line per mismatch on stdout, each naming
the call (scenario/name and Call-ID) and the expected and actual values,
and exit with 1 when there is any. The reload command also writes the
reload's capture time and the number of calls judged per case to stderr.
Times are shown as the capture's time of day in UTC with microseconds, as
tcpdump prints them.
"""

import datetime
import json
import re
import sys

FLOW_KINDS = {"rtp", "rtcp", "rtp_rtcp"}
FLOW_DIRS = {"to_answerer", "to_offerer"}
KEYINGS = {"none", "sdes", "mikey", "unknown"}
DEL_REASONS = {"call_end", "renegotiated", "fork_ended", "warrant", "evicted",
               "taken_over", "timeout"}
IRI_TYPES = {"BEGIN", "CONTINUE", "END", "REPORT"}

# Margin around the reload's capture time inside which calls are not
# judged. It covers the delay between the SIGHUP and the reload, the
# millisecond resolution of the log and the pacing error of --pcap-speed 1.
RELOAD_MARGIN_US = 1_000_000
REPLAY_START_TEXT = "receiving from capture files"
RELOADED_TEXT = "configuration reloaded"
REJECTED_TEXT = "reload rejected"


def clock(ts_us):
    """Format capture time in microseconds since the epoch as HH:MM:SS.ffffff."""
    if ts_us is None:
        return "(none)"
    moment = datetime.datetime.fromtimestamp(ts_us // 1_000_000, datetime.timezone.utc)
    return "%s.%06d" % (moment.strftime("%H:%M:%S"), ts_us % 1_000_000)


def describe_flow(flow):
    text = "%s %s %s port %s m %s" % (flow.get("kind"), flow.get("dir"), flow.get("addr"),
                                      flow.get("port"), flow.get("m"))
    return text


def flow_key(flow):
    return (flow.get("addr"), flow.get("port"), flow.get("kind"), flow.get("dir"))


# ---------------------------------------------------------------------------
# Configuration


def yaml_string(value):
    return json.dumps(value)


def config_text(intercepts, extra, spool_dir):
    lines = ['lcores: "0-1"', "workers: 1", "sip_ports: [5060]",
             "spool_dir: %s" % yaml_string(spool_dir)]
    for key, value in sorted(extra.items()):
        lines.append("%s: %s" % (key, value))
    lines.append("intercepts:")
    for intercept in intercepts:
        lines.append("  - liid: %s" % yaml_string(intercept["liid"]))
        lines.append("    targets: [%s]" % ", ".join(yaml_string(t) for t in intercept["targets"]))
        for key in ("start", "end"):
            if key in intercept:
                lines.append("    %s: %s" % (key, yaml_string(intercept[key])))
        lines.append('    agency: "lea-test"')
    # The agency addresses are on loopback, where nothing listens.
    lines += ["agencies:", '  - name: "lea-test"', '    hi2: "127.0.0.1:9"',
              '    hi3: "127.0.0.1:9"']
    return "\n".join(lines) + "\n"


def command_config(expected, name, spool_dir):
    if name == "reload_before":
        text = config_text(expected["reload"]["intercepts_before"], {}, spool_dir)
    elif name in ("reload_after", "reload_invalid"):
        text = config_text(expected["reload"]["intercepts_after"], {}, spool_dir)
        if name == "reload_invalid":
            text += "no_such_key: 1\n"
    else:
        text = config_text(expected["intercepts"], expected["captures"][name]["config"],
                           spool_dir)
    sys.stdout.write(text)
    return 0


# ---------------------------------------------------------------------------
# Reading lime's output


def load_summary(path, problems):
    try:
        with open(path) as f:
            summary = json.load(f)
    except (OSError, ValueError) as error:
        problems.append("summary %s is not readable JSON: %s" % (path, error))
        return None
    if not isinstance(summary, dict):
        problems.append("summary %s is not a JSON object" % path)
        return None
    return summary


def lookup(summary, key):
    value = summary
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def first_missing_path(summary, name):
    """Return the shortest dotted prefix of name that the summary lacks."""
    value = summary
    parts = name.split(".")
    for position, part in enumerate(parts):
        if not isinstance(value, dict) or part not in value:
            return ".".join(parts[:position + 1])
        value = value[part]
    return name


def compare_summary(summary, expected, problems):
    """Compare summary values with expected ones, with one line per missing object."""
    missing = {}
    for key, want in sorted(expected.items()):
        if key.endswith("_min"):
            name, relation = key[:-4], "at least"
            passes = lambda got, bound: got >= bound
        elif key.endswith("_max"):
            name, relation = key[:-4], "at most"
            passes = lambda got, bound: got <= bound
        else:
            name, relation = key, "exactly"
            passes = lambda got, bound: got == bound
        got = lookup(summary, name)
        if got is None:
            missing.setdefault(first_missing_path(summary, name), set()).add(name)
        elif not isinstance(got, int) or isinstance(got, bool):
            problems.append("summary: %s is %r, expected a number" % (name, got))
        elif not passes(got, want):
            problems.append("summary: %s is %s, expected %s %s" % (name, got, relation, want))
    for path, names in sorted(missing.items()):
        if names == {path}:
            problems.append("summary: %s missing" % path)
        else:
            problems.append("summary: %s missing (%d expected values under it)" % (path, len(names)))


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def validate_event(event, issues):
    """Check the fields of one event; return False when it cannot be matched.

    issues maps each problem text to the events lines that have it. Only
    the fields that identify an event to its expectation make it unusable.
    """
    kind = event.get("event")
    usable = True

    def require(field, check, expected_text, identifies=True):
        nonlocal usable
        if field not in event:
            text = "%s events lack field %s" % (kind, field)
        elif not check(event[field]):
            text = "%s events have %s %r, expected %s" % (kind, field, event[field], expected_text)
        else:
            return
        issues.setdefault(text, []).append(event["_line"])
        if identifies:
            usable = False

    require("ts_us", is_int, "an integer")
    require("call_id", lambda v: isinstance(v, str) and v, "a non-empty string")
    if kind in ("flow_add", "flow_del"):
        require("liids", lambda v: isinstance(v, list) and v and all(isinstance(x, str) for x in v),
                "a non-empty list of LIIDs", identifies=False)
        require("family", lambda v: v in (4, 6), "4 or 6", identifies=False)
        require("addr", lambda v: isinstance(v, str) and v, "an address")
        require("port", lambda v: is_int(v) and 0 < v < 65536, "a port from 1 to 65535")
        require("m", lambda v: is_int(v) and v >= 0, "an m= line index", identifies=False)
        require("kind", lambda v: v in FLOW_KINDS, " or ".join(sorted(FLOW_KINDS)))
        require("dir", lambda v: v in FLOW_DIRS, " or ".join(sorted(FLOW_DIRS)))
        require("keying", lambda v: v in KEYINGS, " or ".join(sorted(KEYINGS)), identifies=False)
        if event.get("keying") == "sdes":
            require("suite", lambda v: isinstance(v, str) and v, "an SDES suite",
                    identifies=False)
        elif "suite" in event:
            text = "%s events have a suite with keying %r, expected a suite only with sdes" % (
                kind, event.get("keying"))
            issues.setdefault(text, []).append(event["_line"])
        if kind == "flow_del":
            require("reason", lambda v: v in DEL_REASONS, " or ".join(sorted(DEL_REASONS)))
    elif kind == "iri":
        require("type", lambda v: v in IRI_TYPES, " or ".join(sorted(IRI_TYPES)))
        require("liid", lambda v: isinstance(v, str) and v, "a LIID")
        require("cin", is_int, "an integer", identifies=False)
        require("sip", lambda v: isinstance(v, str), "a string")
    return usable


def load_events(path, problems):
    """Return {call_id: {"flow_add": [...], "flow_del": [...], "iri": [...]}}."""
    calls = {}
    issues = {}
    try:
        f = open(path)
    except OSError as error:
        problems.append("events file %s is not readable: %s" % (path, error))
        return None
    with f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError as error:
                problems.append("events line %d is not JSON: %s" % (number, error))
                continue
            if not isinstance(event, dict):
                problems.append("events line %d is not a JSON object" % number)
                continue
            event["_line"] = number
            kind = event.get("event")
            if kind not in ("flow_add", "flow_del", "iri"):
                continue
            if not validate_event(event, issues):
                continue
            groups = calls.setdefault(event["call_id"], {"flow_add": [], "flow_del": [], "iri": []})
            groups[kind].append(event)
    for text, lines in issues.items():
        problems.append("%s (%d events, first on events line %d)" % (text, len(lines), lines[0]))
    return calls


# ---------------------------------------------------------------------------
# Comparing one call


class CallChecker:
    """Compares the events of one call with its expectations."""

    def __init__(self, call_id, expected, events, problems):
        self.call_id = call_id
        self.expected = expected
        self.events = events or {"flow_add": [], "flow_del": [], "iri": []}
        self.problems = problems
        self.label = "%s/%s %s" % (expected.get("scenario"), expected.get("name"), call_id)

    def report(self, text):
        self.problems.append("%s: %s" % (self.label, text))

    def group_by_flow(self, kind):
        """Return {flow key: [events]} for flow_add or flow_del, reporting repeats."""
        groups = {}
        for event in self.events[kind]:
            groups.setdefault(flow_key(event), []).append(event)
        for events in groups.values():
            if len(events) > 1:
                self.report("%s for %s %d times (events lines %s), expected once"
                            % (kind, describe_flow(events[0]), len(events),
                               ", ".join(str(e["_line"]) for e in events)))
        return groups

    def check_flows(self, del_reason_override=None):
        """Compare flow_add and flow_del events with the expected flows.

        The first flow_add and the last flow_del of each flow are compared.
        del_reason_override, when given, replaces the reason of every
        expected removal and lifts the check of its time (for a call whose
        warrant was withdrawn while it ran).
        """
        expected_flows = {flow_key(flow): flow for flow in self.expected["flows"]}
        adds = {key: events[0] for key, events in self.group_by_flow("flow_add").items()}
        dels = {key: events[-1] for key, events in self.group_by_flow("flow_del").items()}

        for key, flow in expected_flows.items():
            event = adds.get(key)
            if event is None:
                self.report("missing flow_add %s at %s" % (describe_flow(flow), clock(flow["add_ts"])))
                continue
            self.compare_flow_fields(event, flow)
        for key, event in adds.items():
            if key not in expected_flows:
                self.report("unexpected flow_add %s at %s (events line %d)"
                            % (describe_flow(event), clock(event["ts_us"]), event["_line"]))

        for key, event in dels.items():
            add = adds.get(key)
            if add is None:
                self.report("flow_del %s (reason %s, events line %d) without a flow_add"
                            % (describe_flow(event), event["reason"], event["_line"]))
                continue
            if add["_line"] > event["_line"]:
                self.report("flow_del %s on events line %d comes before its flow_add on line %d"
                            % (describe_flow(event), event["_line"], add["_line"]))
            for field in ("family", "m", "keying", "suite", "liids"):
                if field in add and field in event and add[field] != event[field]:
                    self.report("flow_del %s (events line %d): %s is %r, but its flow_add "
                                "has %r" % (describe_flow(event), event["_line"], field,
                                            event[field], add[field]))

        for key, flow in expected_flows.items():
            event = dels.get(key)
            reason = flow["del_reason"]
            if del_reason_override is not None and reason is not None:
                reason = del_reason_override
            if reason is None:
                if event is not None:
                    self.report("unexpected flow_del %s reason %s at %s, expected the flow "
                                "to stay" % (describe_flow(flow), event["reason"],
                                             clock(event["ts_us"])))
                continue
            if event is None:
                if key in adds:
                    self.report("missing flow_del %s with reason %s between %s and %s"
                                % (describe_flow(flow), reason, clock(flow["del_ts"][0]),
                                   clock(flow["del_ts"][1])))
                continue
            if event["reason"] != reason:
                self.report("flow_del %s has reason %s, expected %s"
                            % (describe_flow(flow), event["reason"], reason))
            low, high = flow["del_ts"]
            if del_reason_override is None and not low <= event["ts_us"] <= high:
                self.report("flow_del %s (reason %s) at %s, expected between %s and %s"
                            % (describe_flow(flow), event["reason"], clock(event["ts_us"]),
                               clock(low), clock(high)))

    def compare_flow_fields(self, event, flow):
        name = describe_flow(flow)
        for field in ("family", "m", "keying"):
            if event.get(field) != flow[field]:
                self.report("flow_add %s: %s is %r, expected %r"
                            % (name, field, event.get(field), flow[field]))
        if event.get("suite") != flow.get("suite"):
            self.report("flow_add %s: suite is %r, expected %r"
                        % (name, event.get("suite"), flow.get("suite")))
        if sorted(event.get("liids") or []) != sorted(flow["liids"]):
            self.report("flow_add %s: liids are %s, expected %s"
                        % (name, event.get("liids"), sorted(flow["liids"])))
        if event["ts_us"] != flow["add_ts"]:
            self.report("flow_add %s at %s, expected at %s (the message with the answer, or "
                        "the first message under the warrant)"
                        % (name, clock(event["ts_us"]), clock(flow["add_ts"])))

    def iri_by_liid(self):
        result = {}
        for event in self.events["iri"]:
            result.setdefault(event["liid"], []).append(event)
        return result

    def check_iri(self, prefix_until_us=None):
        """Compare IRI events per LIID with the expected sequences.

        With prefix_until_us, the call's warrant was withdrawn at about that
        time: the events must be the start of the expected sequence, and
        none may come later.
        """
        expected_iri = self.expected["iri"]
        got_iri = self.iri_by_liid()
        for liid in sorted(set(got_iri) - set(expected_iri)):
            events = got_iri[liid]
            self.report("unexpected IRI for %s: %d events (%s), expected none"
                        % (liid, len(events), " ".join(e["type"] for e in events)))
        for liid, sequence in sorted(expected_iri.items()):
            got = got_iri.get(liid, [])
            self.check_alarms(liid, [e for e in got if "alarm" in e])
            got = [e for e in got if "alarm" not in e]
            if prefix_until_us is not None:
                late = [e for e in got if e["ts_us"] > prefix_until_us]
                if late:
                    self.report("%d IRI events for %s after the reload (first %s at %s on "
                                "events line %d), expected none after %s"
                                % (len(late), liid, late[0]["type"], clock(late[0]["ts_us"]),
                                   late[0]["_line"], clock(prefix_until_us)))
                got = [e for e in got if e["ts_us"] <= prefix_until_us]
                sequence = sequence[:len(got)]
            elif liid in self.expected.get("iri_optional_end", []) and \
                    len(got) == len(sequence) + 1 and got[-1]["type"] == "END":
                got = got[:-1]
            self.compare_sequence(liid, sequence, got)
            cins = sorted({e.get("cin") for e in got}, key=str)
            if len(cins) > 1:
                self.report("IRI for %s uses several cin values %s, expected one per call"
                            % (liid, cins))

    def check_alarms(self, liid, alarms):
        """Alarm IRI-REPORTs: key_unavailable, at most one per stream whose keys lime lacks."""
        keyless = [f for f in self.expected["flows"]
                   if f.get("keying") in ("unknown", "mikey") and liid in f.get("liids", [])]
        for event in alarms:
            if event["alarm"] != "key_unavailable" or event["type"] != "REPORT":
                self.report("IRI %s on events line %d: alarm %s in a %s, expected "
                            "key_unavailable in a REPORT"
                            % (liid, event["_line"], event["alarm"], event["type"]))
        if len(alarms) > len(keyless):
            self.report("IRI %s: %d key_unavailable alarms, expected at most %d (one per "
                        "stream without keys)" % (liid, len(alarms), len(keyless)))

    def compare_sequence(self, liid, sequence, got):
        want_types = [e["type"] for e in sequence]
        got_types = [e["type"] for e in got]
        if want_types != got_types:
            self.report("IRI %s types are [%s], expected [%s]"
                        % (liid, " ".join(got_types) or "none", " ".join(want_types)))
        for position, event in enumerate(got[len(sequence):len(sequence) + 3], len(sequence)):
            self.report("IRI %s #%d (events line %d) is one more than expected: %s %r at %s"
                        % (liid, position + 1, event["_line"], event["type"], event["sip"],
                           clock(event["ts_us"])))
        for position, want in enumerate(sequence[len(got):len(got) + 3], len(got)):
            self.report("IRI %s #%d missing: %s %r at %s"
                        % (liid, position + 1, want["type"], want["sip"], clock(want["ts"])))
        reported = 0
        for position, (want, event) in enumerate(zip(sequence, got)):
            if reported >= 3:
                break
            differences = []
            if want["type"] != event["type"]:
                differences.append("type %s, expected %s" % (event["type"], want["type"]))
            if want["sip"] != event["sip"]:
                differences.append("sip %r, expected %r" % (event["sip"], want["sip"]))
            if want["ts"] is not None and want["ts"] != event["ts_us"]:
                differences.append("at %s, expected %s" % (clock(event["ts_us"]), clock(want["ts"])))
            if "reason" in want and event.get("reason") != want["reason"]:
                differences.append("reason %r, expected %r" % (event.get("reason"), want["reason"]))
            if differences:
                reported += 1
                self.report("IRI %s #%d (events line %d): %s"
                            % (liid, position + 1, event["_line"], "; ".join(differences)))

    def check_silent(self, context):
        """Report any event of a call that must give none."""
        counts = {kind: len(events) for kind, events in self.events.items() if events}
        if counts:
            first = min((e for events in self.events.values() for e in events),
                        key=lambda e: e["_line"])
            self.report("%s, but got %s (first on events line %d)"
                        % (context, ", ".join("%d %s" % (n, k) for k, n in sorted(counts.items())),
                           first["_line"]))

    def check_all(self):
        if not self.expected["flows"] and not self.expected["iri"]:
            self.check_silent("not intercepted, expected no events")
            return
        self.check_flows()
        self.check_iri()


def check_cin_reuse(calls_events, problems):
    """Report a cin that two calls share under the same LIID."""
    owners = {}
    for call_id, groups in calls_events.items():
        for event in groups["iri"]:
            if "cin" in event:
                owners.setdefault((event["liid"], event["cin"]), set()).add(call_id)
    for (liid, cin), call_ids in sorted(owners.items()):
        if len(call_ids) > 1:
            problems.append("cin %d of %s is used by %d calls: %s"
                            % (cin, liid, len(call_ids), ", ".join(sorted(call_ids))))


def check_unknown_calls(expected_calls, calls_events, problems):
    unknown = sorted(set(calls_events) - set(expected_calls))
    for call_id in unknown[:5]:
        groups = calls_events[call_id]
        first = min((e for events in groups.values() for e in events), key=lambda e: e["_line"])
        problems.append("events for Call-ID %s, which no call of the capture has "
                        "(first on events line %d)" % (call_id, first["_line"]))
    if len(unknown) > 5:
        problems.append("and %d more unknown Call-IDs" % (len(unknown) - 5))


# ---------------------------------------------------------------------------
# Commands


def command_list(expected):
    for name in sorted(expected["captures"]):
        print(" ".join([name] + expected["captures"][name]["pcaps"]))
    return 0


def command_case(expected, name, summary_path, events_path):
    capture = expected["captures"][name]
    problems = []
    summary = load_summary(summary_path, problems)
    if summary is not None:
        compare_summary(summary, capture["summary"], problems)
    calls_events = load_events(events_path, problems)
    if calls_events is not None:
        for call_id, call in sorted(capture["calls"].items(),
                                    key=lambda item: (item[1]["scenario"], item[1]["name"])):
            CallChecker(call_id, call, calls_events.get(call_id), problems).check_all()
        check_cin_reuse(calls_events, problems)
        check_unknown_calls(capture["calls"], calls_events, problems)
    for line in problems:
        print(line)
    return 1 if problems else 0


def log_time_us(line):
    """Return the wall time of a lime log line in microseconds, or None."""
    match = re.match(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z ", line)
    if not match:
        return None
    year, month, day, hour, minute, second, millis = (int(x) for x in match.groups())
    moment = datetime.datetime(year, month, day, hour, minute, second,
                               tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 1_000_000 + millis * 1000


def find_log_line(lines, text):
    for line in lines:
        if text in line:
            return line
    return None


def command_reload(expected, summary_path, events_path, log_path):
    """Judge the reload run.

    The reload's capture time is its wall time in the log minus the wall
    time of the log line that starts the replay, plus the capture's first
    packet time: at --pcap-speed 1 capture time runs with wall time. Calls
    that start or end within RELOAD_MARGIN_US of it are not judged.
    """
    reload = expected["reload"]
    problems = []
    summary = load_summary(summary_path, problems)
    if summary is not None:
        compare_summary(summary, reload["summary"], problems)

    try:
        with open(log_path) as f:
            lines = f.read().splitlines()
    except OSError as error:
        print("log %s is not readable: %s" % (log_path, error))
        return 1
    times = {}
    for text in (REPLAY_START_TEXT, RELOADED_TEXT, REJECTED_TEXT):
        line = find_log_line(lines, text)
        if line is None:
            problems.append("no log line contains %r" % text)
        elif log_time_us(line) is None:
            problems.append("log line %r has no timestamp" % line)
        else:
            times[text] = log_time_us(line)
    if REPLAY_START_TEXT not in times or RELOADED_TEXT not in times:
        problems.append("cannot place the reload in capture time, so no call was judged")
        for line in problems:
            print(line)
        return 1

    def capture_time(text):
        return reload["first_packet_us"] + times[text] - times[REPLAY_START_TEXT]

    reloaded_us = capture_time(RELOADED_TEXT)
    rejected_us = capture_time(REJECTED_TEXT) if REJECTED_TEXT in times else None
    if rejected_us is not None and rejected_us < reloaded_us:
        problems.append("%r is logged before %r" % (REJECTED_TEXT, RELOADED_TEXT))
    sys.stderr.write("reload at capture time %s, rejected reload at %s, margin %.1f s\n"
                     % (clock(reloaded_us), clock(rejected_us), RELOAD_MARGIN_US / 1e6))

    calls_events = load_events(events_path, problems)
    if calls_events is None:
        for line in problems:
            print(line)
        return 1

    judged = {"keep": 0, "drop_before": 0, "drop_running": 0, "drop_after": 0,
              "new_before": 0, "new_after": 0, "after_rejected": 0}
    before_us = reloaded_us - RELOAD_MARGIN_US
    after_us = reloaded_us + RELOAD_MARGIN_US
    for call_id, call in sorted(reload["calls"].items(), key=lambda item: item[1]["start_us"]):
        checker = CallChecker(call_id, call, calls_events.get(call_id), problems)
        liid, start, end = call["liid"], call["start_us"], call["end_us"]
        if rejected_us is not None and start > rejected_us + RELOAD_MARGIN_US:
            judged["after_rejected"] += 1
        if liid == "LIID-KEEP":
            checker.check_flows()
            checker.check_iri()
            judged["keep"] += 1
        elif liid == "LIID-DROP":
            if end < before_us:
                checker.check_flows()
                checker.check_iri()
                judged["drop_before"] += 1
            elif start > after_us:
                checker.check_silent("LIID-DROP call that starts after the reload")
                judged["drop_after"] += 1
            elif start < before_us and end > after_us:
                checker.check_iri(prefix_until_us=after_us)
                checker.check_flows(del_reason_override="warrant")
                judged["drop_running"] += 1
        elif liid == "LIID-NEW":
            if start > after_us:
                checker.check_flows()
                checker.check_iri()
                judged["new_after"] += 1
            elif end < before_us:
                checker.check_silent("LIID-NEW call that ends before the reload")
                judged["new_before"] += 1
    check_cin_reuse(calls_events, problems)
    check_unknown_calls(reload["calls"], calls_events, problems)

    for category, description in (
            ("drop_before", "LIID-DROP call that ended before the reload"),
            ("drop_running", "LIID-DROP call running across the reload"),
            ("drop_after", "LIID-DROP call started after the reload"),
            ("new_after", "LIID-NEW call started after the reload"),
            ("after_rejected", "call started after the rejected reload")):
        if judged[category] == 0:
            problems.append("no %s, so that case was not tested; the reload came too early "
                            "or too late in the capture" % description)
    sys.stderr.write("calls judged: %s\n" % ", ".join("%s %d" % item for item in sorted(judged.items())))
    for line in problems:
        print(line)
    return 1 if problems else 0


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    command, expected_path = argv[1], argv[2]
    with open(expected_path) as f:
        expected = json.load(f)
    if command == "list" and len(argv) == 3:
        return command_list(expected)
    if command == "config" and len(argv) == 5:
        return command_config(expected, argv[3], argv[4])
    if command == "case" and len(argv) == 6:
        return command_case(expected, argv[3], argv[4], argv[5])
    if command == "reload" and len(argv) == 6:
        return command_reload(expected, argv[3], argv[4], argv[5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
