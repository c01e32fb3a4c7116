#!/usr/bin/env python3
"""Print and keep the figures of tests/bench/line-rate.sh.

Usage: line_rate_report.py --capture PCAP --cache DIR --testpmd-log LOG
           --results DIR --lime NAME:SUMMARY.json:PROC.json ...

Inputs: the capture's counts per kind (DIR/mix.json from capture_mix.py),
the lime-callgen ground truths, the dpdk-testpmd log, and per lime run its
--summary and the CPU time per thread from run_sampled.py. Prints a table per run and one RESULT line per figure,
writes them to RESULTS/latest.json, appends them to RESULTS/history.jsonl,
and prints the ratio of each figure to the previous run's.

Cycle figures are TSC ticks, so they count at the TSC rate whatever clock
the core runs at. The cycles of the receiving lcore's stages come from
lime's own per-burst TSC readings. Those of the control lcore, the
delivery threads and the whole process are the threads' CPU time
(/proc/PID/task/TID/schedstat) times the TSC rate, counted from the first
sample in which the receiving lcore's thread exists to the exit.
"""
import argparse
import json
import os
import re
import statistics
import time


def testpmd_figures(log_path):
    """Return (packets/s, bits/s, rx_missed) of port 0 while it was busy."""
    text = open(log_path, errors="replace").read()
    blocks = text.split("NIC statistics for port 0")
    pps, bps, missed = [], [], 0
    for block in blocks[1:]:
        m = re.search(r"Rx-pps:\s+(\d+)\s+Rx-bps:\s+(\d+)", block)
        if m:
            pps.append(int(m.group(1)))
            bps.append(int(m.group(2)))
        m = re.search(r"RX-missed:\s+(\d+)", block)
        if m:
            missed = int(m.group(1))
    busy = [i for i, p in enumerate(pps) if p > 0]
    if not busy:
        raise SystemExit("line_rate_report: no busy interval in the testpmd log %s" % log_path)
    # The first and the last busy interval are partly idle.
    inner = busy[1:-1] if len(busy) > 2 else busy
    return (statistics.median(pps[i] for i in inner),
            statistics.median(bps[i] for i in inner), missed)


def thread_cpu(proc):
    """CPU seconds per role in the window from the first rx thread sample to the exit."""
    threads = {t["tid"]: t for t in proc["threads"]}
    main_tid = min(threads)
    rx_tids = {tid for tid, t in threads.items() if t["name"].startswith(("rte-worker", "lcore-worker"))}
    start_values = {}
    for _, sample in proc["series"]:
        sample = {int(k): v for k, v in sample.items()}
        if rx_tids & set(sample):
            start_values = sample
            break
    roles = {"control": 0.0, "rx_lcores": 0.0, "kms_client": 0.0, "other_threads": 0.0}
    for tid, t in threads.items():
        used = t["cpu_s"] - start_values.get(tid, 0.0)
        if tid == main_tid:
            roles["control"] += used
        elif tid in rx_tids:
            roles["rx_lcores"] += used
        elif t["name"] == "kms-client":
            roles["kms_client"] += used
        elif t["name"] != "eal-intr-thread":
            roles["other_threads"] += used
    roles["all"] = sum(roles.values())
    return roles


def rx_lcores(summary):
    return [l for l in summary["lcores"] if l["rx"]]


def per_liid_sum(obj):
    return sum(v if isinstance(v, int) else sum(v.values()) for v in obj.values())


