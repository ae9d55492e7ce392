#!/usr/bin/env bash
# The Policy proof beside the Threshold proof of the same K_MAX and depth, in one run on one
# machine: whole `veil prove` processes (key and tables loaded, witness, proof, files
# written), interleaved so both see the same machine state, every proof verified.
#
#   bash benches/policy.sh [--runs N] [--depth D] [--k-max K] [--policy-depth P] [--no-tables]
#
# Both statements prove K of K signers: Threshold `k = K` over an approver set of K members;
# Policy one rule `threshold = K` for a role of the same K members (target and function
# fixed, no value, no delay), in a policy tree of depth P. Prints the median wall time and
# peak RSS of each and their ratio. Needs a release build (it runs one) and GNU time.
set -euo pipefail

RUNS=5 DEPTH=20 K_MAX=8 P_DEPTH=6 TABLES=--tables
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --k-max) K_MAX=$2; shift 2 ;;
    --policy-depth) P_DEPTH=$2; shift 2 ;;
    --no-tables) TABLES=""; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" --bin veil
VEIL="${CARGO_TARGET_DIR:-$ROOT/target}/release/veil"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export VEIL_PASSPHRASE=bench

ACCOUNT=0x1111111111111111111111111111111111111111
TARGET=0x2222222222222222222222222222222222222222
members=()
for i in $(seq 1 "$K_MAX"); do
  members+=("$("$VEIL" key new --kdf light --out "k$i.key")")
done
"$VEIL" set new --out set.json "${members[@]}" >/dev/null
"$VEIL" intent new --chain-id 1 --account "$ACCOUNT" --target "$TARGET" --data 0xd0e30db0 --nonce 0 \
  --out intent.json >/dev/null
sigs=()
for i in $(seq 1 "$K_MAX"); do
  "$VEIL" sign --key "k$i.key" --intent intent.json --out "s$i.json" >/dev/null
  sigs+=("s$i.json")
done
{
  echo "version = 1"
  echo "account = \"$ACCOUNT\""
  echo "chain_id = 1"
  echo "depth = $DEPTH"
  echo "k_max = $K_MAX"
  echo "policy_depth = $P_DEPTH"
  echo
  echo "[[rule]]"
  echo "name = \"all-sign\""
  echo "role = \"desk\""
  echo "threshold = $K_MAX"
  echo "target = \"$TARGET\""
  echo "function = \"deposit()\""
  echo
  echo "[roles]"
  printf 'desk = ['
  printf '"%s", ' "${members[@]}" | sed 's/, $//'
  echo ']'
} >policy.toml
"$VEIL" policy compile policy.toml --out policy >/dev/null

echo "setup: threshold (depth $DEPTH, k_max $K_MAX) and policy (policy depth $P_DEPTH) ${TABLES:+with tables}" >&2
"$VEIL" setup threshold --depth "$DEPTH" --k-max "$K_MAX" --out tk $TABLES >/dev/null 2>&1
"$VEIL" setup policy --depth "$DEPTH" --k-max "$K_MAX" --policy-depth "$P_DEPTH" --out pk $TABLES >/dev/null 2>&1

# One timed run: wall seconds and peak RSS (KiB) of the command, appended to $1.
timed() {
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o t.txt "$@" >/dev/null 2>err.txt || { cat err.txt >&2; exit 1; }
  cat t.txt >>"$out"
}
: >threshold.txt
: >policy.txt
for _ in $(seq 1 "$RUNS"); do
  timed threshold.txt "$VEIL" prove threshold --set set.json --intent intent.json --pk tk --out tp \
    --allow-development-key "${sigs[@]}"
  timed policy.txt "$VEIL" prove policy --compiled policy/policy.compiled.json --intent intent.json --pk pk \
    --out pp --allow-development-key "${sigs[@]}"
  "$VEIL" verify --vk tk/verification_key.json --proof tp/proof.json --public tp/public.json >/dev/null
  "$VEIL" verify --vk pk/verification_key.json --proof pp/proof.json --public pp/public.json >/dev/null
done

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
t_time=$(cut -d' ' -f1 threshold.txt | median)
p_time=$(cut -d' ' -f1 policy.txt | median)
t_rss=$(cut -d' ' -f2 threshold.txt | median)
p_rss=$(cut -d' ' -f2 policy.txt | median)
tc=$("$VEIL" info threshold --depth "$DEPTH" --k-max "$K_MAX" --json | sed -n 's/.*"constraints": \([0-9]*\).*/\1/p')
pc=$("$VEIL" info policy --depth "$DEPTH" --k-max "$K_MAX" --policy-depth "$P_DEPTH" --json |
  sed -n 's/.*"constraints": \([0-9]*\).*/\1/p')
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
echo "| statement | constraints | median wall (s), $RUNS runs | peak RSS (MiB) |"
echo "|---|--:|--:|--:|"
echo "| threshold depth $DEPTH, K_MAX $K_MAX, $K_MAX of $K_MAX | $tc | $t_time | $((t_rss / 1024)) |"
echo "| policy depth $DEPTH, K_MAX $K_MAX, D_P $P_DEPTH, k = $K_MAX | $pc | $p_time | $((p_rss / 1024)) |"
awk -v p="$p_time" -v t="$t_time" -v pc="$pc" -v tc="$tc" \
  'BEGIN { printf "policy / threshold: time %.3f, constraints %.3f\n", p / t, pc / tc }'
