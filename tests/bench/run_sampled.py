#!/usr/bin/env python3
"""Run a command and record its wall time, peak memory and CPU time per thread.

Usage: run_sampled.py [--timeout SECONDS] OUT.json COMMAND [ARG ...]

Every 20 ms the script reads /proc/PID/task/*/schedstat (nanoseconds a
thread ran) and comm of the command's threads and keeps the last value of
each thread, so up to one interval of CPU time before exit is missed.
Peak memory is the child's ru_maxrss (peak resident set, KiB). With
--timeout, a command still running after SECONDS gets SIGTERM, then SIGKILL
5 s later, and the script exits with status 124. Otherwise the exit status
of the command is the script's own. OUT.json is written in any case:

  {"wall_s": ..., "peak_rss_kib": ..., "exit_status": ...,
   "threads": [{"tid": ..., "name": ..., "cpu_s": ...}, ...],
   "cpu_s_by_name": {name: seconds summed over threads of that name},
   "series": [[seconds since start, {tid: cpu_s}], ...]}

The series lets a report count a thread's CPU time within a window, such
as the time in which another thread was busy.
"""
import json
import os
import resource
import subprocess
import sys
import time

INTERVAL_S = 0.02


def sample(pid, threads):
    """Update threads {tid: (name, run_ns)}; return {tid: cpu_s} of this sample."""
    now = {}
    try:
        tids = os.listdir("/proc/%d/task" % pid)
    except OSError:
        return now
    for tid in tids:
        base = "/proc/%d/task/%s/" % (pid, tid)
        try:
            with open(base + "schedstat") as f:
                run_ns = int(f.read().split()[0])
            with open(base + "comm") as f:
                name = f.read().strip()
        except (OSError, ValueError, IndexError):
            continue
        threads[int(tid)] = (name, run_ns)
        now[int(tid)] = run_ns / 1e9
    return now


def main():
    args = sys.argv[1:]
    timeout = None
    if args[:1] == ["--timeout"] and len(args) > 1:
        timeout = float(args[1])
        args = args[2:]
    if len(args) < 2:
        raise SystemExit("usage: run_sampled.py [--timeout SECONDS] OUT.json COMMAND [ARG ...]")
    out_path, command = args[0], args[1:]

    threads = {}
    series = []
    start = time.monotonic()
    child = subprocess.Popen(command)
    timed_out = False
    while child.poll() is None:
        now = sample(child.pid, threads)
        if now:
            series.append([round(time.monotonic() - start, 4), now])
        if timeout is not None and not timed_out and time.monotonic() - start > timeout:
            print("run_sampled.py: %s still running after %g s; stopping it" % (command[0], timeout),
                  file=sys.stderr)
            timed_out = True
            child.terminate()
            try:
                child.wait(5)
            except subprocess.TimeoutExpired:
                child.kill()
        time.sleep(INTERVAL_S)
    wall = time.monotonic() - start

    by_name = {}
    for name, run_ns in threads.values():
        by_name[name] = by_name.get(name, 0.0) + run_ns / 1e9
    result = {
        "wall_s": wall,
        "peak_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,
        "exit_status": child.returncode,
        "timed_out": timed_out,
        "threads": [{"tid": tid, "name": name, "cpu_s": run_ns / 1e9}
                    for tid, (name, run_ns) in sorted(threads.items())],
        "cpu_s_by_name": by_name,
        "series": series,
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
    sys.exit(124 if timed_out else child.returncode)


if __name__ == "__main__":
    main()
