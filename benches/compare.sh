#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Side by side, on this machine, in one run: veil and circom + snarkjs (and rapidsnark, if a
# `rapidsnark` or `prover` binary is on PATH) prove the same statement, from the same
# approver set, key, intent and scope; every proof is checked by its own verifier and
# veil's by snarkjs too, and both provers must give the same public signals.
#
#   bash benches/compare.sh [--runs N] [--depth D] [--k-max K] [--threshold-depth D]
#                           [--only approval|threshold] [--smoke] [--csv FILE]
#
# Approval (default depth 20) is compared with Semaphore v4's own circuit
# (@semaphore-protocol/circuits, src/semaphore.circom, main = Semaphore(D)); Threshold
# (default depth 20, K_MAX 2: 18,753 circom constraints, a 2^15 ptau; K_MAX 4 needs 2^16)
# with benches/circom/threshold.circom (circomlib's EdDSAPoseidonVerifier, zk-kit's
# BinaryMerkleRoot, pairwise distinctness), all K_MAX slots signed. Runs are
# interleaved (veil, veil --tables never, snarkjs, rapidsnark, veil, ...); each figure is
# one whole process, as a user runs it: `veil prove` loads its key (and the fixed-base MSM
# tables that `veil setup --tables` wrote beside it), unlocks the key file, synthesizes the
# witness and proves; snarkjs computes the witness (`wtns calculate`) and proves (`groth16
# prove`) in two processes, both counted; rapidsnark proves from snarkjs's witness file.
# The last column compares veil's process with rapidsnark's proving process alone (the
# strict reading) and, for "witness + proof", with snarkjs's witness plus rapidsnark. Times: median (min–max) over --runs. Peak memory: max RSS of
# the proving process (GNU time's %M, as in `time -v`).
#
# --smoke: one run of Approval at depth 2 (circom: 2,003 constraints, a 2^11 ptau) and, for
# Threshold at depth 2 and K_MAX 2, veil's proof plus a check that the circom circuit's
# witness satisfies its R1CS (`snarkjs wtns check`; no Groth16 setup, whose 2^15 ptau takes
# minutes to prepare). It uses the dev build of veil (the one `cargo test` builds); the full
# run uses the release build. Any proof that does not verify stops the script (exit 1).
#
# Caches, outside the repository, in ${VEIL_COMPARE_CACHE:-${XDG_CACHE_HOME:-~/.cache}/veil-compare}:
# ptau/potP.ptau (made here with `snarkjs powersoftau`, never downloaded: new, one
# contribution from /dev/urandom, prepare phase2) and circom/NAME-HASH/ (the compiled
# circuit, its zkey and verification key), keyed by the circuit's sources and shape.
# A ptau or zkey from one party's randomness is for benchmarking only.
#
# --csv FILE appends one line per prover and statement (benches/plots.sh reads them):
# statement,depth,k_max,prover,median_s,min_s,max_s,peak_mib,runs,machine,date,veil
# (prover: veil, veil-no-tables, snarkjs (witness + proof), rapidsnark (proof alone)).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

RUNS=5 DEPTH=20 K_MAX=2 T_DEPTH=20 ONLY="" SMOKE=0 CSV=""
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) RUNS=$2; shift 2 ;;
    --depth) DEPTH=$2; shift 2 ;;
    --k-max) K_MAX=$2; shift 2 ;;
    --threshold-depth) T_DEPTH=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --smoke) SMOKE=1; shift ;;
    --csv) CSV=$(realpath -m "$2"); shift 2 ;;
    -h | --help) sed -n '3,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ "$SMOKE" = 1 ]; then RUNS=1 DEPTH=2 K_MAX=2 T_DEPTH=2; fi

die() { echo "compare.sh: $*" >&2; exit 1; }
say() { echo "== $*" >&2; }

NM=$ROOT/scripts/node_modules
[ -x "$NM/.bin/circom2" ] || die "run: npm ci --prefix scripts (circom2 and snarkjs are pinned there)"
CIRCOM=$NM/.bin/circom2
SNARKJS=(node "$NM/snarkjs/build/cli.cjs")
RAPIDSNARK=$(command -v rapidsnark || command -v prover || true)
CACHE=${VEIL_COMPARE_CACHE:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/veil-compare}
mkdir -p "$CACHE/ptau" "$CACHE/circom"

