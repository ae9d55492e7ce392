//! The full-size statement: a depth-20 Approval proof, proven and verified.

use ark_ff::One;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{
    approval::{self, ApprovalCircuit},
    eddsa::PrivateKey,
    identity,
    lean_imt::LeanImt,
    Fr,
};

#[test]
fn depth_20_approval_proves_and_verifies() {
    let mut rng = ChaCha20Rng::seed_from_u64(2026);
    let keys: Vec<PrivateKey> = (0..37).map(|_| PrivateKey::random(&mut rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    let key = veil_prover::setup_approval(approval::DEFAULT_DEPTH, &mut rng).unwrap();
    let pvk = veil_prover::prepare(key.verifying_key());

    let member = 29;
    let circuit = ApprovalCircuit::new(
        approval::DEFAULT_DEPTH,
        &keys[member].secret_scalar(),
        &set.proof(member).unwrap(),
        Fr::from(0xfeed_u64),
        Fr::from(0xfeed_u64),
    )
    .unwrap();
    let inputs = circuit.public_inputs().unwrap();
    assert_eq!(inputs[approval::ROOT], set.root().unwrap());
    assert_eq!(inputs[approval::NULLIFIER], approval::nullifier(Fr::from(0xfeed_u64), &keys[member].secret_scalar()));

    let proof = veil_prover::prove_approval(&key, circuit, &mut rng).unwrap();
    assert!(veil_prover::verify(&pvk, &inputs, &proof).unwrap());
    for i in 0..approval::NUM_PUBLIC_INPUTS {
        let mut changed = inputs;
        changed[i] += Fr::one();
        assert!(!veil_prover::verify(&pvk, &changed, &proof).unwrap(), "public input {i} changed");
    }
}
