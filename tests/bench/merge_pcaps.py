#!/usr/bin/env python3
"""Merge pcap files into one, ordered by capture time.

Usage: merge_pcaps.py OUT.pcap IN.pcap [IN.pcap ...]

Every input must be a little-endian microsecond pcap with the same link
type, as lime-callgen writes them. Records stream through a heap of one
record per input, so memory stays small whatever the sizes. Records of
equal time keep the order of the inputs on the command line.
"""
import heapq
import struct
import sys

PCAP_MAGIC_US = 0xA1B2C3D4
RECORD_HEADER = struct.Struct("<IIII")


def records(path, index):
    """Yield (ts_us, index, sequence, header, data) for each record of path."""
    with open(path, "rb", buffering=1 << 20) as f:
        f.read(24)
        sequence = 0
        while True:
            header = f.read(16)
            if len(header) < 16:
                return
            sec, usec, caplen, _ = RECORD_HEADER.unpack(header)
            data = f.read(caplen)
            if len(data) < caplen:
                raise SystemExit("%s: truncated record %d" % (path, sequence))
            yield (sec * 1000000 + usec, index, sequence, header, data)
            sequence += 1


def main():
    if len(sys.argv) < 3:
        raise SystemExit(__doc__.strip().splitlines()[2])
    out_path, inputs = sys.argv[1], sys.argv[2:]

    global_header = None
    for path in inputs:
        with open(path, "rb") as f:
            head = f.read(24)
        magic, = struct.unpack("<I", head[:4])
        if magic != PCAP_MAGIC_US:
            raise SystemExit("%s: not a little-endian microsecond pcap (magic %#x)" % (path, magic))
        if global_header is None:
            global_header = head
        elif head[20:24] != global_header[20:24]:
            raise SystemExit("%s: link type differs from %s" % (path, inputs[0]))

    count = 0
    with open(out_path, "wb", buffering=1 << 20) as out:
        out.write(global_header)
        for _, _, _, header, data in heapq.merge(*(records(p, i) for i, p in enumerate(inputs))):
            out.write(header)
            out.write(data)
            count += 1
    print("merge_pcaps: %d records into %s" % (count, out_path))


if __name__ == "__main__":
    main()
