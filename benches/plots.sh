#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# The comparison as plots, committed beside BENCHMARKS.md (plots/*.png): proving time and
# peak memory against the tree depth (Approval) and against K_MAX (Threshold) for veil (with
# and without tables), rapidsnark and snarkjs, and time per proof against batch size
# (veil batch against rapidsnark processes one after another).
#
#   bash benches/plots.sh                 # render plots/ from benches/results/*.csv
#   bash benches/plots.sh --collect       # measure first (appends to the CSVs), then render
#
# --collect runs, one after another on this machine: compare.sh --only approval at depths
# $DEPTHS (default "10 16 20 32"), compare.sh --only threshold at depth 20 for K_MAX
# $K_MAXES (default "2 4"; K_MAX 4 makes a 2^16 ptau once, minutes), each with --runs
# $RUNS (default 5), then batch.sh --requests N for N in $BATCHES (default "25 50 100 200").
# It needs what those need (npm ci --prefix scripts; rapidsnark on PATH for its columns and
# for batch.sh). An idle machine, please: the figures are as good as its quiet.
#
# Rendering needs matplotlib: installed once, pinned (benches/plots-requirements.txt), into
# a virtual environment in ${VEIL_PLOTS_CACHE:-~/.cache/veil-plots}. For each statement,
# shape and prover the newest CSV line is drawn, so a series can be measured again in part.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

COLLECT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --collect) COLLECT=1; shift ;;
    -h | --help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "plots.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

RESULTS=$ROOT/benches/results
mkdir -p "$RESULTS"
if [ "$COLLECT" = 1 ]; then
  header_c="statement,depth,k_max,prover,median_s,min_s,max_s,peak_mib,runs,machine,date,veil"
  header_b="requests,depth,prover,wall_s,proofs_per_s,machine,date,veil"
  [ -s "$RESULTS/compare.csv" ] || echo "$header_c" >"$RESULTS/compare.csv"
  [ -s "$RESULTS/batch.csv" ] || echo "$header_b" >"$RESULTS/batch.csv"
  for d in ${DEPTHS:-10 16 20 32}; do
    bash benches/compare.sh --only approval --depth "$d" --runs "${RUNS:-5}" --csv "$RESULTS/compare.csv"
  done
  for k in ${K_MAXES:-2 4}; do
    bash benches/compare.sh --only threshold --threshold-depth 20 --k-max "$k" --runs "${RUNS:-5}" --csv "$RESULTS/compare.csv"
  done
  for n in ${BATCHES:-25 50 100 200}; do
    bash benches/batch.sh --requests "$n" --depth 20 --csv "$RESULTS/batch.csv"
  done
fi

CACHE=${VEIL_PLOTS_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/veil-plots}
if ! "$CACHE/venv/bin/python" -c 'import matplotlib' 2>/dev/null; then
  echo "== installing matplotlib (pinned) into $CACHE/venv" >&2
  python3 -m venv "$CACHE/venv"
  "$CACHE/venv/bin/pip" install -q -r benches/plots-requirements.txt
fi
"$CACHE/venv/bin/python" benches/plots.py "$RESULTS" "$ROOT/plots"
