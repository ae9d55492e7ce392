#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Batch throughput side by side, in one run on one machine: `veil batch` proving N Approval
# requests (depth D, the MSM tables beside the key, one worker per core, each result written
# as it is proven) against N rapidsnark proving processes run one after another on the same
# statement (Semaphore v4's circuit, snarkjs's zkey, one witness computed once, rapidsnark's
# own threads). Both sides are timed as wall time of the whole run; veil's results are
# counted (every request must be `ok`; veil verifies each table-path proof before writing
# it) and checked by snarkjs for the first and last; rapidsnark's last proof is checked by
# snarkjs.
#
#   bash benches/batch.sh [--requests N] [--depth D] [--csv FILE]
#
# Defaults: 200 requests at depth 20. Needs rapidsnark (`rapidsnark` or `prover` on PATH,
# built from source: it is in no registry) and the circom build of Semaphore(D) that
# `bash benches/compare.sh --only approval --depth D` leaves in its cache
# (${VEIL_COMPARE_CACHE:-~/.cache/veil-compare}/circom/semaphore-D-*). Prints proofs per
# second of each and their ratio. --csv FILE appends two lines (benches/plots.sh reads them):
# requests,depth,prover,wall_s,proofs_per_s,machine,date,veil (prover: veil-batch, rapidsnark).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

N=200 DEPTH=20 CSV=""
while [ $# -gt 0 ]; do
  case "$1" in
    --requests) N=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --csv) CSV=$(realpath -m "$2"); shift 2 ;;
    -h | --help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "batch.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
die() { echo "batch.sh: $*" >&2; exit 1; }

NM=$ROOT/scripts/node_modules
SNARKJS=(node "$NM/snarkjs/build/cli.cjs")
RAPIDSNARK=$(command -v rapidsnark || command -v prover || true)
[ -n "$RAPIDSNARK" ] || die "no rapidsnark on PATH (build it from source; see BENCHMARKS.md)"
CACHE=${VEIL_COMPARE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/veil-compare}
CDIR=$(ls -d "$CACHE/circom/semaphore-$DEPTH-"* 2>/dev/null | head -1 || true)
[ -n "$CDIR" ] && [ -f "$CDIR/main.zkey" ] || die "no Semaphore($DEPTH) build in $CACHE: run bash benches/compare.sh --only approval --depth $DEPTH first"

cargo build -q --release --bin veil
VEIL=${CARGO_TARGET_DIR:-$ROOT/target}/release/veil
export VEIL_PASSPHRASE=batch VEIL_LOG=warn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"

# The statement: compare.sh's (a key from the test mnemonic, leaf 2 of four, one intent).
printf '%s\n' "test test test test test test test test test test test junk" >mnemonic.txt
"$VEIL" intent new --chain-id 1 --account 0x1111111111111111111111111111111111111111 \
  --target 0x2222222222222222222222222222222222222222 --value 1000 --data 0xdeadbeef \
  --nonce 0 --valid-until 1900000000 --out intent.json >/dev/null
A=$("$VEIL" key new --kdf light --from-mnemonic mnemonic.txt --out a.key 2>/dev/null)
others=()
for i in 1 2 3; do others+=("$("$VEIL" key new --kdf light --out "o$i.key" 2>/dev/null)"); done
"$VEIL" set new --out set.json "${others[0]}" "${others[1]}" "$A" "${others[2]}" >/dev/null
"$VEIL" setup approval --depth "$DEPTH" --out vk --tables >/dev/null 2>&1
# N requests, each its own scope (so N distinct nullifiers).
for i in $(seq 1 "$N"); do
  printf '{"id": "r%d", "circuit": "approval", "key": "a.key", "set": "set.json", "intent": "intent.json", "scope": "%d"}\n' "$i" "$i"
done >requests.jsonl
node "$ROOT/benches/circom/inputs.mjs" approval mnemonic.txt "m/44'/60'/0'/0/0" set.json intent.json "$DEPTH" >input.json
"${SNARKJS[@]}" wtns calculate "$CDIR/main_js/main.wasm" input.json w.wtns >/dev/null

now() { date +%s%N; }
t0=$(now)
"$VEIL" batch --pk vk --input requests.jsonl --output results.jsonl --allow-development-key >/dev/null 2>batch.err ||
  { cat batch.err >&2; die "veil batch failed"; }
t1=$(now)
ok=$(grep -c '"status":"ok"' results.jsonl || true)
[ "$ok" = "$N" ] || die "veil batch: $ok of $N requests proven"
for line in 1 "$N"; do
  sed -n "${line}p" results.jsonl | node -e '
    const r = JSON.parse(require("fs").readFileSync(0));
    require("fs").writeFileSync("bp.json", JSON.stringify(r.proof));
    require("fs").writeFileSync("bpub.json", JSON.stringify(r.public));'
  "${SNARKJS[@]}" groth16 verify vk/verification_key.json bpub.json bp.json >/dev/null || die "snarkjs refuses batch result $line"
done
t2=$(now)
for _ in $(seq 1 "$N"); do "$RAPIDSNARK" "$CDIR/main.zkey" w.wtns rp.json rpub.json >/dev/null; done
t3=$(now)
"${SNARKJS[@]}" groth16 verify "$CDIR/vk.json" rpub.json rp.json >/dev/null || die "snarkjs refuses rapidsnark's proof"

awk -v n="$N" -v v=$(((t1 - t0) / 1000000)) -v r=$(((t3 - t2) / 1000000)) -v d="$DEPTH" -v c="$(nproc)" 'BEGIN {
  printf "| %d Approval proofs, depth %d | wall (s) | proofs/s |\n|---|--:|--:|\n", n, d
  printf "| veil batch (tables, %d workers) | %.2f | %.1f |\n", c, v / 1000, n / (v / 1000)
  printf "| rapidsnark, one process per proof | %.2f | %.1f |\n", r / 1000, n / (r / 1000)
  printf "veil batch / rapidsnark throughput: %.2f×\n", (n / (v / 1000)) / (n / (r / 1000))
}'
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); $(date -u +%Y-%m-%dT%H:%MZ); veil $(git -C "$ROOT" rev-parse --short HEAD), rapidsnark $RAPIDSNARK"
if [ -n "$CSV" ]; then
  stamp="$(nproc) cores $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/,//g'),$(date -u +%Y-%m-%dT%H:%MZ),$(git -C "$ROOT" rev-parse --short HEAD)"
  awk -v n="$N" -v d="$DEPTH" -v v=$(((t1 - t0) / 1000000)) -v r=$(((t3 - t2) / 1000000)) -v s="$stamp" 'BEGIN {
    printf "%d,%d,veil-batch,%.3f,%.2f,%s\n", n, d, v / 1000, n / (v / 1000), s
    printf "%d,%d,rapidsnark,%.3f,%.2f,%s\n", n, d, r / 1000, n / (r / 1000), s
  }' >>"$CSV"
fi