def lime_figures(summary, proc, mix, truth):
    hz = summary["tsc_hz"]
    rx = [l for l in summary["lcores"] if l["rx"]]
    rx_seconds = max(l.get("rx_seconds", 0.0) for l in rx)
    packets = summary["packets_total"]
    media = summary["media"]
    cpu = thread_cpu(proc)
    delivered = per_liid_sum(summary["records_delivered"])
    spooled = per_liid_sum(summary["records_spooled"])

    stages = {}
    stage_names = list(rx[0]["cycles_per_packet"].keys())
    for st in stage_names:
        stages[st] = sum(l["cycles_per_packet"][st] * l["rx_packets"] for l in rx) / packets

    def rate(n):
        return n / rx_seconds if rx_seconds else 0.0

    mean_size = lambda kind: mix["bytes"].get(kind, 0) / max(mix["packets"].get(kind, 0), 1)
    rows = []
    rows.append(("receive (PMD reads the capture)", packets, rate(packets),
                 rate(summary["bytes_total"]) * 8, stages.get("receive", 0.0)))
    rows.append(("decode", packets, rate(packets), rate(summary["bytes_total"]) * 8,
                 stages.get("decode", 0.0)))
    rows.append(("flow lookup", packets, rate(packets), rate(summary["bytes_total"]) * 8,
                 stages.get("lookup", 0.0)))
    rows.append(("dispatch", packets, rate(packets), rate(summary["bytes_total"]) * 8,
                 stages.get("dispatch", 0.0)))
    # Reading time outside the four stages: offline, the receiving lcore
    # waits for the control lcore after each SIP packet and for key
    # requests, and any time it was off its CPU also lands here.
    sip_packets = summary["packets_by_class"]["sip"]
    stage_total = sum(stages.values()) * packets
    waited = max(rx_seconds * hz * len(rx) - stage_total, 0.0)
    rows.append(("waiting for the control lcore, per SIP packet", sip_packets, rate(sip_packets),
                 rate(mix["bytes"].get("sip", 0)) * 8, waited / sip_packets if sip_packets else 0.0))
    not_target = summary["packets_dropped"]["not_target"]
    other_bytes = mix["bytes"].get("background", 0) + mix["bytes"].get("media", 0) \
        - media["packets"] * mean_size("media")
    rows.append(("non-target filtered (dropped)", not_target, rate(not_target),
                 rate(other_bytes) * 8, None))
    sip = summary["sip_messages"]
    rows.append(("SIP messages; control lcore CPU, its yield loop included", sip, rate(sip),
                 rate(mix["bytes"].get("sip", 0)) * 8,
                 cpu["control"] * hz / sip if sip else 0.0))
    decrypted = media["decrypted"]
    rows.append(("media decrypted (worker)", decrypted, rate(decrypted),
                 rate(decrypted * mean_size("media")) * 8, media["decrypt_cycles_per_packet"]))
    rows.append(("records delivered (HI2 + HI3)", delivered, rate(delivered), None,
                 cpu["other_threads"] * hz / delivered if delivered else 0.0))
    rows.append(("total, all threads", packets, rate(packets), rate(summary["bytes_total"]) * 8,
                 cpu["all"] * hz / packets))
    return {
        "rows": rows,
        "stages": stages,
        "rx_pps": rate(packets),
        "rx_bps": rate(summary["bytes_total"]) * 8,
        "run_pps": packets / summary["run_seconds"],
        "run_seconds": summary["run_seconds"],
        "rx_seconds": rx_seconds,
        "cpu": cpu,
        "hz": hz,
        "delivered": delivered,
        "spooled": spooled,
        "summary": summary,
        "wall_s": proc["wall_s"],
        "peak_rss_kib": proc["peak_rss_kib"],
    }