if [ "$SMOKE" = 1 ]; then
  say "building veil (dev profile; smoke figures are not benchmarks)"
  cargo build -q --bin veil
  VEIL=${CARGO_TARGET_DIR:-$ROOT/target}/debug/veil
else
  say "building veil (release)"
  cargo build -q --release --bin veil
  VEIL=${CARGO_TARGET_DIR:-$ROOT/target}/release/veil
fi
export VEIL_PASSPHRASE=compare VEIL_LOG=warn
LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

# --- measuring ---------------------------------------------------------------------------

# measure FILE CMD...: runs CMD (its output to $W/last.log), appends "wall_seconds max_rss_kib"
# to FILE; a failing command stops the script with its output.
if [ -x /usr/bin/time ]; then
  rss_of() { /usr/bin/time -f %M -o "$W/rss" "$@"; }
else
  rss_of() {
    python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[2:]).returncode
open(sys.argv[1], "w").write("%d\n" % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(r)' "$W/rss" "$@"
  }
fi
measure() {
  local file=$1 t0 t1
  shift
  t0=$(date +%s%N)
  rss_of "$@" >"$W/last.log" 2>&1 || { cat "$W/last.log" >&2; die "failed: $*"; }
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(tail -n 1 "$W/rss")" >>"$file"
}

# summary FILE COLUMN SCALE UNIT: "median (min–max)" of a column, divided by SCALE.
summary() {
  [ -s "$1" ] || { echo "n/a"; return; }
  awk -v c="$2" '{print $c}' "$1" | sort -g | awk -v s="$3" -v u="$4" '
    {a[NR] = $1 / s}
    END {
      m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      f = (s == 1000) ? "%.3f" : "%.0f"
      if (NR == 1) printf(f u, m); else printf(f u " (" f "–" f ")", m, a[1], a[NR])
    }'
}
median() { [ -s "$1" ] && awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END {print NR % 2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# sum of two per-run columns (witness + prove), one line per run
add_runs() { paste -d' ' "$1" "$2" | awk '{print $1 + $3, ($2 > $4 ? $2 : $4)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "—"; else printf("%.2f×", a / b) }'; }

# Verifier gas comes from `veil gas --json`, run once: it deploys veil's verifier and snarkjs's
# own (rendered by the installed snarkjs from its template) for the same development key in
# an in-memory EVM and measures one verifyProof each. Verification gas depends only on the
# number of public inputs, so these figures hold for any key of the statement.
GAS_JSON=$("$VEIL" gas --json 2>/dev/null || true)

# verifier_gas STATEMENT WHO: execution gas of one verifyProof (WHO: veil or snarkjs), or "n/a".
verifier_gas() {
  local entry field
  case "$1" in approval) entry=ApprovalVerifier.verifyProof ;; *) entry=ThresholdVerifier.verifyProof ;; esac
  case "$2" in veil) field=execution_gas ;; *) field=snarkjs ;; esac
  [ -n "$GAS_JSON" ] || { echo "n/a"; return; }
  printf '%s\n' "$GAS_JSON" | node -e '
    const [entry, field] = process.argv.slice(1);
    const rows = require("fs").readFileSync(0, "utf8").trim().split("\n").map(JSON.parse);
    const row = rows.find((r) => r.entry === entry);
    console.log(row && row[field] != null ? row[field].toLocaleString("en-US") : "n/a");
  ' "$entry" "$field"
}

# --- circom side ---------------------------------------------------------------------------

# ptau POWER: path of a prepared powers-of-tau file of that power, made once.
ptau() {
  local p=$1 f=$CACHE/ptau/pot$1.ptau t
  if [ ! -f "$f" ]; then
    say "powers of tau 2^$p (made once, cached in $CACHE/ptau)"
    t=$CACHE/ptau/tmp$$
    "${SNARKJS[@]}" powersoftau new bn128 "$p" "$t.0" >/dev/null
    "${SNARKJS[@]}" powersoftau contribute "$t.0" "$t.1" --name=veil-compare \
      -e="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/dev/null
    "${SNARKJS[@]}" powersoftau prepare phase2 "$t.1" "$t.2" >/dev/null
    mv "$t.2" "$f"
    rm -f "$t.0" "$t.1"
  fi
  echo "$f"
}

