use ark_ff::{One, PrimeField, Zero};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode};
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;

use super::*;
use crate::{eddsa::PrivateKey, lean_imt::LeanImt};

/// The maximum depth of the test circuits (the fixture's tree has depth 3: padding is used).
const DEPTH: usize = 4;

/// Seven members; leaf 7 holds member 0's key a second time.
struct Fixture {
    keys: Vec<PrivateKey>,
    tree: LeanImt,
    intent: Fr,
}

/// The key at each leaf of the fixture's tree.
const OWNER: [usize; 8] = [0, 1, 2, 3, 4, 5, 6, 0];

fn fixture() -> Fixture {
    let mut rng = ChaCha20Rng::seed_from_u64(61);
    let keys: Vec<PrivateKey> = (0..7).map(|_| PrivateKey::random(&mut rng)).collect();
    let tree = LeanImt::from_leaves(OWNER.iter().map(|&o| identity::commitment(&keys[o].public_key())));
    Fixture { keys, tree, intent: Fr::from(42u64) }
}

impl Fixture {
    fn root(&self) -> Fr {
        self.tree.root().unwrap()
    }

    /// The member at `leaf`, signing the fixture's intent.
    fn signer(&self, leaf: usize) -> (Point, Signature, MerkleProof) {
        let key = &self.keys[OWNER[leaf]];
        (key.public_key(), key.sign(self.intent), self.tree.proof(leaf).unwrap())
    }

    fn circuit(&self, k_max: usize, leaves: &[usize]) -> ThresholdCircuit {
        let signers: Vec<_> = leaves.iter().map(|&l| self.signer(l)).collect();
        ThresholdCircuit::new(DEPTH, k_max, self.root(), self.intent, &signers).unwrap()
    }
}

/// Synthesizes the circuit in prove mode; whether every constraint holds.
fn satisfied(circuit: ThresholdCircuit) -> bool {
    let cs = ConstraintSystem::<Fr>::new_ref();
    circuit.generate_constraints(cs.clone()).unwrap();
    cs.is_satisfied().unwrap()
}

#[track_caller]
fn assert_unsatisfied(circuit: ThresholdCircuit, what: &str) {
    assert!(!satisfied(circuit), "{what}: the constraint system must be unsatisfied");
}

/// Constraints of the blank circuit, synthesized in setup mode.
fn count(depth: usize, k_max: usize) -> usize {
    let cs = ConstraintSystem::<Fr>::new_ref();
    cs.set_optimization_goal(OptimizationGoal::Constraints);
    cs.set_mode(SynthesisMode::Setup);
    ThresholdCircuit::blank(depth, k_max).unwrap().generate_constraints(cs.clone()).unwrap();
    cs.num_constraints()
}

fn slots(c: &mut ThresholdCircuit) -> &mut Vec<SlotWitness> {
    c.slots.as_mut().unwrap()
}

fn l() -> Fr {
    Fr::from_bigint(Fs::MODULUS).unwrap()
}

// --- Completeness ---------------------------------------------------------------------

#[test]
fn one_of_one_is_satisfied() {
    let f = fixture();
    let c = f.circuit(1, &[3]);
    assert_eq!(c.public_inputs().unwrap(), [f.root(), f.intent, Fr::one()]);
    assert!(satisfied(c));
}

#[test]
fn two_of_three_is_satisfied() {
    let f = fixture();
    let c = f.circuit(3, &[5, 1]);
    assert_eq!(c.public_inputs().unwrap()[K], Fr::from(2u64));
    let s = c.slots.as_ref().unwrap();
    assert!(s[0].enabled && s[1].enabled && !s[2].enabled);
    assert_eq!(s[2], SlotWitness::dummy(DEPTH));
    assert!(satisfied(c));
}

#[test]
fn k_equal_to_k_max_is_satisfied() {
    let f = fixture();
    let c = f.circuit(4, &[0, 6, 2, 4]);
    assert_eq!(c.public_inputs().unwrap()[K], Fr::from(4u64));
    assert!(satisfied(c));
}

