#!/bin/bash
# fuzz/run.sh: runs one libFuzzer target of build/fuzz for a set time.
#
#   bash fuzz/run.sh TARGET SECONDS
#
# Seeds come from test/corpus/TARGET (read only); inputs the fuzzer finds
# go to build/fuzz/corpus-TARGET, a crash to build/fuzz/TARGET-crash-*.
# Reproduce one with: build/fuzz/fuzz_TARGET build/fuzz/TARGET-crash-...
# Exit status: 0 when the time ran out with no finding, else the fuzzer's.
set -eu
cd "$(dirname "$0")/.."

[ $# -eq 2 ] || { echo "usage: $0 TARGET SECONDS" >&2; exit 2; }
t=$1
secs=$2
bin=build/fuzz/fuzz_$t
[ -x "$bin" ] || { echo "fuzz: $bin not built" >&2; exit 2; }

# Longer inputs only where the parser has limits to reach: the HTTP head
# limit is 64 KiB.
case $t in
http) max_len=70000 ;;
xml) max_len=8192 ;;
*) max_len=4096 ;;
esac
dict=()
[ -f "fuzz/$t.dict" ] && dict=("-dict=fuzz/$t.dict")

mkdir -p "build/fuzz/corpus-$t"
log=build/fuzz/$t.log
echo "fuzz: $t for ${secs}s (log: $log)"
rc=0
"$bin" -max_total_time="$secs" -max_len="$max_len" -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="build/fuzz/$t-" "${dict[@]}" \
	"build/fuzz/corpus-$t" "test/corpus/$t" >"$log" 2>&1 || rc=$?
if [ "$rc" != 0 ]; then
	tail -n 60 "$log" >&2
	echo "fuzz: $t FAILED (exit $rc); input in build/fuzz/$t-*" >&2
	exit "$rc"
fi
# The final stats: runs and coverage reached.
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
echo "fuzz: $t ok: ${runs:-?} runs, ${cov:-cov: ?}"
