//! Criterion benchmarks of veil's primitives and of the Approval statement.
//!
//! Run with `cargo bench --bench circuits`; pin the thread count with
//! `RAYON_NUM_THREADS=1 cargo bench --bench circuits` to compare single-core figures.
//! Proving groups use a small sample size: one proof takes a noticeable fraction of a second.
//! Under `cargo test --all-targets` (criterion's test mode: no `--bench` argument) each
//! benchmark runs once, at depth 6 only (the set has 64 members), so the test suite stays fast.

use ark_ff::UniformRand;
use ark_groth16::Groth16;
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem};
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{
    approval::{self, ApprovalCircuit},
    eddsa::{self, PrivateKey},
    identity,
    lean_imt::LeanImt,
    poseidon, Fr,
};

fn approval_circuit(depth: usize, rng: &mut ChaCha20Rng) -> ApprovalCircuit {
    let keys: Vec<PrivateKey> = (0..64).map(|_| PrivateKey::random(rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    ApprovalCircuit::new(depth, &keys[17].secret_scalar(), &set.proof(17).unwrap(), Fr::from(1u64), Fr::from(2u64))
        .unwrap()
}

/// The depths of the Approval group: all three when measuring, one small one under `cargo test`.
fn approval_depths() -> Vec<usize> {
    if std::env::args().any(|a| a == "--bench") {
        vec![10, 20, 32]
    } else {
        vec![6]
    }
}

fn native(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let mut group = c.benchmark_group("native");
    let (a, b) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
    group.bench_function("poseidon2", |bench| bench.iter(|| poseidon::hash2(a, b)));
    let key = PrivateKey::random(&mut rng);
    let m = Fr::rand(&mut rng);
    group.bench_function("eddsa_sign", |bench| bench.iter(|| key.sign(m)));
    let (pk, sig) = (key.public_key(), key.sign(m));
    group.bench_function("eddsa_verify", |bench| bench.iter(|| eddsa::verify(&pk, m, &sig)));
    group.finish();
}

fn approval(c: &mut Criterion) {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut group = c.benchmark_group("approval");
    group.sample_size(10);
    for depth in approval_depths() {
        let circuit = approval_circuit(depth, &mut rng);
        group.bench_with_input(BenchmarkId::new("witness", depth), &circuit, |bench, circuit| {
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
        let key = veil_prover::setup_approval(depth, &mut rng).unwrap();
        group.bench_with_input(BenchmarkId::new("prove", depth), &circuit, |bench, circuit| {
            bench.iter_batched(|| circuit.clone(), |c| key.prove(c, &mut rng).unwrap(), BatchSize::SmallInput);
        });
        group.bench_with_input(BenchmarkId::new("prove_stock_ark_groth16", depth), &circuit, |bench, circuit| {
            bench.iter_batched(
                || circuit.clone(),
                |c| Groth16::<ark_bn254::Bn254>::create_random_proof_with_reduction(c, &key.pk, &mut rng).unwrap(),
                BatchSize::SmallInput,
            );
        });
        let bytes = veil_prover::keyfile::to_bytes(&key);
        group.bench_with_input(BenchmarkId::new("load_key", depth), &bytes, |bench, bytes| {
            bench.iter(|| {
                veil_prover::keyfile::from_bytes(bytes, Some(key.shape), veil_prover::keyfile::Check::Fast).unwrap()
            });
        });
        let pvk = veil_prover::prepare(key.verifying_key());
        let inputs = circuit.public_inputs().unwrap();
        let proof = veil_prover::prove_approval(&key, circuit.clone(), &mut ChaCha20Rng::seed_from_u64(2)).unwrap();
        group.bench_with_input(BenchmarkId::new("verify", depth), &proof, |bench, proof| {
            bench.iter(|| veil_prover::verify(&pvk, &inputs, proof).unwrap());
        });
        assert_eq!(inputs.len(), approval::NUM_PUBLIC_INPUTS);
    }
    group.finish();
}

criterion_group!(benches, native, approval);
criterion_main!(benches);
