use ark_ff::One;
use ark_groth16::r1cs_to_qap::R1CSToQAP;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use veil_circuits::{approval, eddsa::PrivateKey, identity, lean_imt::LeanImt};

use super::*;

fn member_circuit(depth: usize, rng: &mut ChaCha20Rng) -> ApprovalCircuit {
    let keys: Vec<PrivateKey> = (0..5).map(|_| PrivateKey::random(rng)).collect();
    let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    ApprovalCircuit::new(depth, &keys[3].secret_scalar(), &set.proof(3).unwrap(), Fr::from(9u64), Fr::from(10u64))
        .unwrap()
}

#[test]
fn matrices_once_prover_matches_the_stock_prover() {
    let mut rng = ChaCha20Rng::seed_from_u64(71);
    let (shape, blank) = approval_shape(4).unwrap();
    let key = ProverKey::setup(shape, blank, &mut rng).unwrap();
    assert_eq!(key.r1cs.num_constraints(), approval::num_constraints(4));
    let pvk = crate::prepare(key.verifying_key());
    let circuit = member_circuit(4, &mut rng);
    let inputs = circuit.public_inputs().unwrap();

    let ours = key.prove(circuit.clone(), &mut rng).unwrap();
    assert!(crate::verify(&pvk, &inputs, &ours).unwrap());
    let stock =
        Groth16::<Bn254, LibsnarkReduction>::create_random_proof_with_reduction(circuit, &key.pk, &mut rng).unwrap();
    assert!(crate::verify(&pvk, &inputs, &stock).unwrap());
    let mut changed = inputs;
    changed[approval::INTENT] += Fr::one();
    assert!(!crate::verify(&pvk, &changed, &ours).unwrap());
}

fn proof_bytes(proof: &Proof) -> Vec<u8> {
    use ark_serialize::CanonicalSerialize;
    let mut bytes = Vec::new();
    proof.serialize_uncompressed(&mut bytes).unwrap();
    bytes
}

#[test]
fn table_prover_is_byte_identical_to_ark_groth16() {
    let mut rng = ChaCha20Rng::seed_from_u64(73);
    let (shape, blank) = approval_shape(4).unwrap();
    let mut key = ProverKey::setup(shape, blank, &mut rng).unwrap();
    let pvk = crate::prepare(key.verifying_key());
    // Several budgets, so several window widths, including the widest.
    for budget in [MsmTables::DEFAULT_BUDGET, 1 << 20, 0] {
        key.build_tables(budget);
        let tables = key.tables.clone().unwrap();
        for _ in 0..2 {
            let circuit = member_circuit(4, &mut rng);
            let inputs = circuit.public_inputs().unwrap();
            let z = key.checked_assignment(circuit.clone()).unwrap();
            let mut randomness = vec![(Fr::zero(), Fr::zero()), (Fr::zero(), Fr::one()), (-Fr::one(), Fr::zero())];
            randomness.push((Fr::rand(&mut rng), Fr::rand(&mut rng)));
            for (r, s) in randomness {
                let stock = key.prove_assignment_stock(&z, r, s).unwrap();
                let ours = key.prove_with_tables(&tables, &z, r, s).unwrap();
                assert_eq!(proof_bytes(&ours), proof_bytes(&stock), "budget {budget}, r {r}, s {s}");
                assert!(crate::verify(&pvk, &inputs, &ours).unwrap());
            }
            let proof = key.prove(circuit, &mut rng).unwrap();
            assert!(crate::verify(&pvk, &inputs, &proof).unwrap());
        }
    }
    assert!(key.tables.as_ref().unwrap().size_bytes() > 0);
}

#[test]
fn witness_map_is_ark_groth16s_and_checks_every_constraint() {
    let mut rng = ChaCha20Rng::seed_from_u64(75);
    let (shape, blank) = approval_shape(3).unwrap();
    let mut key = ProverKey::setup(shape, blank, &mut rng).unwrap();
    key.build_tables(1 << 20);
    let circuit = member_circuit(3, &mut rng);
    let a = Assignment::synthesize(circuit).unwrap();
    let ark = |z: &[Fr]| {
        LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
            &key.r1cs.rows()[..],
            key.r1cs.num_instance,
            key.r1cs.num_constraints(),
            z,
        )
        .unwrap()
    };
    assert_eq!(key.witness_map(&a.z).unwrap(), ark(&a.z));
    // Any changed variable (public or private) breaks some constraint: refused by the
    // witness map, hence by the table prover, with `Unsatisfied` and no fallback.
    for i in (1..a.z.len()).step_by(97).chain([1, a.num_instance, a.z.len() - 1]) {
        let mut bad = a.clone();
        bad.z[i] += Fr::one();
        assert!(matches!(key.witness_map(&bad.z), Err(ProverError::Unsatisfied)), "variable {i}");
        assert!(key.r1cs.first_unsatisfied(&bad.z).is_some(), "variable {i}");
        assert!(matches!(key.prove_assignment(&bad, &mut rng), Err(ProverError::Unsatisfied)), "variable {i}");
    }
}

