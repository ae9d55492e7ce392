use ark_ff::{One, PrimeField, UniformRand, Zero};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::{eddsa::PrivateKey, lean_imt::LeanImt};

/// A set of 11 members; member 6 approves intent 42 under scope 7 at depth `depth`.
struct Fixture {
    tree: LeanImt,
    key: PrivateKey,
    circuit: ApprovalCircuit,
}

fn fixture(depth: usize) -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(51);
    let keys: Vec<PrivateKey> = (0..11).map(|_| PrivateKey::random(&mut rng)).collect();
    let tree = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
    let key = keys[6].clone();
    let proof = tree.proof(6).unwrap();
    let circuit = ApprovalCircuit::new(depth, &key.secret_scalar(), &proof, Fr::from(42u64), Fr::from(7u64)).unwrap();
    Fixture { tree, key, circuit }
}

/// Synthesizes the circuit in prove mode; returns whether every constraint holds.
fn satisfied(circuit: ApprovalCircuit) -> bool {
    violated_clause(circuit).is_none()
}

/// The trace of the first violated constraint (its clause's span and the gadgets inside),
/// or `None` when the circuit is satisfied.
fn violated_clause(circuit: ApprovalCircuit) -> Option<String> {
    // A process-wide subscriber: tracing caches each span's interest globally, so a scoped
    // one (`with_default`) can miss spans while other test threads run without it.
    static LAYER: std::sync::Once = std::sync::Once::new();
    LAYER.call_once(|| {
        use tracing_subscriber::layer::SubscriberExt;
        let subscriber = tracing_subscriber::Registry::default().with(ark_relations::gr1cs::ConstraintLayer::default());
        tracing::subscriber::set_global_default(subscriber).expect("no other global subscriber in the tests");
    });
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    let trace = cs.which_is_unsatisfied().unwrap();
    assert_eq!(trace.is_none(), cs.is_satisfied().unwrap());
    trace
}

/// How many constraints the circuit's witness violates (all of them, not only the first).
fn violations(circuit: ApprovalCircuit) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.finalize();
    let [a, b, c]: [_; 3] =
        cs.to_matrices().unwrap().remove(ark_relations::gr1cs::R1CS_PREDICATE_LABEL).unwrap().try_into().unwrap();
    let z: Vec<Fr> = cs.instance_assignment().unwrap().into_iter().chain(cs.witness_assignment().unwrap()).collect();
    let eval = |row: &[(Fr, usize)]| row.iter().map(|(coeff, i)| *coeff * z[*i]).sum::<Fr>();
    (0..a.len()).filter(|&i| eval(&a[i]) * eval(&b[i]) != eval(&c[i])).count()
}

/// Asserts the circuit is unsatisfied, first in the clause named `clause`.
#[track_caller]
fn assert_violates(circuit: ApprovalCircuit, clause: &str) {
    let trace = violated_clause(circuit).expect("the constraint system must be unsatisfied");
    assert!(trace.contains(&format!("::{clause}")), "expected the clause `{clause}` to fail first, got: {trace}");
}

/// Constraints of the blank circuit, synthesized in setup mode.
fn count(depth: usize) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    ApprovalCircuit::blank(depth).unwrap().generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}

#[test]
fn honest_approval_is_satisfied_at_every_depth_that_fits() {
    for depth in [4, 5, 10, 20] {
        let f = fixture(depth);
        assert_eq!(f.circuit.public_inputs().unwrap()[ROOT], f.tree.root().unwrap());
        assert!(satisfied(f.circuit.clone()), "depth {depth}");
    }
}

#[test]
fn single_member_set_has_root_equal_to_leaf() {
    let mut rng = ChaCha20Rng::seed_from_u64(52);
    let key = PrivateKey::random(&mut rng);
    let tree = LeanImt::from_leaves([identity::commitment(&key.public_key())]);
    let c = ApprovalCircuit::new(1, &key.secret_scalar(), &tree.proof(0).unwrap(), Fr::one(), Fr::one()).unwrap();
    assert!(satisfied(c));
}

#[test]
fn constraint_counts_are_pinned() {
    // 1,299 for the key, commitment and nullifier, 244 per level.
    assert_eq!(count(10), 3_739);
    assert_eq!(count(20), 6_179);
    assert_eq!(count(32), 9_107);
    for d in [1, 10, 20, 32] {
        assert_eq!(count(d), num_constraints(d), "formula at depth {d}");
    }
    assert!(count(DEFAULT_DEPTH) <= 6_431, "circom's Semaphore v4 at depth 20");
}

