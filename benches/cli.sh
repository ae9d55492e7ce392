#!/usr/bin/env bash
# Process-level figures for the README: `veil prove approval` latency (whole process, key
# load included) and `veil batch` throughput, release build, on this machine.
#
#   bash benches/cli.sh [REQUESTS=1000] [DEPTH=20] [RUNS=5]
#
# Not run in CI. Prints medians; each run starts from an empty output file.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000}
D=${2:-20}
RUNS=${3:-5}
cargo build --release -q --bin veil
V=$PWD/target/release/veil
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
A=$($V key new --out a.key 2>/dev/null)
B=$($V key new --out b.key 2>/dev/null)
$V set new --out set.json "$A" "$B" >/dev/null
$V intent new --chain-id 1 --account 0x1111111111111111111111111111111111111111 \
  --target 0x2222222222222222222222222222222222222222 --nonce 0 --out intent.json >/dev/null
$V setup approval --depth "$D" --out keys >/dev/null 2>&1
for i in $(seq 1 "$N"); do
  printf '{"id":"r%d","circuit":"approval","key":"a.key","set":"set.json","intent":"intent.json","scope":"%d"}\n' "$i" "$i"
done > req.jsonl

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now() { date +%s.%N; }

for r in $(seq 1 "$RUNS"); do
  t0=$(now); $V prove approval --key a.key --set set.json --intent intent.json --pk keys --out p >/dev/null 2>&1; t1=$(now)
  echo "$t1 - $t0" | bc -l
done | median | awk -v d="$D" '{printf "prove approval (depth %s), whole process: median %.3f s\n", d, $1}'

for r in $(seq 1 "$RUNS"); do
  rm -f out.jsonl
  t0=$(now); $V batch --pk keys --input req.jsonl --output out.jsonl 2>/dev/null; t1=$(now)
  test "$(wc -l < out.jsonl)" -eq "$N"
  echo "$N / ($t1 - $t0)" | bc -l
done | median | awk -v n="$N" -v d="$D" '{printf "batch of %s approval proofs (depth %s): median %.1f proofs/s\n", n, d, $1}'
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