/// Per-query timings, fixed-base against ark-ec; `cargo test -p veil-prover --release
/// msm_timings -- --ignored --nocapture`.
#[test]
#[ignore = "timing report"]
fn msm_timings() {
    use ark_ec::VariableBaseMSM;
    let depth = std::env::var("VEIL_DEPTH").map_or(20, |d| d.parse().unwrap());
    let k_max: usize = std::env::var("VEIL_K_MAX").map_or(0, |d| d.parse().unwrap());
    let mut rng = ChaCha20Rng::seed_from_u64(74);
    let (mut key, z) = if k_max == 0 {
        let (shape, blank) = approval_shape(depth).unwrap();
        let key = ProverKey::setup(shape, blank, &mut rng).unwrap();
        let z = key.checked_assignment(member_circuit(depth, &mut rng)).unwrap();
        (key, z)
    } else {
        let (shape, blank) = threshold_shape(depth, k_max).unwrap();
        let key = ProverKey::setup(shape, blank, &mut rng).unwrap();
        let keys: Vec<PrivateKey> = (0..k_max).map(|_| PrivateKey::random(&mut rng)).collect();
        let set = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
        let intent = Fr::from(7u64);
        let signers: Vec<_> =
            (0..k_max / 2 + 1).map(|i| (keys[i].public_key(), keys[i].sign(intent), set.proof(i).unwrap())).collect();
        let circuit = ThresholdCircuit::new(depth, k_max, set.root().unwrap(), intent, &signers).unwrap();
        let z = key.checked_assignment(circuit).unwrap();
        (key, z)
    };
    key.build_tables(MsmTables::DEFAULT_BUDGET);
    let t = key.tables.clone().unwrap();
    let start = std::time::Instant::now();
    let _ = key.prove_assignment_stock(&z, Fr::one(), Fr::one()).unwrap();
    eprintln!("whole stock proof from the assignment: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    let start = std::time::Instant::now();
    let _ = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
        &key.r1cs.rows()[..],
        key.r1cs.num_instance,
        key.r1cs.num_constraints(),
        &z,
    )
    .unwrap();
    eprintln!("witness map: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    let start = std::time::Instant::now();
    let _ = key.prove_with_tables(&t, &z, Fr::one(), Fr::one()).unwrap();
    eprintln!("whole table proof from the assignment: {:.1} ms", start.elapsed().as_secs_f64() * 1e3);
    let h = LibsnarkReduction::witness_map_from_matrices::<Fr, GeneralEvaluationDomain<Fr>>(
        &key.r1cs.rows()[..],
        key.r1cs.num_instance,
        key.r1cs.num_constraints(),
        &z,
    )
    .unwrap();
    let assignment: Vec<_> = z[1..].iter().map(|x| x.into_bigint()).collect();
    let hb: Vec<_> = h.iter().map(|x| x.into_bigint()).collect();
    let aux = &assignment[key.r1cs.num_instance - 1..];
    let small = assignment.iter().filter(|x| x.num_bits() <= 16).count();
    eprintln!("assignment {} ({} below 2^16), h {}", assignment.len(), small, h.len());
    let time = |name: &str, f: &dyn Fn()| {
        let start = std::time::Instant::now();
        for _ in 0..5 {
            f();
        }
        eprintln!("{name}: {:.2} ms", start.elapsed().as_secs_f64() * 200.0);
    };
    use ark_ff::BigInteger;
    let pk = &key.pk;
    time("a stock", &|| {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&pk.a_query[1..], &assignment));
    });
    time("a fixed", &|| {
        let _ = std::hint::black_box(t.a.msm_bigint(&assignment));
    });
    time("b1 stock", &|| {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&pk.b_g1_query[1..], &assignment));
    });
    time("b1 fixed", &|| {
        let _ = std::hint::black_box(t.b_g1.msm_bigint(&assignment));
    });
    time("b2 stock", &|| {
        let _ = std::hint::black_box(G2Projective::msm_bigint(&pk.b_g2_query[1..], &assignment));
    });
    time("b2 fixed", &|| {
        let _ = std::hint::black_box(t.b_g2.msm_bigint(&assignment));
    });
    time("h stock", &|| {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&pk.h_query, &hb));
    });
    time("h fixed", &|| {
        let _ = std::hint::black_box(t.h.msm_bigint(&hb));
    });
    time("l stock", &|| {
        let _ = std::hint::black_box(G1Projective::msm_bigint(&pk.l_query, aux));
    });
    time("l fixed", &|| {
        let _ = std::hint::black_box(t.l.msm_bigint(aux));
    });
    eprintln!("{:?}", t);
}

#[test]
fn a_bad_witness_is_refused_before_proving() {
    let mut rng = ChaCha20Rng::seed_from_u64(72);
    let (shape, blank) = approval_shape(4).unwrap();
    let key = ProverKey::setup(shape, blank, &mut rng).unwrap();
    let mut circuit = member_circuit(4, &mut rng);
    circuit.nullifier = Some(Fr::one());
    assert!(matches!(key.prove(circuit, &mut rng), Err(ProverError::Unsatisfied)));
    let other_depth = member_circuit(5, &mut rng);
    assert!(matches!(key.prove(other_depth, &mut rng), Err(ProverError::ShapeMismatch { .. })));
    assert!(matches!(key.prove(ApprovalCircuit::blank(4).unwrap(), &mut rng), Err(ProverError::MissingWitness)));
    let mut key = key;
    key.build_tables(MsmTables::DEFAULT_BUDGET);
    let mut circuit = member_circuit(4, &mut rng);
    circuit.nullifier = Some(Fr::one());
    assert!(matches!(key.prove(circuit, &mut rng), Err(ProverError::Unsatisfied)));
}

#[test]
fn shape_hash_distinguishes_depths_and_is_stable() {
    let h4 = R1cs::from_blank(ApprovalCircuit::blank(4).unwrap()).unwrap().shape_hash();
    assert_eq!(h4, R1cs::from_blank(ApprovalCircuit::blank(4).unwrap()).unwrap().shape_hash());
    assert_ne!(h4, R1cs::from_blank(ApprovalCircuit::blank(5).unwrap()).unwrap().shape_hash());
}
