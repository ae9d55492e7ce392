#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Peak memory (max RSS, GNU time's %M as in `time -v`) and wall time of whole `veil prove`
# processes, proving key loaded: Approval at depth 20 and Threshold at depth 20, K_MAX 16
# (k = 16), release build. Not run in CI (the K_MAX 16 setup alone takes minutes).
#
#   bash benches/memory.sh [RUNS=3] [DEPTH=20] [K_MAX=16]
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3} D=${2:-20} K=${3:-16}
[ -x /usr/bin/time ] || { echo "memory.sh: needs GNU time (/usr/bin/time)" >&2; exit 1; }
cargo build -q --release --bin veil
V=${CARGO_TARGET_DIR:-$PWD/target}/release/veil
export VEIL_PASSPHRASE=memory VEIL_LOG=warn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

$V intent new --chain-id 1 --account 0x1111111111111111111111111111111111111111 \
  --target 0x2222222222222222222222222222222222222222 --nonce 0 --out intent.json >/dev/null
members=() sigs=()
for i in $(seq 1 $((K + 2))); do members+=("$($V key new --kdf light --out "k$i.key" 2>/dev/null)"); done
$V set new --out set.json "${members[@]}" >/dev/null
for i in $(seq 1 "$K"); do
  $V sign --key "k$i.key" --intent intent.json --out "k$i.sig.json" >/dev/null 2>&1
  sigs+=("k$i.sig.json")
done

t0=$(date +%s)
$V setup approval --depth "$D" --out ak >/dev/null 2>&1
t1=$(date +%s)
$V setup threshold --depth "$D" --k-max "$K" --out tk >/dev/null 2>&1
t2=$(date +%s)
echo "setup: approval depth $D $((t1 - t0)) s; threshold depth $D K_MAX $K $((t2 - t1)) s"

# run LABEL PK_DIR CMD...: RUNS proofs, each verified; prints median wall and max RSS.
run() {
  local label=$1 pk=$2 r
  shift 2
  : >"$W/fig"
  for r in $(seq 1 "$RUNS"); do
    rm -rf p
    /usr/bin/time -f "%e %M" -o "$W/t" "$@" --pk "$pk" --out p >/dev/null 2>"$W/err" || { cat "$W/err" >&2; exit 1; }
    $V verify --vk "$pk/verification_key.json" --proof p/proof.json --public p/public.json >/dev/null ||
      { echo "memory.sh: the $label proof does not verify" >&2; exit 1; }
    tail -n 1 "$W/t" >>"$W/fig"
  done
  sort -g "$W/fig" | awk -v l="$label" -v pk="$(du -m "$pk/proving_key.veil" | cut -f1)" \
    '{t[NR] = $1; if ($2 > m) m = $2} END {printf "%s: peak RSS %.0f MiB (max of %d), wall %.2f s (median), proving key %s MB\n", l, m / 1024, NR, t[int((NR + 1) / 2)], pk}'
}
run "approval depth $D" ak $V prove approval --key k1.key --set set.json --intent intent.json
run "threshold depth $D K_MAX $K (k = $K)" tk $V prove threshold --set set.json --intent intent.json "${sigs[@]}"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//');" \
  "load average at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
