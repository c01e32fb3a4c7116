#!/usr/bin/env bash
# Check lime's ETSI PS-PDUs with an independent BER reader.
#
# Usage: etsi_cases.sh BUILD_DIR
#
# BUILD_DIR/tests/etsi/etsi_samples writes sample PDUs and cases.json (the
# values encoded) into a temporary folder, and tests/etsi/ber_check.py
# decodes each PDU without lib/etsi and compares field by field. Prints
# "PASS etsi CASE" or "FAIL etsi CASE: REASON" per case and
# "N passed, N failed" last. Exits with 1 when a case failed and 2 on a
# usage error. When a case failed, the temporary folder is kept and its
# path printed.
set -u -o pipefail

if [[ $# -ne 1 ]]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi

build_dir=$1
samples=$build_dir/tests/etsi/etsi_samples
python=/usr/bin/python3
script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
checker=$script_dir/../etsi/ber_check.py

if [[ ! -x "$samples" ]]; then
	echo "etsi_samples not found at $samples: build it with 'meson compile -C $build_dir'" >&2
	echo "FAIL etsi samples: $samples missing"
	echo "0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d -t lime-etsi.XXXXXX)

if ! "$samples" "$work"; then
	echo "FAIL etsi samples: etsi_samples exited with an error (folder $work)"
	echo "0 passed, 1 failed"
	exit 1
fi

"$python" "$checker" "$work"
rc=$?
if [[ $rc -eq 0 ]]; then
	rm -rf -- "$work"
else
	echo "sample PDUs kept in $work" >&2
fi
exit $rc