#[test]
fn a_key_held_twice_in_the_set_signs_once_from_either_leaf() {
    let f = fixture();
    assert!(satisfied(f.circuit(2, &[7, 3])));
    assert!(satisfied(f.circuit(2, &[0, 3])));
}

#[test]
fn signers_are_sorted_by_commitment_whatever_their_order() {
    let f = fixture();
    let a = f.circuit(3, &[1, 5, 2]);
    let b = f.circuit(3, &[2, 1, 5]);
    assert_eq!(a.slots, b.slots);
    let leaves: Vec<_> =
        a.slots.as_ref().unwrap().iter().map(|s| identity::commitment(&s.public_key()).into_bigint()).collect();
    assert!(leaves.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn garbage_in_a_disabled_slot_changes_nothing() {
    // Disabled slots are free: another key, a signature on another intent by someone else,
    // a path with flags set into another tree. Only the unconditional checks (on-curve,
    // S < l, the path's flags) bind them, and garbage can satisfy those.
    let f = fixture();
    let mut rng = ChaCha20Rng::seed_from_u64(62);
    let stranger = PrivateKey::random(&mut rng);
    let other_tree = LeanImt::from_leaves((1..=5u64).map(Fr::from));
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c)[2] = SlotWitness {
        enabled: false,
        key_eighth: stranger.public_key(),
        signature: f.keys[3].sign(Fr::from(7u64)),
        path: PathWitness::from(&MerklePath::pad(&other_tree.proof(4).unwrap(), DEPTH).unwrap()),
    };
    assert!(satisfied(c));
}

#[test]
fn the_identity_key_is_refused_even_in_a_disabled_slot() {
    // A ≠ O holds in every slot: the signature check's multiplication relies on it. The
    // dummy's key, 8·Base8, satisfies it.
    let f = fixture();
    let c = f.circuit(2, &[1]);
    assert_eq!(slots(&mut c.clone())[1], SlotWitness::dummy(DEPTH));
    assert!(satisfied(c.clone()));
    for key_eighth in [Point::new_unchecked(Fr::zero(), Fr::one()), Point::new_unchecked(Fr::zero(), -Fr::one())] {
        let mut c = c.clone();
        slots(&mut c)[1].key_eighth = key_eighth;
        assert_unsatisfied(c, "A = O in a disabled slot");
    }
}

// --- Constructor ----------------------------------------------------------------------

#[test]
fn constructor_refuses_bad_signers() {
    let f = fixture();
    let root = f.root();
    let new = |signers: &[(Point, Signature, MerkleProof)]| {
        ThresholdCircuit::new(DEPTH, 3, root, f.intent, signers).unwrap_err()
    };
    assert_eq!(new(&[]), ThresholdError::NoSigners);
    assert_eq!(
        new(&[f.signer(0), f.signer(1), f.signer(2), f.signer(3)]),
        ThresholdError::TooManySigners { signers: 4, k_max: 3 }
    );
    // the same signer twice, and the same key from its two leaves
    assert_eq!(new(&[f.signer(1), f.signer(2), f.signer(1)]), ThresholdError::DuplicateSigner { first: 0, second: 2 });
    assert_eq!(new(&[f.signer(7), f.signer(0)]), ThresholdError::DuplicateSigner { first: 0, second: 1 });
    // a signature on another intent
    let mut s = f.signer(2);
    s.1 = f.keys[2].sign(f.intent + Fr::one());
    assert_eq!(new(&[f.signer(1), s]), ThresholdError::InvalidSignature { index: 1 });
    // a non-member with a member's proof
    let outsider = PrivateKey::from_bytes(b"outsider");
    let s = (outsider.public_key(), outsider.sign(f.intent), f.tree.proof(2).unwrap());
    assert_eq!(new(&[s]), ThresholdError::Signer { index: 0, source: CircuitError::ProofDoesNotMatchRoot });
    // a proof under another root
    assert_eq!(
        ThresholdCircuit::new(DEPTH, 3, root + Fr::one(), f.intent, &[f.signer(1)]).unwrap_err(),
        ThresholdError::Signer { index: 0, source: CircuitError::ProofDoesNotMatchRoot }
    );
    // a proof longer than the depth
    assert_eq!(
        ThresholdCircuit::new(2, 3, root, f.intent, &[f.signer(1)]).unwrap_err(),
        ThresholdError::Signer { index: 0, source: CircuitError::ProofTooLong { length: 3, max_depth: 2 } }
    );
    // small-order keys: the identity and the point of order 2
    let (o, t2) = (Point::new_unchecked(Fr::zero(), Fr::one()), Point::new_unchecked(Fr::zero(), -Fr::one()));
    let forged = forged_for_small_order_keys();
    let proof = f.tree.proof(0).unwrap();
    assert_eq!(new(&[(o, forged, proof.clone())]), ThresholdError::IdentityKey { index: 0 });
    assert!(matches!(
        new(&[(t2, forged, proof)]),
        ThresholdError::Signer { index: 0, source: CircuitError::NotInSubgroup { .. } }
    ));
}

#[test]
fn unsupported_shapes_are_refused() {
    assert_eq!(ThresholdCircuit::blank(0, 2).unwrap_err(), ThresholdError::Circuit(CircuitError::UnsupportedDepth(0)));
    assert_eq!(
        ThresholdCircuit::blank(33, 2).unwrap_err(),
        ThresholdError::Circuit(CircuitError::UnsupportedDepth(33))
    );
    assert_eq!(ThresholdCircuit::blank(4, 0).unwrap_err(), ThresholdError::UnsupportedKMax(0));
    assert_eq!(ThresholdCircuit::blank(4, MAX_SLOTS + 1).unwrap_err(), ThresholdError::UnsupportedKMax(MAX_SLOTS + 1));
}

#[test]
fn malformed_witnesses_are_refused_without_panicking() {
    let f = fixture();
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c).pop();
    assert_eq!(c.generate_constraints(ConstraintSystem::new_ref()), Err(SynthesisError::Unsatisfiable));
    // slot 0 is enabled by construction (k ≥ 1)
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c)[0].enabled = false;
    assert_eq!(c.generate_constraints(ConstraintSystem::new_ref()), Err(SynthesisError::Unsatisfiable));
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c)[1].path.siblings.pop();
    assert_eq!(c.generate_constraints(ConstraintSystem::new_ref()), Err(SynthesisError::Unsatisfiable));
}

