#!/usr/bin/env bash
# Builds the fuzz targets (cargo-fuzz layout, libFuzzer, no sanitizer, debug assertions on)
# and runs each for a number of executions or seconds, whichever ends first; prints one
# table row per target: executions, rate, coverage, corpus size, crashes.
#
#   bash fuzz/run.sh [--runs N] [--time S] [--jobs J] [--no-generated-seeds] [TARGET...]
#
# Defaults: --runs 10000000 --time 1800 --jobs 1, every target. CI runs
# `bash fuzz/run.sh --time 20 --jobs 2 --no-generated-seeds` (the committed seeds only, so
# that it need not build the seed writer). A crash (panic, abort, an allocation above
# 512 MiB, more than 2 GiB resident (8 GiB for targets with megabyte seeds, whose corpus
# alone is that large), one input taking over 10 s) fails the run; its input is
# kept in fuzz/artifacts/TARGET/ and `bash fuzz/run.sh --repro FILE TARGET` replays it.
# The working corpora grow in fuzz/corpus/ (not committed); fuzz/seeds/ holds the seeds,
# written by `cargo run --release --example seeds` (the large proving-key and tables seeds
# are made at each run, the others are committed).
set -euo pipefail
cd "${VEIL_FUZZ_DIR:-$(dirname "$0")}"

runs=10000000 time=1800 jobs=1 repro="" generate=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --time) time="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    --repro) repro="$2"; shift 2 ;;
    --no-generated-seeds) generate=0; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz_targets | sed 's/\.rs$//')
fi

command -v cargo-fuzz >/dev/null || { echo "run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2; exit 2; }
cargo fuzz build -s none -O -a >&2
bin="${CARGO_TARGET_DIR:-target}/x86_64-unknown-linux-gnu/release"
flags=(-malloc_limit_mb=512 -timeout=10 -print_final_stats=1)

if [ -n "$repro" ]; then
  exec "$bin/${targets[0]}" "${flags[@]}" -rss_limit_mb=8192 "$repro"
fi
if [ $generate -eq 1 ] && { ! [ -f seeds/proving_key/approval-depth1-v3 ] || ! [ -f seeds/tables/approval-depth1 ]; }; then
  cargo run -q --release --example seeds >&2
fi

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
one() {
  local t=$1
  mkdir -p "corpus/$t" "artifacts/$t" "seeds/$t"
  local start=$SECONDS
  # libFuzzer truncates inputs to 1 MiB unless told: the proving-key and tables seeds are larger.
  local largest
  largest=$(find "seeds/$t" -type f -printf '%s\n' | sort -n | tail -1)
  local maxlen=$(( ${largest:-0} > 1048576 ? largest : 1048576 ))
  # libFuzzer keeps the corpus in memory: with megabyte inputs it alone passes 2 GiB, so
  # those targets get 8 GiB resident (the 512 MiB bound on one allocation stays).
  local rss=$(( maxlen > 1048576 ? 8192 : 2048 ))
  set +e
  "$bin/$t" "${flags[@]}" -rss_limit_mb="$rss" -max_len="$maxlen" -runs="$runs" -max_total_time="$time" \
    -artifact_prefix="artifacts/$t/" "corpus/$t" "seeds/$t" >"$logs/$t.log" 2>&1
  local rc=$?
  set -e
  local execs cov ft corp crashes
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$t.log" | tail -1 | awk '{print $2}')
  cov=$(grep -Eo 'cov: [0-9]+' "$logs/$t.log" | tail -1 | awk '{print $2}')
  ft=$(grep -Eo 'ft: [0-9]+' "$logs/$t.log" | tail -1 | awk '{print $2}')
  corp=$(ls "corpus/$t" | wc -l)
  crashes=$(ls "artifacts/$t" | wc -l)
  [ $rc -eq 0 ] || crashes=$((crashes > 0 ? crashes : 1))
  printf '%s %s %s %s %s %s %s %s\n' "$t" "${execs:-0}" $((SECONDS - start)) "${cov:-0}" "${ft:-0}" "$corp" "$crashes" "$rc" >"$logs/$t.row"
  if [ $rc -ne 0 ]; then
    echo "== $t failed (exit $rc); the end of its log:" >&2
    tail -40 "$logs/$t.log" >&2
  fi
}
running=0
for t in "${targets[@]}"; do
  one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait

echo
printf '| %-18s | %12s | %9s | %8s | %6s | %7s | %6s | %7s |\n' target executions seconds exec/s cov features corpus crashes
printf '|%s|\n' "--------------------|--------------|-----------|----------|--------|---------|--------|---------"
status=0
for t in "${targets[@]}"; do
  read -r name execs secs cov ft corp crashes rc <"$logs/$t.row"
  rate=$(( secs > 0 ? execs / secs : execs ))
  printf '| %-18s | %12s | %9s | %8s | %6s | %7s | %6s | %7s |\n' "$name" "$execs" "$secs" "$rate" "$cov" "$ft" "$corp" "$crashes"
  [ "$crashes" -eq 0 ] || status=1
done
exit $status