def human(value, unit=""):
    if value is None:
        return "-"
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return "%.2f %s%s" % (value / scale, prefix, unit)
    return "%.0f %s" % (value, unit)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--capture", required=True)
    ap.add_argument("--cache", required=True)
    ap.add_argument("--testpmd-log", required=True)
    ap.add_argument("--results", required=True)
    ap.add_argument("--lime", action="append", required=True)
    args = ap.parse_args()

    mix = json.load(open(os.path.join(args.cache, "mix.json")))
    truth = {p: json.load(open(os.path.join(args.cache, p + ".json")))["summary"]
             for p in ("narrowband", "wideband")}
    records = sum(t["frames"] for t in truth.values())
    capture_bytes = sum(mix["bytes"].values())
    span_s = max(t["last_us"] for t in truth.values()) / 1e6 - \
        min(t["first_us"] for t in truth.values()) / 1e6

    print("capture: %s, %d frames, %.2f GB, %.1f s of traffic (%s, %s at its own pace), mean frame %.0f bytes"
          % (args.capture, records, capture_bytes / 1e9, span_s, human(records / span_s, "packets/s"),
             human(capture_bytes * 8 / span_s, "bit/s"), capture_bytes / records))
    print("  calls: %d G.711 (IPv4) + %d wideband (IPv6), %d with a target; by kind: %s"
          % (truth["narrowband"]["calls"], truth["wideband"]["calls"],
             sum(t["target_calls"] for t in truth.values()),
             ", ".join("%s %.1f %% of packets, %.1f %% of bytes"
                       % (k, 100.0 * mix["packets"][k] / records, 100.0 * mix["bytes"][k] / capture_bytes)
                       for k in sorted(mix["packets"]))))
    print("  frame sizes: %s" % ", ".join("%s %.1f %%" % (k, 100.0 * v / records)
                                            for k, v in mix["size_histogram"].items()))

    ceiling_pps, ceiling_bps, testpmd_missed = testpmd_figures(args.testpmd_log)
    results = {}

    def result(name, value, unit, ceiling):
        ratio = value / ceiling if ceiling else 0.0
        results[name] = {"value": value, "unit": unit, "ceiling": ceiling, "ratio": ratio}

    for spec in args.lime:
        name, summary_path, proc_path = spec.split(":")[:3]
        f = lime_figures(json.load(open(summary_path)), json.load(open(proc_path)), mix, truth)
        hz = f["hz"]
        ceiling_cycles = hz / ceiling_pps
        s = f["summary"]
        workers = len([l for l in s["lcores"] if l["worker"]])
        prefix = "line_rate" if name == "one" else "line_rate_%s_workers" % name

        print()
        print("lime, %d worker(s): %.2f s reading (%.2f s run, %.2f s wall with start-up), TSC %.3f GHz, peak RSS %.0f MiB"
              % (workers, f["rx_seconds"], f["run_seconds"], f["wall_s"], hz / 1e9, f["peak_rss_kib"] / 1024))
        print("dpdk-testpmd, net_pcap to net_null (ceiling): %s, %s, %.0f cycles/packet"
              % (human(ceiling_pps, "packets/s"), human(ceiling_bps, "bit/s"), ceiling_cycles))
        print()
        print("| stage | count | per second | bit/s | cycles per item |")
        print("|---|---|---|---|---|")
        for label, count, rate, bps, cycles in f["rows"]:
            print("| %s | %d | %s | %s | %s |" % (label, count, human(rate), human(bps),
                                                 "-" if cycles is None else "%.0f" % cycles))
        print()
        dropped = {k: v for k, v in s["packets_dropped"].items() if v and k != "not_target"}
        imissed = sum(p["imissed"] for p in s.get("ports", []))
        print("dropped at the port (imissed): lime %d, testpmd RX-missed %d. "
              "Other drops: %s" % (imissed, testpmd_missed, json.dumps(dropped) if dropped else "none"))
        print("calls %d, intercepted %s, dialogs peak %d, flows peak %d, streams %d, "
              "media: %d packets, %d decrypted, %d failed, %d undecryptable; "
              "KMS resolutions %d ok, %d failed; records delivered %d, spooled %d; alarms: %s"
              % (s["calls"], json.dumps(s["intercepted_calls"]), s["dialogs"]["peak"], s["flows"]["peak"],
                 s["media"]["streams"], s["media"]["packets"], s["media"]["decrypted"], s["media"]["failed"],
                 s["media"]["undecryptable"], s["kms_resolutions_ok"], s["kms_resolutions_failed"],
                 f["delivered"], f["spooled"],
                 json.dumps({k: v for k, v in s["alarms"].items() if v}) or "none"))
        cpu = f["cpu"]
        print("CPU seconds in the run: control lcore %.2f, receiving lcore(s) %.2f, KMS client %.2f, "
              "delivery and other threads %.2f" % (cpu["control"], cpu["rx_lcores"], cpu["kms_client"],
                                                   cpu["other_threads"]))
        # A receiving lcore polls without sleeping, so it should be on its
        # CPU for the whole reading time; less means other work took the CPU.
        share = cpu["rx_lcores"] / (f["rx_seconds"] * len(rx_lcores(s))) if f["rx_seconds"] else 0.0
        print("receiving lcore on its CPU %.0f %% of the reading time%s"
              % (100 * share, "" if share >= 0.9 else
                 ": other work shared its CPU, so this run is disturbed; repeat it on a quiet machine"))
        result(prefix + "_rx_cpu_share", share, "fraction", 1.0)

        result(prefix + "_pps", f["rx_pps"], "packets/s", ceiling_pps)
        result(prefix + "_bps", f["rx_bps"], "bit/s", ceiling_bps)
        result(prefix + "_run_pps", f["run_pps"], "packets/s", ceiling_pps)
        for stage, cycles in f["stages"].items():
            result("%s_cycles_%s" % (prefix, stage), cycles, "cycles/packet", ceiling_cycles)
        rows = {r[0]: r for r in f["rows"]}
        result(prefix + "_cycles_sip_message", rows["SIP messages; control lcore CPU, its yield loop included"][4],
               "cycles/message", ceiling_cycles)
        result(prefix + "_cycles_decrypt", s["media"]["decrypt_cycles_per_packet"], "cycles/packet",
               ceiling_cycles)
        result(prefix + "_cycles_sip_wait", rows["waiting for the control lcore, per SIP packet"][4],
               "cycles/packet", ceiling_cycles)
        result(prefix + "_cycles_total", rows["total, all threads"][4], "cycles/packet", ceiling_cycles)
        result(prefix + "_peak_rss", f["peak_rss_kib"] / 1024, "MiB", 0)

    print()
    print("Cycle lines: ceiling is testpmd's cycles per packet, so ratio is the share of its budget.")
    for name, r in results.items():
        print("RESULT %s value=%.6g unit=%s ceiling=%.6g ratio=%.4f"
              % (name, r["value"], r["unit"], r["ceiling"], r["ratio"]))

    latest = os.path.join(args.results, "latest.json")
    if os.path.exists(latest):
        previous = json.load(open(latest))
        print()
        print("against the previous run (%s): value ratio this/previous" % previous.get("time", "?"))
        for name, r in results.items():
            old = previous["results"].get(name)
            if old and old["value"]:
                print("  %-40s %.3f (ratio to ceiling %.4f, previously %.4f)"
                      % (name, r["value"] / old["value"], r["ratio"], old["ratio"]))
    record = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "results": results}
    with open(latest, "w") as f:
        json.dump(record, f, indent=1)
    with open(os.path.join(args.results, "history.jsonl"), "a") as f:
        f.write(json.dumps(record) + "\n")
    print("results written to %s" % latest)


if __name__ == "__main__":
    main()