#[test]
fn unsupported_depths_are_refused() {
    assert_eq!(ApprovalCircuit::blank(0).unwrap_err(), CircuitError::UnsupportedDepth(0));
    assert_eq!(ApprovalCircuit::blank(33).unwrap_err(), CircuitError::UnsupportedDepth(33));
    let f = fixture(4);
    let proof = f.tree.proof(6).unwrap();
    assert_eq!(
        ApprovalCircuit::new(3, &f.key.secret_scalar(), &proof, Fr::one(), Fr::one()).unwrap_err(),
        CircuitError::ProofTooLong { length: 4, max_depth: 3 }
    );
    let other = PrivateKey::from_bytes(b"not a member");
    assert_eq!(
        ApprovalCircuit::new(4, &other.secret_scalar(), &proof, Fr::one(), Fr::one()).unwrap_err(),
        CircuitError::ProofDoesNotMatchRoot
    );
}

// --- Soundness: each clause, one changed value per case -------------------------------

fn l() -> Fr {
    Fr::from_bigint(Fs::MODULUS).unwrap()
}

#[test]
fn secret_at_or_above_l_is_rejected() {
    // A small secret so that s + l < 2^251 fits the bit decomposition exactly: then s + l
    // gives the same A (so the same leaf and root) and a consistent nullifier, and only
    // the clause s < l stands in the way.
    let s = SecretScalar::new(Fs::from(123_456_789u64));
    let tree = LeanImt::from_leaves([Fr::from(5u64), identity::commitment(&s.public_key()), Fr::from(6u64)]);
    let honest = ApprovalCircuit::new(4, &s, &tree.proof(1).unwrap(), Fr::one(), Fr::from(9u64)).unwrap();
    assert!(satisfied(honest.clone()));

    let mut c = honest.clone();
    let twin = s.to_fr() + l();
    c.secret = Some(twin);
    c.nullifier = Some(poseidon::hash2(Fr::from(9u64), twin));
    assert_violates(c, "s < l");

    let mut c = honest.clone();
    c.secret = Some(l());
    c.nullifier = Some(poseidon::hash2(Fr::from(9u64), l()));
    assert_violates(c, "s < l");

    let mut c = honest;
    c.secret = Some(s.to_fr() + l());
    assert_violates(c, "s < l");
}

#[test]
fn zero_secret_is_refused_natively_and_rejected_in_circuit() {
    // The secret 0: its key is the identity O = (0, 1), whose secret everybody knows.
    let zero = SecretScalar::new(Fs::zero());
    let o = zero.public_key();
    assert_eq!((o.x, o.y), (Fr::zero(), Fr::one()));
    assert_eq!(identity::commitment(&o), poseidon::hash2(Fr::zero(), Fr::one()));
    let scope = Fr::from(9u64);
    // A set that (wrongly) contains O's commitment beside an honest member.
    let member = SecretScalar::new(Fs::from(123_456_789u64));
    let tree = LeanImt::from_leaves([identity::commitment(&member.public_key()), identity::commitment(&o)]);
    let honest = ApprovalCircuit::new(4, &member, &tree.proof(0).unwrap(), Fr::one(), scope).unwrap();
    assert!(satisfied(honest.clone()));
    assert_eq!(violations(honest), 0);

    // The constructor refuses the secret 0 before looking at the proof.
    let proof = tree.proof(1).unwrap();
    assert_eq!(ApprovalCircuit::new(4, &zero, &proof, Fr::one(), scope).unwrap_err(), CircuitError::ZeroSecret);

    // Bypassing it: every value as the constructor would compute it for s = 0, so the leaf,
    // root and nullifier all match and only A ≠ O stands in the way.
    let c = ApprovalCircuit {
        max_depth: 4,
        secret: Some(Fr::zero()),
        path: Some(PathWitness::from(&MerklePath::pad(&proof, 4).unwrap())),
        root: Some(proof.root),
        nullifier: Some(poseidon::hash2(scope, Fr::zero())),
        intent: Some(Fr::one()),
        scope: Some(scope),
    };
    assert_violates(c.clone(), "A ≠ O");
    assert_eq!(violations(c), 1, "A ≠ O is the only violated constraint");
}

#[test]
fn another_secret_is_rejected() {
    let mut c = fixture(5).circuit;
    c.secret = Some(c.secret.unwrap() + Fr::one());
    assert_violates(c, "root = MerkleRoot(leaf, path)");
}

#[test]
fn index_bit_set_to_two_is_rejected() {
    let mut c = fixture(5).circuit;
    c.path.as_mut().unwrap().index_bits[0] = Fr::from(2u64);
    assert_violates(c, "path: flags and index bits");
}