// --- Soundness: one changed value per case ---------------------------------------------

#[test]
fn forged_signature_is_rejected() {
    let f = fixture();
    for slot in 0..2 {
        let mut c = f.circuit(3, &[1, 2]);
        slots(&mut c)[slot].signature.s += Fr::one();
        assert_unsatisfied(c, "S + 1");
        let mut c = f.circuit(3, &[1, 2]);
        let r8 = &mut slots(&mut c)[slot].signature.r8;
        *r8 = (*r8 + BASE8).into();
        assert_unsatisfied(c, "R8 + Base8");
    }
}

#[test]
fn signature_on_another_intent_is_rejected() {
    let f = fixture();
    let mut c = f.circuit(3, &[1, 2]);
    let key = OWNER[2];
    let slot = slots(&mut c).iter().position(|s| s.public_key() == f.keys[key].public_key()).unwrap();
    slots(&mut c)[slot].signature = f.keys[key].sign(f.intent + Fr::one());
    assert_unsatisfied(c, "signature on another intent");
    // the same proof under another public intent
    let mut c = f.circuit(3, &[1, 2]);
    c.intent = Some(f.intent + Fr::one());
    assert_unsatisfied(c, "another public intent");
}

#[test]
fn member_not_in_the_set_is_rejected() {
    let f = fixture();
    let outsider = PrivateKey::from_bytes(b"outsider");
    for slot in 0..2 {
        let mut c = f.circuit(3, &[1, 2]);
        let s = &mut slots(&mut c)[slot];
        s.key_eighth = eighth(&outsider.public_key());
        s.signature = outsider.sign(f.intent);
        assert_unsatisfied(c, "outsider with a member's path");
    }
    let mut c = f.circuit(3, &[1, 2]);
    c.root = Some(f.root() + Fr::one());
    assert_unsatisfied(c, "another root");
}