# circom_build NAME MAIN_SOURCE GROTH16(0|1): compiles (circom --O2) a main component in a
# cache directory keyed by its sources, and with GROTH16=1 makes its zkey and verification
# key; prints the directory (main.r1cs, main_js/main.wasm, main.zkey, vk.json, constraints).
circom_build() {
  local name=$1 src=$2 groth16=$3 libs key dir n pub out power
  libs=("$NM"/circomlib/circuits/*.circom "$NM/@zk-kit/binary-merkle-root.circom/src/binary-merkle-root.circom"
    "$NM/@semaphore-protocol/circuits/src/semaphore.circom" "$ROOT"/benches/circom/*.circom)
  key=$({ echo "$src"; cat "${libs[@]}"; node -p 'require(process.argv[1]).version' "$NM/circom2/package.json"; } | sha256sum | cut -c1-16)
  dir=$CACHE/circom/$name-$key
  if [ ! -f "$dir/constraints" ]; then
    say "circom: compiling $name (cached in $dir)"
    rm -rf "$dir" && mkdir -p "$dir/lib"
    cp "${libs[@]}" "$dir/lib/"
    echo "$src" >"$dir/main.circom"
    # circom2 runs under WASI with the working directory as its only root: relative paths.
    (cd "$dir" && "$CIRCOM" main.circom --O2 --r1cs --wasm -l lib -o . >compile.log 2>&1) || { cat "$dir/compile.log" >&2; die "circom failed"; }
    "${SNARKJS[@]}" r1cs info "$dir/main.r1cs" >"$dir/info.log"
    grep -Eo '# of Constraints: [0-9]+' "$dir/info.log" | grep -Eo '[0-9]+$' >"$dir/constraints"
  fi
  if [ "$groth16" = 1 ] && [ ! -f "$dir/vk.json" ]; then
    n=$(cat "$dir/constraints")
    pub=$(grep -Eo '# of Public Inputs: [0-9]+' "$dir/info.log" | grep -Eo '[0-9]+$')
    out=$(grep -Eo '# of Outputs: [0-9]+' "$dir/info.log" | grep -Eo '[0-9]+$')
    power=1
    while [ $((1 << power)) -lt $((n + pub + out + 1)) ]; do power=$((power + 1)); done
    [ "$power" -ge 8 ] || power=8
    local pt
    pt=$(ptau "$power")
    say "snarkjs: groth16 setup of $name ($n constraints, ptau 2^$power)"
    "${SNARKJS[@]}" groth16 setup "$dir/main.r1cs" "$pt" "$dir/main.zkey" >/dev/null
    "${SNARKJS[@]}" zkey export verificationkey "$dir/main.zkey" "$dir/vk.json.tmp" >/dev/null
    mv "$dir/vk.json.tmp" "$dir/vk.json"
  fi
  echo "$dir"
}

snarkjs_verify() { # VK PUBLIC PROOF WHAT: fails loudly unless snarkjs says OK
  "${SNARKJS[@]}" groth16 verify "$1" "$2" "$3" >"$W/sv.log" 2>&1 || true
  grep -q "OK!" "$W/sv.log" || { cat "$W/sv.log" >&2; die "snarkjs does not verify $4"; }
}
veil_verify() { # VK PROOF PUBLIC WHAT
  "$VEIL" verify --vk "$1" --proof "$2" --public "$3" >"$W/vv.log" 2>&1 || { cat "$W/vv.log" >&2; die "veil does not verify $4"; }
}
same_public() { # A B: the same public signals (as decimal strings)
  node -e 'const f = (p) => JSON.stringify(JSON.parse(require("fs").readFileSync(p, "utf8")).map(String));
    process.exit(f(process.argv[1]) === f(process.argv[2]) ? 0 : 1)' "$1" "$2" ||
    die "public signals differ: $1 $(cat "$1") vs $2 $(cat "$2")"
}
bytes() { wc -c <"$1" | tr -d ' '; }

# --- statements ----------------------------------------------------------------------------

cd "$W"
printf '%s\n' "test test test test test test test test test test test junk" >mnemonic.txt
"$VEIL" intent new --chain-id 1 --account 0x1111111111111111111111111111111111111111 \
  --target 0x2222222222222222222222222222222222222222 --value 1000 --data 0xdeadbeef \
  --nonce 0 --valid-until 1900000000 --out intent.json >/dev/null

# compare STATEMENT SHAPE_LABEL VEIL_CONSTRAINTS VEIL_PROVE_CMD CIRCOM_DIR GROTH16
# Runs the interleaved rounds and prints one table. VEIL_PROVE_CMD writes into vp/.
compare() {
  local st=$1 label=$2 vc=$3 prove_cmd=$4 cdir=$5 groth16=$6 r
  local R=$W/$st
  mkdir -p "$R"
  say "$st ($label): $RUNS interleaved run(s)"
  for r in $(seq 1 "$RUNS"); do
    rm -rf vp && measure "$R/veil.prove" bash -c "$prove_cmd"
    rm -rf vp && measure "$R/veil.stock" bash -c "$prove_cmd --tables never"
    measure "$R/veil.verify" "$VEIL" verify --vk vk/verification_key.json --proof vp/proof.json --public vp/public.json
    measure "$R/snarkjs.wtns" "${SNARKJS[@]}" wtns calculate "$cdir/main_js/main.wasm" "$st.input.json" "$st.wtns"
    if [ "$groth16" = 1 ]; then
      measure "$R/snarkjs.prove" "${SNARKJS[@]}" groth16 prove "$cdir/main.zkey" "$st.wtns" sp.proof.json sp.public.json
      measure "$R/snarkjs.verify" "${SNARKJS[@]}" groth16 verify "$cdir/vk.json" sp.public.json sp.proof.json
      snarkjs_verify "$cdir/vk.json" sp.public.json sp.proof.json "snarkjs's $st proof"
      if [ -n "$RAPIDSNARK" ]; then
        measure "$R/rapidsnark.prove" "$RAPIDSNARK" "$cdir/main.zkey" "$st.wtns" rp.proof.json rp.public.json
        snarkjs_verify "$cdir/vk.json" rp.public.json rp.proof.json "rapidsnark's $st proof"
      fi
    else
      "${SNARKJS[@]}" wtns check "$cdir/main.r1cs" "$st.wtns" >"$W/wc.log" 2>&1 || { cat "$W/wc.log" >&2; die "the circom $st witness does not satisfy its R1CS"; }
      grep -q "WITNESS IS CORRECT" "$W/wc.log" || { cat "$W/wc.log" >&2; die "the circom $st witness does not satisfy its R1CS"; }
    fi
    # Each proof by its own verifier, and veil's by snarkjs.
    veil_verify vk/verification_key.json vp/proof.json vp/public.json "its $st proof"
    snarkjs_verify vk/verification_key.json vp/public.json vp/proof.json "veil's $st proof"
  done
  local sc="n/a" sw_p="n/a" gas_v gas_s
  sc=$(cat "$cdir/constraints")
  if [ "$groth16" = 1 ]; then
    same_public vp/public.json sp.public.json
    # veil also reads snarkjs's files: snarkjs's proof under snarkjs's key.
    veil_verify "$cdir/vk.json" sp.proof.json sp.public.json "snarkjs's $st proof"
    add_runs "$R/snarkjs.wtns" "$R/snarkjs.prove" >"$R/snarkjs.total"
    [ -z "$RAPIDSNARK" ] || add_runs "$R/snarkjs.wtns" "$R/rapidsnark.prove" >"$R/rapidsnark.total"
  fi
  gas_v=$(verifier_gas "$st" veil)
  gas_s=$(verifier_gas "$st" snarkjs)

  local rs=""
  [ -z "$RAPIDSNARK" ] || rs=" | rapidsnark"
  {
    echo
    echo "### $st, $label ($RUNS run(s); times in s, median (min–max); memory in MiB)"
    echo
    echo "| | veil | snarkjs$rs | veil / snarkjs${rs:+ | veil / rapidsnark} |"
    echo "| --- | --- | ---${rs:+ | ---} | ---${rs:+ | ---} |"
    row() { # LABEL VEIL SNARKJS RAPIDSNARK RATIO [RATIO_TO_RAPIDSNARK]
      if [ -n "$RAPIDSNARK" ]; then echo "| $1 | $2 | $3 | $4 | $5 | ${6:-—} |"; else echo "| $1 | $2 | $3 | $5 |"; fi
    }
    row "constraints" "$vc" "$sc" "$sc" "$(ratio "$vc" "$sc")"
    row "witness (process)" "in proof" "$(summary "$R/snarkjs.wtns" 1 1000 "")" "(snarkjs's)" "—"
    if [ "$groth16" = 1 ]; then
      row "proof (process, key load incl.)" "$(summary "$R/veil.prove" 1 1000 "")" "$(summary "$R/snarkjs.prove" 1 1000 "")" \
        "$(summary "$R/rapidsnark.prove" 1 1000 "")" "—" "**$(ratio "$(median "$R/veil.prove" 1)" "$(median "$R/rapidsnark.prove" 1)")**"
      row "**witness + proof**" "**$(summary "$R/veil.prove" 1 1000 "")**" "$(summary "$R/snarkjs.total" 1 1000 "")" \
        "$(summary "$R/rapidsnark.total" 1 1000 "")" "**$(ratio "$(median "$R/veil.prove" 1)" "$(median "$R/snarkjs.total" 1)")**" \
        "$(ratio "$(median "$R/veil.prove" 1)" "$(median "$R/rapidsnark.total" 1)")"
      row "witness + proof, veil without MSM tables (\`--tables never\`)" "$(summary "$R/veil.stock" 1 1000 "")" "" "" \
        "$(ratio "$(median "$R/veil.stock" 1)" "$(median "$R/snarkjs.total" 1)")" \
        "$(ratio "$(median "$R/veil.stock" 1)" "$(median "$R/rapidsnark.prove" 1)") (proof alone)"
      row "verify (process)" "$(summary "$R/veil.verify" 1 1000 "")" "$(summary "$R/snarkjs.verify" 1 1000 "")" "(snarkjs's)" \
        "$(ratio "$(median "$R/veil.verify" 1)" "$(median "$R/snarkjs.verify" 1)")"
      row "peak RSS, proving process" "$(summary "$R/veil.prove" 2 1024 "")" "$(summary "$R/snarkjs.prove" 2 1024 "")" \
        "$(summary "$R/rapidsnark.prove" 2 1024 "")" "$(ratio "$(median "$R/veil.prove" 2)" "$(median "$R/snarkjs.prove" 2)")" \
        "$(ratio "$(median "$R/veil.prove" 2)" "$(median "$R/rapidsnark.prove" 2)")"
      row "peak RSS, veil without MSM tables" "$(summary "$R/veil.stock" 2 1024 "")" "" "" \
        "$(ratio "$(median "$R/veil.stock" 2)" "$(median "$R/snarkjs.prove" 2)")" \
        "$(ratio "$(median "$R/veil.stock" 2)" "$(median "$R/rapidsnark.prove" 2)")"
      row "peak RSS, witness process" "—" "$(summary "$R/snarkjs.wtns" 2 1024 "")" "(snarkjs's)" "—"
      row "proof.json (bytes)" "$(bytes vp/proof.json)" "$(bytes sp.proof.json)" "$( [ -f rp.proof.json ] && bytes rp.proof.json || echo "n/a")" "—"
    else
      row "proof (process, key load incl.)" "$(summary "$R/veil.prove" 1 1000 "")" "not set up (smoke)" "—" "—"
      row "proof, veil without MSM tables" "$(summary "$R/veil.stock" 1 1000 "")" "—" "—" "—"
      row "verify (process)" "$(summary "$R/veil.verify" 1 1000 "")" "—" "—" "—"
      row "peak RSS, proving process" "$(summary "$R/veil.prove" 2 1024 "")" "—" "—" "—"
    fi
    row "proof, calldata (bytes)" "256" "256" "256" "1.00×"
    row "verifier gas" "$gas_v" "$gas_s" "$gas_s" "—"
  } | tee -a "$W/report.md"
  [ -z "$CSV" ] || csv_rows "$st" "$R" >>"$CSV"
}

# csv_rows STATEMENT DIR: the --csv lines of one statement's runs.
csv_rows() {
  local st=$1 R=$2 who file depth k stamp
  if [ "$st" = approval ]; then depth=$DEPTH k=""; else depth=$T_DEPTH k=$K_MAX; fi
  stamp="$(nproc) cores $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//; s/,//g'),$(date -u +%Y-%m-%dT%H:%MZ),$(git -C "$ROOT" rev-parse --short HEAD)"
  for who in veil:veil.prove veil-no-tables:veil.stock snarkjs:snarkjs.total rapidsnark:rapidsnark.prove; do
    file=$R/${who#*:}
    [ -s "$file" ] || continue
    sort -g -k1,1 "$file" | awk -v st="$st" -v d="$depth" -v k="$k" -v p="${who%%:*}" -v stamp="$stamp" '
      { t[NR] = $1 / 1000; m = ($2 > m ? $2 : m) }
      END {
        n = NR
        med = n % 2 ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
        printf("%s,%s,%s,%s,%.4f,%.4f,%.4f,%.1f,%d,%s\n", st, d, k, p, med, t[1], t[n], m / 1024, n, stamp)
      }'
  done
}

if [ -z "$ONLY" ] || [ "$ONLY" = approval ]; then
  say "approval, depth $DEPTH: keys, set, setup"
  A=$("$VEIL" key new --kdf light --from-mnemonic mnemonic.txt --out a.key 2>/dev/null)
  others=()
  for i in 1 2 3; do others+=("$("$VEIL" key new --kdf light --out "o$i.key" 2>/dev/null)"); done
  # Four members (a tree of depth 2, so the smoke's depth 2 holds it); the prover is leaf 2.
  "$VEIL" set new --out set.json "${others[0]}" "${others[1]}" "$A" "${others[2]}" >/dev/null
  # With the fixed-base MSM tables beside the key (veil's fast path; each run also proves
  # without them, --tables never).
  "$VEIL" setup approval --depth "$DEPTH" --out vk --tables >/dev/null 2>&1
  node "$ROOT/benches/circom/inputs.mjs" approval mnemonic.txt "m/44'/60'/0'/0/0" set.json intent.json "$DEPTH" >approval.input.json
  dir=$(circom_build "semaphore-$DEPTH" "$(printf 'pragma circom 2.1.5;\ninclude "semaphore.circom";\ncomponent main {public [message, scope]} = Semaphore(%s);' "$DEPTH")" 1)
  vc=$("$VEIL" info approval --depth "$DEPTH" --json | node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0)).constraints))')
  compare approval "depth $DEPTH, Semaphore v4 circuit" "$vc" \
    "exec \"$VEIL\" prove approval --key a.key --set set.json --intent intent.json --pk vk --out vp" "$dir" 1
  rm -rf vk vp sp.* rp.*
fi

if [ -z "$ONLY" ] || [ "$ONLY" = threshold ]; then
  say "threshold, depth $T_DEPTH, K_MAX $K_MAX: keys, set, signatures, setup"
  members=() sigs=()
  for i in $(seq 1 $((K_MAX + 2))); do members+=("$("$VEIL" key new --kdf light --out "t$i.key" 2>/dev/null)"); done
  "$VEIL" set new --out tset.json "${members[@]}" >/dev/null
  for i in $(seq 1 "$K_MAX"); do
    "$VEIL" sign --key "t$i.key" --intent intent.json --out "t$i.sig.json" >/dev/null
    sigs+=("t$i.sig.json")
  done
  "$VEIL" setup threshold --depth "$T_DEPTH" --k-max "$K_MAX" --out vk --tables >/dev/null 2>&1
  node "$ROOT/benches/circom/inputs.mjs" threshold tset.json intent.json "$T_DEPTH" "$K_MAX" "${sigs[@]}" >threshold.input.json
  g=1
  [ "$SMOKE" = 0 ] || g=0
  dir=$(circom_build "threshold-$T_DEPTH-$K_MAX" "$(printf 'pragma circom 2.1.5;\ninclude "threshold.circom";\ncomponent main {public [root, intent, k]} = Threshold(%s, %s);' "$T_DEPTH" "$K_MAX")" "$g")
  vc=$("$VEIL" info threshold --depth "$T_DEPTH" --k-max "$K_MAX" --json 2>/dev/null |
    node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(0)).constraints))' || echo "?")
  compare threshold "depth $T_DEPTH, K_MAX $K_MAX, k = $K_MAX" "$vc" \
    "exec \"$VEIL\" prove threshold --set tset.json --intent intent.json --pk vk --out vp ${sigs[*]}" "$dir" "$g"
fi

echo
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $(free -g | awk '/Mem:/ {print $2}') GiB;" \
  "load average at start: $LOAD0, at end: $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ); veil $(git -C "$ROOT" rev-parse --short HEAD)," \
  "snarkjs $(node -p 'require(process.argv[1]).version' "$NM/snarkjs/package.json"), circom2 $(node -p 'require(process.argv[1]).version' "$NM/circom2/package.json")${RAPIDSNARK:+, rapidsnark $RAPIDSNARK}"
echo "all proofs verified (each by its own verifier; veil's also by snarkjs)"
