# Shared frame of the integration scripts: the usage check, a work
# folder, the PASS and FAIL lines with their counters, and the closing
# "N passed, N failed" line with the exit status. Source it; it runs
# nothing itself.
#
# Variables the functions read or set:
#   build      the build directory
#   python     the Python interpreter
#   script_dir the folder of the script that sourced this file
#   work       the work folder, which finish deletes when every check passed
#   passed, failed   the result counters
#   lab_prefix       the word after PASS or FAIL, such as "mikey"
#   lab_kept_what    what finish reports it kept on a failure ("files")
# A script may define lab_cleanup to stop its own processes. finish calls
# it first, then lab_stop_kms when kms_lab.sh is sourced.

python=/usr/bin/python3
passed=0
failed=0
lab_prefix=
lab_kept_what=files

# lab_begin PREFIX WORK_TAG ARGS...
# Checks that ARGS is the one BUILD_DIR argument (usage error: exit 2),
# then sets build, script_dir, lab_prefix and a new work folder named
# lime-WORK_TAG-cases.XXXXXX.
lab_begin() {
	lab_prefix=$1
	local tag=$2
	shift 2
	if [[ $# -ne 1 ]]; then
		echo "usage: $0 BUILD_DIR" >&2
		exit 2
	fi
	build=$1
	script_dir=$(cd -- "$(dirname -- "$0")" && pwd)
	work=$(mktemp -d "${TMPDIR:-/tmp}/lime-$tag-cases.XXXXXX")
}

pass() {
	echo "PASS $lab_prefix $1"
	passed=$((passed + 1))
}

# fail CHECK REASON
fail() {
	echo "FAIL $lab_prefix $1: $2"
	failed=$((failed + 1))
}

# Stops the processes, prints "N passed, N failed" and exits: 1 when a
# check failed, keeping the work folder, and 0 after deleting it.
finish() {
	if declare -F lab_cleanup >/dev/null; then
		lab_cleanup
	fi
	if declare -F lab_stop_kms >/dev/null; then
		lab_stop_kms
	fi
	echo "$passed passed, $failed failed"
	if [[ $failed -gt 0 ]]; then
		echo "$lab_kept_what kept in $work"
		exit 1
	fi
	rm -rf -- "$work"
	exit 0
}

# Prints a TCP port on 127.0.0.1 that nothing listens on at the moment.
free_port() {
	"$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