#[test]
fn the_same_slot_twice_is_rejected() {
    let f = fixture();
    let mut c = f.circuit(3, &[1, 2]);
    let first = slots(&mut c)[0].clone();
    slots(&mut c)[1] = first;
    assert_unsatisfied(c, "slot 0 copied into slot 1");
    // and in the last slot, with k = K_MAX
    let mut c = f.circuit(3, &[1, 2, 3]);
    let first = slots(&mut c)[0].clone();
    slots(&mut c)[2] = first;
    assert_unsatisfied(c, "slot 0 copied into slot 2");
}

#[test]
fn the_same_key_at_two_leaves_counts_once() {
    let f = fixture();
    let mut c = f.circuit(2, &[0, 3]);
    // replace member 3 by member 0's second leaf (7): a valid signature, a valid path
    let pos = slots(&mut c).iter().position(|s| s.public_key() == f.keys[3].public_key()).unwrap();
    let (a, sig, proof) = f.signer(7);
    slots(&mut c)[pos] = SlotWitness::enabled(&a, sig, &MerklePath::pad(&proof, DEPTH).unwrap());
    assert_unsatisfied(c, "key 0 from leaves 0 and 7");
}

#[test]
fn k_minus_one_signatures_claimed_as_k_are_rejected() {
    let f = fixture();
    let mut c = f.circuit(3, &[1, 2]);
    c.k = Some(Fr::from(3u64));
    assert_unsatisfied(c, "2 enabled, k = 3");
    // enabling the dummy slot to make the count: it has no valid signature or path
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c)[2].enabled = true;
    c.k = Some(Fr::from(3u64));
    assert_unsatisfied(c, "dummy enabled");
}

#[test]
fn garbage_in_a_slot_cannot_count() {
    // A stranger's key with a valid signature on the intent, and a path into another tree.
    let f = fixture();
    let stranger = PrivateKey::from_bytes(b"stranger");
    let other_tree = LeanImt::from_leaves([identity::commitment(&stranger.public_key()), Fr::from(9u64)]);
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c)[2] = SlotWitness::enabled(
        &stranger.public_key(),
        stranger.sign(f.intent),
        &MerklePath::pad(&other_tree.proof(0).unwrap(), DEPTH).unwrap(),
    );
    c.k = Some(Fr::from(3u64));
    assert_unsatisfied(c, "garbage enabled");
}

#[test]
fn public_k_must_equal_the_enabled_slots() {
    let f = fixture();
    for k in [0u64, 1, 3, 4] {
        let mut c = f.circuit(3, &[1, 2]);
        c.k = Some(Fr::from(k));
        assert_unsatisfied(c, &format!("2 enabled, k = {k}"));
    }
    let mut c = f.circuit(3, &[1, 2]);
    c.k = Some(Fr::from(2u64) + l());
    assert_unsatisfied(c, "k + l");
    let mut c = f.circuit(3, &[1, 2]);
    c.k = Some(-Fr::one());
    assert_unsatisfied(c, "k = −1");
}

#[test]
fn an_enabled_slot_after_a_disabled_one_is_rejected() {
    // [s0, dummy, s1] with e = [1, 0, 1]: every other clause holds.
    let f = fixture();
    let mut c = f.circuit(3, &[1, 2]);
    slots(&mut c).swap(1, 2);
    assert_unsatisfied(c, "gap in the enabled prefix");
}

#[test]
fn unsorted_slots_are_accepted() {
    // Distinctness is pairwise, not by order: the order of the enabled slots is free, and
    // only the constructor sorts (so that the witness does not depend on arrival order).
    let f = fixture();
    let mut c = f.circuit(3, &[1, 2, 3]);
    slots(&mut c).swap(0, 2);
    assert!(satisfied(c));
}

