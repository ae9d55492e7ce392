use ark_ff::{BigInteger, PrimeField, UniformRand};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar, GR1CSVar};
use ark_relations::gr1cs::ConstraintSystem;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::{
    constraints::{num_constraints, PoseidonGadget},
    hash, MAX_INPUTS,
};
use crate::{test_vectors, Fr};

#[test]
fn design_anchor_vector() {
    // DESIGN §2 quotes circomlibjs: poseidon([1, 2]).
    let out = hash(&[Fr::from(1u64), Fr::from(2u64)]);
    let hex: String = out.into_bigint().to_bytes_be().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189a");
}

#[test]
fn matches_circomlibjs_vectors() {
    let file = test_vectors::load("poseidon");
    let mut widths = [0usize; MAX_INPUTS + 1];
    for v in test_vectors::vectors(&file) {
        let inputs = test_vectors::frs(&v["inputs"]);
        let expected = test_vectors::fr(&v["output"]);
        assert_eq!(hash(&inputs), expected, "native Poseidon({:?})", v["inputs"]);

        let cs = ConstraintSystem::<Fr>::new_ref();
        let vars: Vec<_> = inputs.iter().map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap()).collect();
        let out = PoseidonGadget::hash(cs.clone(), &vars).unwrap();
        assert_eq!(out.value().unwrap(), expected, "gadget Poseidon({:?})", v["inputs"]);
        assert!(cs.is_satisfied().unwrap());
        widths[inputs.len()] += 1;
    }
    for (n, &count) in widths.iter().enumerate().skip(1) {
        let needed = if n <= 6 { 5 } else { 3 };
        assert!(count >= needed, "only {count} vectors for width {n}");
    }
}

#[test]
fn gadget_matches_native_on_random_inputs() {
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    for n in 1..=MAX_INPUTS {
        for _ in 0..3 {
            let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<_> = inputs.iter().map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap()).collect();
            let out = PoseidonGadget::hash(cs.clone(), &vars).unwrap();
            assert_eq!(out.value().unwrap(), hash(&inputs));
            assert!(cs.is_satisfied().unwrap());
            assert_eq!(cs.num_constraints(), num_constraints(n), "constraints of Poseidon({n})");
        }
    }
}

#[test]
fn constraint_counts_are_pinned() {
    assert_eq!(num_constraints(2), 240);
    assert_eq!(num_constraints(5), 321);
}

#[test]
fn gadget_rejects_a_wrong_output() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let inputs = [Fr::rand(&mut rng), Fr::rand(&mut rng)];
    let cs = ConstraintSystem::<Fr>::new_ref();
    let vars: Vec<_> = inputs.iter().map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap()).collect();
    let out = PoseidonGadget::hash(cs.clone(), &vars).unwrap();
    let claimed = FpVar::new_input(cs.clone(), || Ok(hash(&inputs) + Fr::from(1u64))).unwrap();
    ark_r1cs_std::eq::EqGadget::enforce_equal(&out, &claimed).unwrap();
    assert!(!cs.is_satisfied().unwrap());
}

#[test]
#[should_panic(expected = "Poseidon takes 1 to 16 inputs, got 0")]
fn zero_inputs_are_refused() {
    let _ = hash(&[]);
}
