#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# The trusted-setup ceremony, side by side with snarkjs on the same files, in one run:
#
#   bash benches/ceremony.sh [--runs N] [--no-large]
#
# 1. Approval at depth 20 (6,179 constraints, a 2^13 domain) over a ptau made by the pinned
#    snarkjs (`powersoftau new`, one contribution, `prepare phase2`), cached like the tests'
#    in ${VEIL_TEST_CACHE:-~/.cache/veil-test}: the first key (`veil ceremony init` against
#    `snarkjs groth16 setup`, byte-identical output), a contribution to the same input
#    (`veil ceremony contribute` against `snarkjs zkey contribute`) and the verification of
#    the same three-contribution transcript (`veil ceremony verify` against `snarkjs zkey
#    verify`). Runs are interleaved (veil, snarkjs, veil, ...).
# 2. Threshold at depth 20 with K_MAX 8 (66,058 constraints, 2^17) over an INSECURE ptau
#    of known τ written by `cargo run --example insecure_ptau` (snarkjs takes hours to
#    prepare 2^17 on this machine; the ceremony's work does not depend on who made the
#    ptau): veil's init, contribute, verify and finalize, one run each.
#
# Every figure is one whole process as a user runs it (release build): wall time, median
# (min–max) over --runs, and peak memory (max RSS, GNU time's %M). Every transcript is
# verified by veil and the small one by snarkjs too; a failure stops the script (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=3 LARGE=1
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --no-large) LARGE=0; shift ;;
    -h | --help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "ceremony.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "ceremony.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

SNARKJS=(node "$ROOT/scripts/node_modules/snarkjs/build/cli.cjs")
[ -f "${SNARKJS[1]}" ] || die "run: npm ci --prefix scripts (snarkjs is pinned there)"
CACHE=${VEIL_TEST_CACHE:-${HOME}/.cache/veil-test}
mkdir -p "$CACHE"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

say "building veil (release) and the insecure ptau writer"
cargo build --release -q -p veil --bin veil
cargo build --release -q -p veil-ceremony --example insecure_ptau
VEIL=$ROOT/target/release/veil
PTAU_WRITER=$ROOT/target/release/examples/insecure_ptau

# ptau POWER: a prepared ptau made by snarkjs, cached (the tests make the same file).
ptau() {
  local f=$CACHE/pot$1.ptau t=$CACHE/bench$$
  if [ ! -f "$f" ]; then
    say "powers of tau 2^$1 by snarkjs (made once, cached in $CACHE)"
    "${SNARKJS[@]}" powersoftau new bn128 "$1" "$t.0" >/dev/null
    "${SNARKJS[@]}" powersoftau contribute "$t.0" "$t.1" --name=veil-bench \
      -e="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
    "${SNARKJS[@]}" powersoftau prepare phase2 "$t.1" "$t.2" >/dev/null
    mv "$t.2" "$f"
    rm -f "$t.0" "$t.1"
  fi
  echo "$f"
}

# timed NAME CMD...: runs CMD (stdout and stderr to $WORK/NAME.log), appends "seconds kib"
# to $WORK/NAME.times.
timed() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$@" >"$WORK/$name.log" 2>&1 || { cat "$WORK/$name.log" >&2; die "$name failed"; }
  cat "$WORK/t" >>"$WORK/$name.times"
}

# stats NAME: "median (min–max) s, peak MiB"
stats() {
  sort -n "$WORK/$1.times" | awk '{ t[NR] = $1; if ($2 > m) m = $2 } END {
    med = (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2;
    printf "%.2f s (%.2f–%.2f), %.0f MiB", med, t[1], t[NR], m / 1024 }'
}
median() { sort -n "$WORK/$1.times" | awk '{ t[NR] = $1 } END { print (NR % 2) ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.3f", a / b }'; }

echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), veil $(git rev-parse --short HEAD), snarkjs $(node -p "require('$ROOT/scripts/node_modules/snarkjs/package.json').version")"