#[test]
fn s_at_or_above_l_is_rejected() {
    // Pick an intent whose signature has S + l < 2^251, so that S + l fits the 251 bits of
    // S exactly: (S + l)·Base8 = S·Base8, so only S < l stands in the way.
    let f = fixture();
    let key = &f.keys[OWNER[1]];
    let two_251 = Fr::from(2u64).pow([251]);
    let intent = (0u64..)
        .map(|i| f.intent + Fr::from(i))
        .find(|&m| key.sign(m).s + l() < two_251 && key.sign(m).s.into_bigint() < (two_251 - l()).into_bigint())
        .unwrap();
    let signer = (key.public_key(), key.sign(intent), f.tree.proof(1).unwrap());
    let honest = ThresholdCircuit::new(DEPTH, 2, f.root(), intent, &[signer]).unwrap();
    assert!(satisfied(honest.clone()));
    let mut c = honest;
    slots(&mut c)[0].signature.s += l();
    let sig = c.slots.as_ref().unwrap()[0].signature;
    assert!(!eddsa::verify(&key.public_key(), intent, &sig));
    assert_unsatisfied(c, "S + l");
}

/// `(S·Base8, S)`: a signature that small-order keys accept for every message.
fn forged_for_small_order_keys() -> Signature {
    let s = Fr::from(4242u64);
    Signature { r8: babyjubjub::mul_base(s.into_bigint()), s }
}

#[test]
fn small_order_keys_are_rejected() {
    // The set holds the commitments of the identity O and of the order-2 point T2 = (0, −1):
    // zk-kit accepts (S·Base8, S) from either on any message.
    let o = Point::new_unchecked(Fr::zero(), Fr::one());
    let t2 = Point::new_unchecked(Fr::zero(), -Fr::one());
    let forged = forged_for_small_order_keys();
    let m = Fr::from(42u64);
    assert!(eddsa::verify(&o, m, &forged) && eddsa::verify(&t2, m, &forged));
    let f = fixture();
    let tree = LeanImt::from_leaves([
        identity::commitment(&o),
        identity::commitment(&t2),
        identity::commitment(&f.keys[1].public_key()),
    ]);
    let member = (f.keys[1].public_key(), f.keys[1].sign(m), tree.proof(2).unwrap());
    let honest = ThresholdCircuit::new(DEPTH, 2, tree.root().unwrap(), m, &[member]).unwrap();
    assert!(satisfied(honest.clone()));

    let path = |i: usize| PathWitness::from(&MerklePath::pad(&tree.proof(i).unwrap(), DEPTH).unwrap());
    // A = O, from A' = O or A' = T2 (8·T2 = O): every clause holds but A ≠ O.
    for key_eighth in [o, t2] {
        assert_eq!(SlotWitness { enabled: true, key_eighth, signature: forged, path: path(0) }.public_key(), o);
        let mut c = honest.clone();
        slots(&mut c)[1] = SlotWitness { enabled: true, key_eighth, signature: forged, path: path(0) };
        c.k = Some(Fr::from(2u64));
        assert_unsatisfied(c, "identity key");
    }
    // A = T2 cannot be written 8·A': the best a prover can do is a key whose commitment
    // is not T2's.
    let mut c = honest.clone();
    slots(&mut c)[1] = SlotWitness { enabled: true, key_eighth: t2, signature: forged, path: path(1) };
    c.k = Some(Fr::from(2u64));
    assert_unsatisfied(c, "order-2 key");
    // nor can a key of order 8·l: its commitment is not the set's
    let p = f.keys[3].public_key();
    let outside: Point = (p + t2).into();
    let tree = LeanImt::from_leaves([identity::commitment(&outside), identity::commitment(&f.keys[1].public_key())]);
    let member = (f.keys[1].public_key(), f.keys[1].sign(m), tree.proof(1).unwrap());
    let mut c = ThresholdCircuit::new(DEPTH, 2, tree.root().unwrap(), m, &[member]).unwrap();
    assert!(satisfied(c.clone()));
    slots(&mut c)[1] = SlotWitness {
        enabled: true,
        key_eighth: eighth(&p),
        signature: f.keys[3].sign(m),
        path: PathWitness::from(&MerklePath::pad(&tree.proof(0).unwrap(), DEPTH).unwrap()),
    };
    c.k = Some(Fr::from(2u64));
    assert_unsatisfied(c, "key outside the subgroup");
}

