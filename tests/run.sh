#!/usr/bin/env bash
# Install the dependencies, build lime, run every test, and end with the line
# "N passed, N failed". Exits non-zero when anything failed.
#
# Environment:
#   LIME_FUZZ_SECONDS  run time of each libFuzzer harness (default 30; 0 skips)
#   LIME_SKIP_DEPS     set to 1 to skip deploy/install-deps.sh
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

BUILD=${LIME_BUILD_DIR:-build}
FUZZ_BUILD=${LIME_FUZZ_BUILD_DIR:-build-fuzz}
FUZZ_SECONDS=${LIME_FUZZ_SECONDS:-30}
passed=0
failed=0
failures=()

pass() {
	passed=$((passed + 1))
}

fail() {
	failed=$((failed + 1))
	failures+=("$1")
	echo "FAIL: $1"
}

finish() {
	echo
	if [ "${#failures[@]}" -gt 0 ]; then
		echo "Failed:"
		printf '  %s\n' "${failures[@]}"
	fi
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

step() {
	echo
	echo "==> $*"
}

if [ "${LIME_SKIP_DEPS:-0}" != 1 ]; then
	step "installing dependencies"
	if ! LIME_TEST_DEPS=1 deploy/install-deps.sh; then
		fail "deploy/install-deps.sh"
		finish
	fi
fi

step "building in $BUILD"
if [ ! -f "$BUILD/build.ninja" ]; then
	meson setup "$BUILD" >/dev/null || { fail "meson setup"; finish; }
fi
if meson compile -C "$BUILD"; then
	pass
else
	fail "meson compile"
	finish
fi

for prog in lime lime-kms lime-callgen lime-lemf; do
	if [ -x "$BUILD/$prog" ]; then pass; else fail "$BUILD/$prog missing"; fi
done

step "unit tests"
meson test -C "$BUILD" --num-processes 2 >/dev/null
testlog="$BUILD/meson-logs/testlog.json"
if [ -f "$testlog" ]; then
	# One line per cmocka case: "<program> <case> OK|FAILED", and one line
	# for a program that failed without reporting its cases.
	while read -r program case result; do
		if [ "$result" = OK ]; then
			pass
		else
			fail "unit $program $case"
		fi
	done < <(python3 - "$testlog" <<'PY'
import json
import re
import sys

for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get("stdout", "") + t.get("stderr", "")
    cases = re.findall(r"^\[ +(OK|FAILED) +\] (\S+)$", out, re.M)
    for result, case in cases:
        print(t["name"], case, result)
    if t["result"] not in ("OK", "SKIP") and not any(r == "FAILED" for r, _ in cases):
        print(t["name"], "(program)", t["result"])
PY
	)
else
	fail "meson test produced no log"
fi

step "integration tests"
for t in tests/integration/*.sh; do
	[ -e "$t" ] || continue
	out=$(bash "$t" "$ROOT/$BUILD" 2>&1)
	status=$?
	echo "$out" | grep -E '^(PASS|FAIL|SKIP)|kept in' || true
	line=$(echo "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$out" | tail -n 20
		fail "$t (no result line, exit status $status)"
		continue
	fi
	p=$(echo "$line" | awk '{print $1}')
	f=$(echo "$line" | awk '{print $3}')
	passed=$((passed + p))
	if [ "$f" -gt 0 ] || [ "$status" -ne 0 ]; then
		failed=$((failed + f))
		failures+=("$t: $f failed")
		[ "$f" -eq 0 ] && fail "$t (exit status $status)"
	fi
done

if [ "$FUZZ_SECONDS" -gt 0 ]; then
	step "fuzzing each harness for ${FUZZ_SECONDS}s"
	if [ ! -f "$FUZZ_BUILD/build.ninja" ]; then
		CC=clang meson setup "$FUZZ_BUILD" -Dfuzz=true -Dbuildtype=debug >/dev/null ||
			fail "meson setup $FUZZ_BUILD"
	fi
	if [ -f "$FUZZ_BUILD/build.ninja" ]; then
		harnesses=$(cd tests/fuzz && ls fuzz_*.c | sed 's/\.c$//')
		if meson compile -C "$FUZZ_BUILD" $harnesses >/dev/null; then
			for h in $harnesses; do
				name=${h#fuzz_}
				work=$(mktemp -d)
				# New inputs go to the scratch folder, not the committed corpus.
				if "$FUZZ_BUILD/tests/fuzz/$h" -max_total_time="$FUZZ_SECONDS" \
					-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
					-artifact_prefix="$work/" "$work" "tests/fuzz/corpus/$name" \
					>"$work/log" 2>&1; then
					echo "PASS fuzz $name: $(grep -m1 'stat::number_of_executed_units' "$work/log" | awk '{print $2}') runs"
					pass
				else
					tail -n 30 "$work/log"
					fail "fuzz $name (crash input kept in $work)"
					continue
				fi
				rm -rf "$work"
			done
		else
			fail "building the fuzz harnesses"
		fi
	fi
fi

finish