P13=$(ptau 13)
A=(--circuit approval --depth 20)
"$VEIL" export r1cs "${A[@]}" --out "$WORK/a.r1cs" >/dev/null 2>&1
# The transcript both verifiers check: init, veil, snarkjs, veil.
"$VEIL" ceremony init "${A[@]}" --ptau "$P13" --out "$WORK/0.zkey" >/dev/null 2>&1
"$VEIL" ceremony contribute "$WORK/0.zkey" "$WORK/1.zkey" --name a >/dev/null 2>&1
"${SNARKJS[@]}" zkey contribute "$WORK/1.zkey" "$WORK/2.zkey" --name=b -e=bench >/dev/null
"$VEIL" ceremony contribute "$WORK/2.zkey" "$WORK/3.zkey" --name c >/dev/null 2>&1

for i in $(seq "$RUNS"); do
  say "Approval depth 20, run $i of $RUNS"
  timed veil_init "$VEIL" ceremony init "${A[@]}" --ptau "$P13" --out "$WORK/v0.zkey" --force
  timed snarkjs_init "${SNARKJS[@]}" groth16 setup "$WORK/a.r1cs" "$P13" "$WORK/s0.zkey"
  cmp -s "$WORK/v0.zkey" "$WORK/s0.zkey" || die "veil's init differs from snarkjs's"
  rm -f "$WORK/s0.zkey"
  timed veil_contribute "$VEIL" ceremony contribute "$WORK/2.zkey" "$WORK/v3.zkey" --name x --force
  timed snarkjs_contribute "${SNARKJS[@]}" zkey contribute "$WORK/2.zkey" "$WORK/s3.zkey" --name=x -e=bench
  rm -f "$WORK/s3.zkey"
  timed veil_verify "$VEIL" ceremony verify "$WORK/3.zkey" "${A[@]}" --ptau "$P13"
  timed snarkjs_verify "${SNARKJS[@]}" zkey verify "$WORK/a.r1cs" "$P13" "$WORK/3.zkey"
  grep -q "ZKey Ok" "$WORK/snarkjs_verify.log" || die "snarkjs does not verify the transcript"
done

echo
echo "Approval, depth 20 (2^13), $RUNS runs each, the same files"
echo
echo "| step | veil | snarkjs 0.7.6 | veil / snarkjs |"
echo "| --- | --- | --- | --- |"
for step in init contribute verify; do
  echo "| $step | $(stats veil_$step) | $(stats snarkjs_$step) | $(ratio veil_$step snarkjs_$step)× |"
done

if [ "$LARGE" = 1 ]; then
  say "Threshold depth 20, K_MAX 8: an insecure 2^17 ptau of known τ"
  "$PTAU_WRITER" 17 "$WORK/dev17.ptau" 17 2>/dev/null
  T=(--circuit threshold --depth 20 --k-max 8)
  timed large_init "$VEIL" ceremony init "${T[@]}" --ptau "$WORK/dev17.ptau" --out "$WORK/t0.zkey"
  timed large_contribute "$VEIL" ceremony contribute "$WORK/t0.zkey" "$WORK/t1.zkey" --name a
  "$VEIL" ceremony beacon "$WORK/t1.zkey" "$WORK/t2.zkey" --hash 00ff --exp 10 >/dev/null 2>&1
  timed large_verify "$VEIL" ceremony verify "$WORK/t2.zkey" "${T[@]}" --ptau "$WORK/dev17.ptau"
  timed large_finalize "$VEIL" ceremony finalize "$WORK/t2.zkey" "${T[@]}" --ptau "$WORK/dev17.ptau" --out "$WORK/tkeys"
  echo
  echo "Threshold, depth 20, K_MAX 8 (66,058 constraints, 2^17), one run each, veil only"
  echo
  echo "| step | veil |"
  echo "| --- | --- |"
  for step in init contribute verify finalize; do
    echo "| $step | $(stats large_$step) |"
  done
fi