// --- Shape ----------------------------------------------------------------------------

#[test]
fn constraint_counts_are_pinned() {
    assert_eq!(count(4, 2), 8_699);
    for (d, k) in [(4, 1), (4, 2), (3, 4), (1, 3)] {
        assert_eq!(count(d, k), num_constraints(d, k), "formula at depth {d}, k_max {k}");
    }
    // per slot at depth 20: the difference between 2 and 1 slots, less the second slot's
    // boolean and its one pair
    let per_slot = count(20, 2) - count(20, 1) - 2;
    assert_eq!(per_slot, SLOT_CONSTRAINTS + 244 * 20);
    assert_eq!(per_slot, 8_252);
    assert_eq!(count(20, 4), 33_020);
}

/// Totals at depth 20 for K_MAX 8, 16, 32 (setup mode: a few seconds).
#[test]
fn constraint_counts_at_depth_20() {
    for (k_max, total) in [(8, 66_058), (16, 132_182), (32, 264_622)] {
        assert_eq!(num_constraints(20, k_max), total);
        assert_eq!(count(20, k_max), total, "k_max {k_max}");
    }
}

#[test]
fn public_inputs_are_bound_by_the_proof() {
    use ark_groth16::Groth16;
    use ark_snark::SNARK;
    type G = Groth16<ark_bn254::Bn254>;
    let mut rng = ChaCha20Rng::seed_from_u64(63);
    let f = fixture();
    let depth = 3;
    let signers = [f.signer(2), f.signer(5)];
    let c = ThresholdCircuit::new(depth, 2, f.root(), f.intent, &signers).unwrap();
    let (pk, vk) = G::circuit_specific_setup(ThresholdCircuit::blank(depth, 2).unwrap(), &mut rng).unwrap();
    let inputs = c.public_inputs().unwrap();
    let proof = G::prove(&pk, c, &mut rng).unwrap();
    assert!(G::verify(&vk, &inputs, &proof).unwrap());
    for (i, name) in ["root", "intent", "k"].iter().enumerate() {
        let mut changed = inputs;
        changed[i] += Fr::one();
        assert!(!G::verify(&vk, &changed, &proof).unwrap(), "{name} changed");
    }
}

#[test]
fn debug_prints_no_witness() {
    let f = fixture();
    let c = f.circuit(2, &[1, 2]);
    let shown = format!("{c:?}");
    assert!(shown.contains("k_max"));
    let a = f.keys[1].public_key();
    assert!(!shown.contains(&a.x.to_string()));
    assert_eq!(format!("{:?}", c.slots.as_ref().unwrap()[0]), "SlotWitness { .. }");
}

/// The honest path over many shapes: random (K_MAX, depth, set size, k, signers), seeded.
#[test]
fn honest_path_holds_for_random_shapes() {
    use rand::{seq::SliceRandom, Rng};
    let mut rng = ChaCha20Rng::seed_from_u64(62);
    for _ in 0..8 {
        let k_max = rng.gen_range(1..=4);
        let members = rng.gen_range(k_max..=k_max + 6);
        let keys: Vec<PrivateKey> = (0..members).map(|_| PrivateKey::random(&mut rng)).collect();
        let tree = LeanImt::from_leaves(keys.iter().map(|k| identity::commitment(&k.public_key())));
        let depth = rng.gen_range(tree.depth().max(1)..=tree.depth() + 2);
        let k = rng.gen_range(1..=k_max);
        let mut chosen: Vec<usize> = (0..members).collect();
        chosen.shuffle(&mut rng);
        chosen.truncate(k);
        let intent = Fr::from(rng.gen::<u64>());
        let signers: Vec<_> =
            chosen.iter().map(|&i| (keys[i].public_key(), keys[i].sign(intent), tree.proof(i).unwrap())).collect();
        let c = ThresholdCircuit::new(depth, k_max, tree.root().unwrap(), intent, &signers).unwrap();
        assert_eq!(c.public_inputs().unwrap()[K], Fr::from(k as u64));
        assert!(satisfied(c), "k = {k}, k_max = {k_max}, depth = {depth}, members = {members}");
    }
}