#[test]
fn index_bit_above_the_length_is_rejected() {
    let mut c = fixture(6).circuit;
    let p = c.path.as_mut().unwrap();
    let length = p.active.iter().filter(|a| a.is_one()).count();
    assert_eq!(length, 4);
    p.index_bits[length] = Fr::one();
    assert_violates(c, "path: flags and index bits");
}

#[test]
fn flipped_index_bit_is_rejected() {
    let mut c = fixture(5).circuit;
    let b = &mut c.path.as_mut().unwrap().index_bits[1];
    *b = Fr::one() - *b;
    assert_violates(c, "root = MerkleRoot(leaf, path)");
}

#[test]
fn wrong_sibling_is_rejected() {
    for level in 0..4 {
        let mut c = fixture(5).circuit;
        c.path.as_mut().unwrap().siblings[level] += Fr::one();
        assert_violates(c, "root = MerkleRoot(leaf, path)");
    }
}

#[test]
fn path_of_the_wrong_depth_is_refused_without_panicking() {
    let mut c = fixture(5).circuit;
    c.path.as_mut().unwrap().siblings.pop();
    let cs = ConstraintSystem::<Fr>::new_ref();
    assert_eq!(c.generate_constraints(cs), Err(ark_relations::gr1cs::SynthesisError::Unsatisfiable));
}

#[test]
fn padded_sibling_cannot_change_anything() {
    let mut c = fixture(6).circuit;
    c.path.as_mut().unwrap().siblings[5] = Fr::from(999u64);
    assert!(satisfied(c), "levels above the length are carried, not hashed");
}

#[test]
fn shorter_or_longer_length_is_rejected() {
    let mut c = fixture(6).circuit;
    c.path.as_mut().unwrap().active[3] = Fr::zero();
    assert_violates(c, "root = MerkleRoot(leaf, path)");
    let mut c = fixture(6).circuit;
    c.path.as_mut().unwrap().active[4] = Fr::one();
    assert_violates(c, "root = MerkleRoot(leaf, path)");
}

#[test]
fn non_member_is_rejected() {
    let f = fixture(5);
    let outsider = PrivateKey::from_bytes(b"outsider");
    let mut c = f.circuit.clone();
    c.secret = Some(outsider.secret_scalar().to_fr());
    c.nullifier = Some(nullifier(Fr::from(7u64), &outsider.secret_scalar()));
    assert_violates(c, "root = MerkleRoot(leaf, path)");
}

#[test]
fn wrong_root_is_rejected() {
    let mut c = fixture(5).circuit;
    c.root = Some(c.root.unwrap() + Fr::one());
    assert_violates(c, "root = MerkleRoot(leaf, path)");
}

#[test]
fn nullifier_from_another_scope_is_rejected() {
    let f = fixture(5);
    let mut c = f.circuit.clone();
    c.nullifier = Some(nullifier(Fr::from(8u64), &f.key.secret_scalar()));
    assert_violates(c, "nullifier = Poseidon(scope, s)");
    let mut c = f.circuit.clone();
    c.scope = Some(Fr::from(8u64));
    assert_violates(c, "nullifier = Poseidon(scope, s)");
}

#[test]
fn intent_is_bound_by_the_proof() {
    use ark_groth16::Groth16;
    use ark_snark::SNARK;
    let mut rng = ChaCha20Rng::seed_from_u64(53);
    let f = fixture(4);
    let (pk, vk) =
        Groth16::<ark_bn254::Bn254>::circuit_specific_setup(ApprovalCircuit::blank(4).unwrap(), &mut rng).unwrap();
    let inputs = f.circuit.public_inputs().unwrap();
    let proof = Groth16::<ark_bn254::Bn254>::prove(&pk, f.circuit.clone(), &mut rng).unwrap();
    assert!(Groth16::<ark_bn254::Bn254>::verify(&vk, &inputs, &proof).unwrap());
    for (i, name) in ["root", "nullifier", "intent", "scope"].iter().enumerate() {
        let mut changed = inputs;
        changed[i] += Fr::one();
        assert!(!Groth16::<ark_bn254::Bn254>::verify(&vk, &changed, &proof).unwrap(), "{name} changed");
    }
    let mut another = inputs;
    another[INTENT] = Fr::rand(&mut rng);
    assert!(!Groth16::<ark_bn254::Bn254>::verify(&vk, &another, &proof).unwrap());
}

#[test]
fn debug_hides_the_secret() {
    let f = fixture(4);
    let shown = format!("{:?}", f.circuit);
    assert!(!shown.contains(&f.key.secret_scalar().to_fr().to_string()));
    assert!(shown.contains("max_depth"));
}
