//! Criterion benchmarks of the Threshold statement and of batch throughput.
//!
//! Run with `cargo bench --bench prover`; pin the thread count of the single-proof groups
//! with `RAYON_NUM_THREADS=1 cargo bench --bench prover`. The batch group sets its own
//! thread counts (1 and every core) and reports proofs per second.
//!
//! Setups (Threshold K_MAX 16 at depth 20 is ~159k constraints, about a minute on two
//! cores) run once per shape, outside the measured loops. Under `cargo test --all-targets`
//! (criterion's test mode: the binary is run without `--bench`) every benchmark runs once
//! at a small shape, so the test suite stays fast.

use std::{
    sync::atomic::{AtomicUsize, Ordering},
    time::Duration,
};

use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{
    approval::ApprovalCircuit,
    eddsa::PrivateKey,
    identity,
    lean_imt::LeanImt,
    threshold::{self, ThresholdCircuit},
    Fr,
};
use veil_prover::ProverKey;

/// Whether this is a measuring run (`cargo bench` passes `--bench`), not `cargo test`'s
/// single pass.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// (depth, K_MAX values) of the Threshold group.
fn threshold_shapes() -> (usize, Vec<usize>) {
    if measuring() {
        (20, vec![4, 8, 16])
    } else {
        (4, vec![2])
    }
}

/// A Threshold circuit at `depth` where all `k_max` slots hold distinct signers of a set of
/// `2·k_max` members (k = K_MAX, every slot's signature and path checked).
fn threshold_circuit(depth: usize, k_max: usize, rng: &mut ChaCha20Rng) -> ThresholdCircuit {
    let keys: Vec<PrivateKey> = (0..2 * k_max).map(|_| PrivateKey::random(rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    let intent = Fr::from(42u64);
    let signers: Vec<_> =
        (0..k_max).map(|i| (keys[2 * i].public_key(), keys[2 * i].sign(intent), set.proof(2 * i).unwrap())).collect();
    ThresholdCircuit::new(depth, k_max, set.root().unwrap(), intent, &signers).unwrap()
}

fn threshold(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let mut group = c.benchmark_group("threshold");
    group.sample_size(10);
    let (depth, k_maxes) = threshold_shapes();
    for k_max in k_maxes {
        let circuit = threshold_circuit(depth, k_max, &mut rng);
        group.bench_with_input(BenchmarkId::new("witness", k_max), &circuit, |bench, circuit| {
            bench.iter_batched(
                || circuit.clone(),
                |c| {
                    let cs = ConstraintSystem::<Fr>::new_ref();
                    c.generate_constraints(cs.clone()).unwrap();
                    cs
                },
                BatchSize::SmallInput,
            );
        });
        let key = veil_prover::setup_threshold(depth, k_max, &mut rng).unwrap();
        assert_eq!(key.r1cs.num_constraints(), threshold::num_constraints(depth, k_max));
        group.bench_with_input(BenchmarkId::new("prove", k_max), &circuit, |bench, circuit| {
            bench.iter_batched(|| circuit.clone(), |c| key.prove(c, &mut rng).unwrap(), BatchSize::SmallInput);
        });
        let pvk = veil_prover::prepare(key.verifying_key());
        let inputs = circuit.public_inputs().unwrap();
        let proof = key.prove(circuit.clone(), &mut ChaCha20Rng::seed_from_u64(4)).unwrap();
        assert!(veil_prover::verify(&pvk, &inputs, &proof).unwrap());
        group.bench_with_input(BenchmarkId::new("verify", k_max), &proof, |bench, proof| {
            bench.iter(|| veil_prover::verify(&pvk, &inputs, proof).unwrap());
        });
    }
    group.finish();
}

/// Proves every circuit on `threads` workers, each proving one at a time on a
/// single-thread rayon pool of its own, as `veil batch` does.
fn prove_all(key: &ProverKey, circuits: &[ApprovalCircuit], threads: usize) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for worker in 0..threads {
            let next = &next;
            scope.spawn(move || {
                let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
                let mut rng = ChaCha20Rng::seed_from_u64(100 + worker as u64);
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(c) = circuits.get(i) else { break };
                    pool.install(|| key.prove(c.clone(), &mut rng).unwrap());
                }
            });
        }
    });
}

fn batch(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let (depth, proofs) = if measuring() { (20, 8) } else { (4, 2) };
    let keys: Vec<PrivateKey> = (0..proofs).map(|_| PrivateKey::random(&mut rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    let circuits: Vec<ApprovalCircuit> = (0..proofs)
        .map(|i| {
            let (intent, scope) = (Fr::from(7u64), Fr::from(i as u64));
            ApprovalCircuit::new(depth, &keys[i].secret_scalar(), &set.proof(i).unwrap(), intent, scope).unwrap()
        })
        .collect();
    let key = veil_prover::setup_approval(depth, &mut rng).unwrap();
    let cores = std::thread::available_parallelism().map_or(1, usize::from);

    let mut group = c.benchmark_group(format!("batch/approval_depth_{depth}"));
    group.sample_size(10).measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(proofs as u64));
    let mut counts = vec![1, cores];
    counts.dedup();
    for threads in counts {
        group.bench_with_input(BenchmarkId::new("threads", threads), &threads, |bench, &threads| {
            bench.iter(|| prove_all(&key, &circuits, threads));
        });
    }
    group.finish();
}

criterion_group!(benches, threshold, batch);
criterion_main!(benches);
