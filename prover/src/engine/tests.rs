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
        // The same tables with every bucket addition on the scalar path (where the CPU runs
        // the vector kernel, the default above is that one): both byte-identical.
        let scalar = tables.on_scalar_path();
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
                let on_scalar = key.prove_with_tables(&scalar, &z, r, s).unwrap();
                assert_eq!(proof_bytes(&on_scalar), proof_bytes(&stock), "scalar path, budget {budget}, r {r}, s {s}");
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
    // Both transforms: ark-poly's, and the vector kernel's where the CPU has it.
    let paths: &[bool] = if veil_simd::available() { &[false, true] } else { &[false] };
    for &vector in paths {
        assert_eq!(key.witness_map_on(&a.z, vector).unwrap(), ark(&a.z), "vector {vector}");
    }
    // Any changed variable (public or private) breaks some constraint: refused by the
    // witness map, hence by the table prover, with `Unsatisfied` and no fallback.
    for i in (1..a.z.len()).step_by(97).chain([1, a.num_instance, a.z.len() - 1]) {
        let mut bad = a.clone();
        bad.z[i] += Fr::one();
        for &vector in paths {
            assert!(matches!(key.witness_map_on(&bad.z, vector), Err(ProverError::Unsatisfied)), "variable {i}");
        }
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

/// The R1CS of one shape: `(circuit, depth, k_max, policy_depth)` as in [`ShapeId`].
fn shape_r1cs(circuit: CircuitId, depth: usize, k_max: usize, policy_depth: usize) -> R1cs {
    match circuit {
        CircuitId::Approval => R1cs::from_blank(approval_shape(depth).unwrap().1),
        CircuitId::Threshold => R1cs::from_blank(threshold_shape(depth, k_max).unwrap().1),
        CircuitId::Policy => {
            R1cs::from_blank(policy_shape(PolicyShape { max_depth: depth, k_max, policy_depth }).unwrap().1)
        }
    }
    .unwrap()
}

/// The R1CS of every shape a key may be made for is pinned: constraints, instance variables
/// (with the constant 1), witness variables and [`R1cs::shape_hash`] in hex.
///
/// Why: a key from a trusted-setup ceremony is bound to this exact R1CS (its shape hash is
/// in the key file's header, and its queries are the matrices' evaluations at the
/// ceremony's secrets), and a ceremony cannot be rerun as a release step. Any drift, a
/// gadget rewritten, a clause moved, a constraint reordered, or an arkworks upgrade that
/// synthesizes the same statement differently, must fail here first, before it silently
/// invalidates every key already made. A change here is a new statement: it needs a new
/// ceremony (the failure prints the new rows).
#[test]
fn r1cs_of_every_shape_is_pinned() {
    use CircuitId::{Approval, Policy, Threshold};
    /// (circuit, depth, k_max, policy depth, constraints, instance, witness, shape hash)
    type Row = (CircuitId, usize, usize, usize, usize, usize, usize, &'static str);
    const PINNED: [Row; 12] = [
        (Approval, 1, 0, 0, 1_543, 5, 1_542, "89ae4fcea3fe6a6f0bb5d48c8ef98593164e2af444b7c726009c8d8904fe6e26"),
        (Approval, 2, 0, 0, 1_787, 5, 1_787, "6078435bf25c29e83a37e5c6f2932d150bd2e1773b4fb7371260c1edc6dc456d"),
        (Approval, 16, 0, 0, 5_203, 5, 5_217, "8b781ed2260f90ebc9301b28cacf838a928f4e0d9a592da8728ab7a3390ef541"),
        (Approval, 20, 0, 0, 6_179, 5, 6_197, "f38e27dd7e7fed6635d9c074ab5d1dc819652e38a196bc56bbb4f0486a6eaee0"),
        (Approval, 32, 0, 0, 9_107, 5, 9_137, "834e0e17f414fb1cda19fb551011323b40d884266c7f27a01078194e85334d1e"),
        (Threshold, 2, 2, 0, 7_723, 4, 7_722, "d84ab7def18af5cd7e2fc8d0860283e73c3c4a9f774d977a419e9b3a582f37b8"),
        (Threshold, 20, 1, 0, 8_253, 4, 8_270, "6cb4dbeceb883e3d72a36d5819876d10c4722ae6a24d7c700b4fae5532f470f7"),
        (Threshold, 20, 2, 0, 16_507, 4, 16_542, "8420431b38e9fe2ce034c2c54ae5df7ba84c02c3810f122add9c1e59325a3a1e"),
        (Threshold, 20, 8, 0, 66_058, 4, 66_195, "8de8f3b5e57226d49cd01768526d34c86335c32ae255958350515bbe8345487a"),
        (Policy, 1, 1, 1, 5_875, 7, 5_871, "74852969072c915e60ac00cca3902bb083bd40056e2ca1dff92b669225940843"),
        (Policy, 4, 3, 2, 16_076, 7, 16_081, "dba3d51a97ec20ff992348e8df817eb3f646e0441e5150dcc6e6d9ae636abe3d"),
        (Policy, 20, 8, 6, 71_356, 7, 71_503, "42dd3781e020fdaff94fa7448e0fab118e7d0eb5779c02251b2e33134fd8b52b"),
    ];
    let actual: Vec<_> = PINNED
        .par_iter()
        .map(|&(circuit, depth, k_max, policy_depth, ..)| {
            let r1cs = shape_r1cs(circuit, depth, k_max, policy_depth);
            let formula = match circuit {
                Approval => approval::num_constraints(depth),
                Threshold => veil_circuits::threshold::num_constraints(depth, k_max),
                Policy => veil_circuits::policy::num_constraints(PolicyShape { max_depth: depth, k_max, policy_depth }),
            };
            assert_eq!(r1cs.num_constraints(), formula, "{circuit:?} depth {depth} k_max {k_max}: cost formula");
            let hash = hex::encode(r1cs.shape_hash());
            (circuit, depth, k_max, policy_depth, r1cs.num_constraints(), r1cs.num_instance, r1cs.num_witness, hash)
        })
        .collect();
    let changed: Vec<String> = PINNED
        .iter()
        .zip(&actual)
        .filter(|(p, a)| (p.4, p.5, p.6, p.7) != (a.4, a.5, a.6, a.7.as_str()))
        .map(|(_, (c, d, k, p, n, i, w, h))| format!("        ({c:?}, {d}, {k}, {p}, {n}, {i}, {w}, \"{h}\"),"))
        .collect();
    assert!(
        changed.is_empty(),
        "the R1CS changed (a new statement: it needs a new ceremony); now:\n{}",
        changed.join("\n")
    );
}
