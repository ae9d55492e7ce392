//! veil's prover, without and with fixed-base MSM tables, against ark-groth16's own
//! (`prove_stock`) on the same key (issue 8).
//!
//! `cargo bench --bench prover_speed`; filter with e.g. `-- /20` (Approval at depth 20). Prints each key's
//! table size, window widths and build time. Threshold (depth 20, K_MAX 8) is set up only
//! when its group is selected: `-- threshold`.

use std::time::Instant;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{
    approval::ApprovalCircuit, eddsa::PrivateKey, identity, lean_imt::LeanImt, threshold::ThresholdCircuit, Fr,
};
use veil_prover::{engine::MsmTables, ProverKey};

fn approval_circuit(depth: usize, rng: &mut ChaCha20Rng) -> ApprovalCircuit {
    let keys: Vec<PrivateKey> = (0..64).map(|_| PrivateKey::random(rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    ApprovalCircuit::new(depth, &keys[17].secret_scalar(), &set.proof(17).unwrap(), Fr::from(1u64), Fr::from(2u64))
        .unwrap()
}

fn threshold_circuit(depth: usize, k_max: usize, signers: usize, rng: &mut ChaCha20Rng) -> ThresholdCircuit {
    let keys: Vec<PrivateKey> = (0..32).map(|_| PrivateKey::random(rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    let intent = Fr::from(7u64);
    let chosen: Vec<_> =
        (0..signers).map(|i| (keys[i].public_key(), keys[i].sign(intent), set.proof(i).unwrap())).collect();
    ThresholdCircuit::new(depth, k_max, set.root().unwrap(), intent, &chosen).unwrap()
}

/// Builds the tables, prints their size and build time, and benches both provers.
fn compare<C: ark_relations::gr1cs::ConstraintSynthesizer<Fr> + Clone>(
    c: &mut Criterion,
    group_name: &str,
    label: usize,
    key: &ProverKey,
    circuit: &C,
) {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let start = Instant::now();
    let mut fast = key.clone();
    fast.build_tables(MsmTables::DEFAULT_BUDGET);
    let tables = fast.tables.as_ref().unwrap();
    eprintln!(
        "{group_name}/{label}: {} constraints, tables {:.1} MiB, windows {:?}, built in {:.0} ms ({:.0} ms with the key clone)",
        key.r1cs.num_constraints(),
        tables.size_bytes() as f64 / (1 << 20) as f64,
        tables.windows(),
        tables.build_time.as_secs_f64() * 1e3,
        start.elapsed().as_secs_f64() * 1e3,
    );
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    group.bench_with_input(BenchmarkId::new("prove_stock", label), circuit, |bench, circuit| {
        bench.iter_batched(|| circuit.clone(), |c| key.prove_stock(c, &mut rng).unwrap(), BatchSize::SmallInput);
    });
    // veil's prover without tables: its own witness map beside ark-ec's variable-base MSMs.
    group.bench_with_input(BenchmarkId::new("prove_variable_base", label), circuit, |bench, circuit| {
        bench.iter_batched(|| circuit.clone(), |c| key.prove(c, &mut rng).unwrap(), BatchSize::SmallInput);
    });
    group.bench_with_input(BenchmarkId::new("prove_tables", label), circuit, |bench, circuit| {
        bench.iter_batched(|| circuit.clone(), |c| fast.prove(c, &mut rng).unwrap(), BatchSize::SmallInput);
    });
    group.finish();
}

fn approval(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    for depth in [10, 20, 32] {
        if !selected("approval", depth) {
            continue;
        }
        let circuit = approval_circuit(depth, &mut rng);
        let key = veil_prover::setup_approval(depth, &mut rng).unwrap();
        compare(c, "approval", depth, &key, &circuit);
    }
}

fn threshold(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    if !selected("threshold", 8) {
        return;
    }
    let key = veil_prover::setup_threshold(20, 8, &mut rng).unwrap();
    let circuit = threshold_circuit(20, 8, 5, &mut rng);
    compare(c, "threshold", 8, &key, &circuit);
}

/// Whether the command line's filter (criterion's regex, the first free argument) may
/// select `group`/…/`label`, so that unselected setups are skipped; a filter with regex
/// syntax selects every setup and leaves the choice to criterion.
fn selected(group: &str, label: usize) -> bool {
    let Some(filter) = std::env::args().skip(1).find(|a| !a.starts_with('-')) else { return true };
    filter.contains(|c: char| "()|.*+?[]^$\\".contains(c))
        || ["prove_stock", "prove_variable_base", "prove_tables"]
            .iter()
            .any(|f| format!("{group}/{f}/{label}").contains(&filter))
}

criterion_group!(benches, approval, threshold);
criterion_main!(benches);
