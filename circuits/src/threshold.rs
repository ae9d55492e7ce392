//! The Threshold statement: k distinct members of an approver set signed one intent, in one
//! proof ([DESIGN §3.2 Threshold][design]).
//!
//! K_MAX slots and the maximum depth D are fixed at setup; k ≤ K_MAX varies per proof.
//! Private, per slot i: an enabled bit `e_i`, the key's eighth `A'_i` (the public key is
//! `A_i = 8·A'_i`), a signature `(R8_i, S_i)` on the intent and a Lean IMT path.
//! Public (in this order): `root`, `intent`, `k`.
//!
//! Clauses:
//! 1. the enabled bits are boolean and a prefix: `e_0 = 1` (a constant: k ≥ 1) and
//!    `e_{i+1}·(1 − e_i) = 0`;
//! 2. `Σ e_i = k`, so exactly k slots count and `1 ≤ k ≤ K_MAX`;
//! 3. every key is in the prime-order subgroup: `A_i = 8·A'_i` with `A'_i` on the curve;
//!    and `A_i ≠ O` (`A_i.x ≠ 0`), in every slot, enabled or not;
//! 4. when enabled, `(R8_i, S_i)` is a valid EdDSA-Poseidon signature of the intent by `A_i`
//!    (`S_i < l` and R8 on the curve always);
//! 5. `leaf_i = Poseidon(A_i.x, A_i.y)`, and when enabled the path leads from `leaf_i` to root;
//! 6. the enabled leaves are pairwise distinct: `(leaf_i − leaf_j)·t_ij = e_j` for i < j.
//!
//! Disabled slots hold a canonical dummy (`A' = Base8`, `R8 = Base8`, `S = 0`, an inactive
//! path) that satisfies every unconditional constraint (its key `8·Base8` is not O);
//! nothing they hold reaches a public input, since each constraint that relates them to
//! root, intent or k is multiplied by `e_i = 0` and they add `e_i = 0` to the count.
//!
//! **Why `A ≠ O` in every slot.** The signature check multiplies by A with
//! `babyjubjub::constraints::mul_prime_order`, whose incomplete
//! Montgomery arithmetic is exact only for A in the subgroup and `A ≠ O`. Clause 3 makes
//! that hold in every slot, so the multiplication is sound wherever its result is used and
//! satisfiable for every honest witness (the dummy included), whatever the challenge. Only
//! the identity is thereby excluded from disabled slots, which nothing needs.
//!
//! **Why k ≥ 1.** A 0-of-n proof would state nothing but knowledge of a root; a contract
//! configured with threshold 0 would then accept proofs of nothing. Requiring k ≥ 1 costs
//! nothing here: with the prefix order, k ≥ 1 is `e_0 = 1`, a constant.
//!
//! **Why the subgroup check.** EdDSA-Poseidon (as `@zk-kit/eddsa-poseidon`) accepts any key
//! on the curve; for a key of small order `8·hm·A` vanishes and `(S·Base8, S)` verifies for
//! every message (see [`crate::eddsa::constraints`]). The curve has order `8·l`, so `8·A'`
//! lies in the subgroup of order l for every point A' on the curve: 3 constraints for A' and
//! 5 per doubling, against ~3,000 for `l·A = O`. In that subgroup only the identity has
//! `x = 0` (the other point with x = 0, `(0, −1)`, has order 2), so `A.x ≠ 0` excludes the
//! identity, the public key of the secret 0, whose signatures anybody can make. A key from
//! zk-kit (`s·Base8`) is always in the subgroup, so no honest member is excluded.
//!
//! **Why distinct leaves mean distinct members.** Two enabled slots cannot hold the same
//! key, since equal keys give equal leaves; the same key inserted twice in the set still
//! gives one leaf value, so it counts once. Distinctness is checked pairwise, one
//! constraint per pair (`conditional_enforce_not_equal`, enforced by the later slot's bit,
//! which by the prefix order implies the earlier one's). Sorting the leaves and comparing
//! neighbours would cost, per slot, a strict 254-bit decomposition of the leaf (~308
//! constraints: leaves are arbitrary elements below r, and a non-canonical decomposition
//! would let `v` and `v + r` pass as "increasing") plus a 254-bit comparison (~257), so
//! ~565 per slot against `(K_MAX − 1)/2` per slot pairwise: pairwise is cheaper for every
//! K_MAX below ~1,100. [`ThresholdCircuit::new`](crate::threshold::ThresholdCircuit::new) still sorts the signers by commitment so
//! that the witness does not depend on the order the signatures were collected in.
//!
//! Cost: `k_max·(3,372 + 244·D) + (k_max − 1) + max(k_max − 2, 0) + k_max·(k_max − 1)/2 + 1`
//! ([`num_constraints`](crate::threshold::num_constraints)). Per slot at D = 20: 8,252, of which 3,112 are the signature
//! (1,950 of them the multiplication `hm·A`), 4,880 the path, 240 the commitment, 19 the key
//! (`8·A'`, `A ≠ O`) and 1 the root. Totals at D = 20: 33,020 (K_MAX 4), 66,058 (8),
//! 132,182 (16), 264,622 (32).
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use std::fmt;

use ark_ff::{Field, PrimeField, Zero};
use ark_r1cs_std::{
    alloc::{AllocVar, AllocationMode},
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
    groups::CurveVar,
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use thiserror::Error;

use crate::{
    babyjubjub::{self, constraints::alloc_point_on_curve, Point, BASE8},
    clause,
    eddsa::{
        self,
        constraints::{conditional_verify_subgroup_key, SignatureVar},
        Signature,
    },
    identity,
    lean_imt::{
        constraints::{MerklePath, MerklePathVar, PathWitness, CONSTRAINTS_PER_LEVEL},
        MerkleProof,
    },
    CircuitError, Fr, Fs,
};

/// Position of the approver-set root among the public inputs.
pub const ROOT: usize = 0;
/// Position of the intent.
pub const INTENT: usize = 1;
/// Position of k, the number of distinct members who signed.
pub const K: usize = 2;
/// Number of public inputs.
pub const NUM_PUBLIC_INPUTS: usize = 3;

/// The largest supported K_MAX. Nothing in the circuit depends on it; it bounds what a
/// constructor accepts (the pairwise distinctness costs `K_MAX·(K_MAX − 1)/2`).
pub const MAX_SLOTS: usize = 64;

/// Why [`ThresholdCircuit::new`] or [`ThresholdCircuit::blank`] refused its inputs.
#[derive(Debug, Error, PartialEq, Eq, Clone)]
pub enum ThresholdError {
    /// The depth is unsupported.
    #[error(transparent)]
    Circuit(#[from] CircuitError),
    /// K_MAX outside `1..=MAX_SLOTS`.
    #[error("k_max {0} is outside 1..={MAX_SLOTS}")]
    UnsupportedKMax(usize),
    /// No signer: a threshold proof needs k ≥ 1.
    #[error("no signers: a threshold proof needs at least one")]
    NoSigners,
    /// More signers than slots.
    #[error("{signers} signers do not fit in k_max = {k_max} slots")]
    TooManySigners {
        /// Signers given.
        signers: usize,
        /// The circuit's K_MAX.
        k_max: usize,
    },
    /// A signer's key or Merkle proof was refused (off the curve, outside the subgroup, a
    /// proof too long, or one that does not lead from the key's commitment to the root).
    #[error("signer {index}: {source}")]
    Signer {
        /// The signer's position in the list given.
        index: usize,
        /// What was wrong.
        #[source]
        source: CircuitError,
    },
    /// A signer's key is the identity (the public key of the secret 0).
    #[error("signer {index}: the public key is the identity")]
    IdentityKey {
        /// The signer's position in the list given.
        index: usize,
    },
    /// A signature does not verify on the intent.
    #[error("signer {index}: the signature does not verify on the intent")]
    InvalidSignature {
        /// The signer's position in the list given.
        index: usize,
    },
    /// Two signers have the same commitment (the same key).
    #[error("signers {first} and {second} have the same commitment: the same member counts once")]
    DuplicateSigner {
        /// The first signer's position in the list given.
        first: usize,
        /// The second signer's position in the list given.
        second: usize,
    },
}

/// One slot's witness. `Debug` prints nothing of it: who signed is private.
#[derive(Clone, PartialEq, Eq)]
pub struct SlotWitness {
    /// `e_i`: whether the slot counts.
    pub enabled: bool,
    /// `A'`, with the public key `A = 8·A'`.
    pub key_eighth: Point,
    /// `(R8, S)` on the intent.
    pub signature: Signature,
    /// The path from `Poseidon(A)` to the root, padded to the maximum depth.
    pub path: PathWitness,
}

impl fmt::Debug for SlotWitness {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlotWitness").finish_non_exhaustive()
    }
}

impl SlotWitness {
    /// The canonical content of a disabled slot: `A' = Base8`, the signature
    /// `(R8 = Base8, S = 0)` and an inactive path; it satisfies every constraint that is
    /// enforced whatever `e_i` (A' and R8 on the curve, `S < l`, the path's flags).
    #[must_use]
    pub fn dummy(max_depth: usize) -> Self {
        let path = MerklePath { length: 0, index: 0, siblings: vec![Fr::zero(); max_depth] };
        Self {
            enabled: false,
            key_eighth: BASE8,
            signature: Signature { r8: BASE8, s: Fr::zero() },
            path: PathWitness::from(&path),
        }
    }

    /// An enabled slot for `public_key` (in the subgroup) with its signature and path.
    #[must_use]
    pub fn enabled(public_key: &Point, signature: Signature, path: &MerklePath) -> Self {
        Self { enabled: true, key_eighth: eighth(public_key), signature, path: PathWitness::from(path) }
    }

    /// The public key `8·A'`.
    pub fn public_key(&self) -> Point {
        babyjubjub::mul_point(&self.key_eighth, <Fr as PrimeField>::BigInt::from(8u64))
    }
}

/// `A' = (8⁻¹ mod l)·A`, so that `8·A' = A` for A in the subgroup.
pub fn eighth(public_key: &Point) -> Point {
    let inv8 = Fs::from(8u64).inverse().expect("8 is invertible mod l");
    babyjubjub::mul_point(public_key, inv8.into_bigint())
}

/// The Threshold circuit for a fixed maximum depth and K_MAX. `None` witnesses serve setup.
#[derive(Clone)]
pub struct ThresholdCircuit {
    /// The maximum depth D of the approver set (1..=32).
    pub max_depth: usize,
    /// K_MAX, the number of slots (1..=[`MAX_SLOTS`]).
    pub k_max: usize,
    /// The K_MAX slots: enabled ones first, sorted by commitment, then dummies.
    pub slots: Option<Vec<SlotWitness>>,
    /// Public: the approver-set root.
    pub root: Option<Fr>,
    /// Public: the intent's field element.
    pub intent: Option<Fr>,
    /// Public: k, the number of enabled slots.
    pub k: Option<Fr>,
}

impl fmt::Debug for ThresholdCircuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThresholdCircuit")
            .field("max_depth", &self.max_depth)
            .field("k_max", &self.k_max)
            .field("root", &self.root)
            .field("intent", &self.intent)
            .field("k", &self.k)
            .finish_non_exhaustive()
    }
}

fn check_shape(max_depth: usize, k_max: usize) -> Result<(), ThresholdError> {
    if !(1..=crate::approval::MAX_DEPTH).contains(&max_depth) {
        return Err(CircuitError::UnsupportedDepth(max_depth).into());
    }
    if !(1..=MAX_SLOTS).contains(&k_max) {
        return Err(ThresholdError::UnsupportedKMax(k_max));
    }
    Ok(())
}

impl ThresholdCircuit {
    /// The circuit with no witness, for setup and constraint counting.
    ///
    /// # Errors
    /// [`CircuitError::UnsupportedDepth`] outside 1..=32, [`ThresholdError::UnsupportedKMax`]
    /// outside 1..=[`MAX_SLOTS`].
    pub fn blank(max_depth: usize, k_max: usize) -> Result<Self, ThresholdError> {
        check_shape(max_depth, k_max)?;
        Ok(Self { max_depth, k_max, slots: None, root: None, intent: None, k: None })
    }

    /// The circuit for `signers` (public key, signature on `intent`, membership proof under
    /// `root`), k = `signers.len()`. The signers are sorted by commitment and the remaining
    /// slots filled with [`SlotWitness::dummy`].
    ///
    /// # Errors
    /// [`ThresholdError::NoSigners`], [`ThresholdError::TooManySigners`]; per signer (by its
    /// position in `signers`): [`ThresholdError::Signer`] for a key off the curve or outside
    /// the subgroup, a proof too long for `max_depth` or one that does not lead from the
    /// key's commitment to `root`; [`ThresholdError::IdentityKey`];
    /// [`ThresholdError::InvalidSignature`]; and [`ThresholdError::DuplicateSigner`] when
    /// two signers share a commitment.
    pub fn new(
        max_depth: usize,
        k_max: usize,
        root: Fr,
        intent: Fr,
        signers: &[(Point, Signature, MerkleProof)],
    ) -> Result<Self, ThresholdError> {
        check_shape(max_depth, k_max)?;
        if signers.is_empty() {
            return Err(ThresholdError::NoSigners);
        }
        if signers.len() > k_max {
            return Err(ThresholdError::TooManySigners { signers: signers.len(), k_max });
        }
        let mut checked = Vec::with_capacity(signers.len());
        for (index, (a, sig, proof)) in signers.iter().enumerate() {
            let a = check_signer(index, a, sig, intent)?;
            let path = MerklePath::pad(proof, max_depth).map_err(|source| ThresholdError::Signer { index, source })?;
            let leaf = identity::commitment(&a);
            if proof.root != root || proof.compute_root(leaf) != root {
                return Err(ThresholdError::Signer { index, source: CircuitError::ProofDoesNotMatchRoot });
            }
            checked.push((leaf.into_bigint(), index, SlotWitness::enabled(&a, *sig, &path)));
        }
        checked.sort_by_key(|x| x.0);
        if let Some(w) = checked.windows(2).find(|w| w[0].0 == w[1].0) {
            let (first, second) = (w[0].1.min(w[1].1), w[0].1.max(w[1].1));
            return Err(ThresholdError::DuplicateSigner { first, second });
        }
        let k = checked.len();
        let mut slots: Vec<SlotWitness> = checked.into_iter().map(|(_, _, s)| s).collect();
        slots.resize(k_max, SlotWitness::dummy(max_depth));
        Ok(Self {
            max_depth,
            k_max,
            slots: Some(slots),
            root: Some(root),
            intent: Some(intent),
            k: Some(Fr::from(k as u64)),
        })
    }

    /// The public inputs in their positions ([`ROOT`], [`INTENT`], [`K`]).
    #[must_use]
    pub fn public_inputs(&self) -> Option<[Fr; NUM_PUBLIC_INPUTS]> {
        Some([self.root?, self.intent?, self.k?])
    }
}

impl ConstraintSynthesizer<Fr> for ThresholdCircuit {
    #[tracing::instrument(target = "gr1cs", skip_all, fields(max_depth = self.max_depth, k_max = self.k_max))]
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        check_slots(self.slots.as_deref(), self.k_max)?;
        let input = |v: Option<Fr>| FpVar::new_input(cs.clone(), || v.ok_or(SynthesisError::AssignmentMissing));
        let root = input(self.root)?;
        let intent = input(self.intent)?;
        let k = input(self.k)?;

        // Clauses 1 and 3–6, one span each (target "gr1cs"), as in the Approval circuit; a
        // slot's leaf is its commitment.
        let enabled = synthesize_slots(
            cs.clone(),
            self.max_depth,
            self.k_max,
            self.slots.as_deref(),
            &intent,
            &root,
            |_, commitment| Ok(commitment.clone()),
        )?;

        // Count: Σ e_i = k.
        let _c = clause!("Σ e_i = k");
        let count = enabled.iter().fold(FpVar::zero(), |acc, e| acc + FpVar::from(e.clone()));
        count.enforce_equal(&k)?;
        Ok(())
    }
}

/// The native checks of one signer that do not depend on the set (shared with the Policy
/// statement): `public_key` on the curve and in the subgroup, not the identity, and
/// `signature` valid on `intent`. Returns the checked key.
///
/// # Errors
/// [`ThresholdError::Signer`] (off the curve, outside the subgroup),
/// [`ThresholdError::IdentityKey`], [`ThresholdError::InvalidSignature`], with `index`.
pub(crate) fn check_signer(
    index: usize,
    public_key: &Point,
    signature: &Signature,
    intent: Fr,
) -> Result<Point, ThresholdError> {
    let a = babyjubjub::point_in_subgroup(public_key.x, public_key.y)
        .map_err(|source| ThresholdError::Signer { index, source })?;
    if a.x.is_zero() {
        return Err(ThresholdError::IdentityKey { index });
    }
    if !eddsa::verify(&a, intent, signature) {
        return Err(ThresholdError::InvalidSignature { index });
    }
    Ok(a)
}

/// Refuses a slot witness of the wrong size, or one whose slot 0 is disabled (slot 0 is
/// enabled by construction, k ≥ 1), rather than reinterpreting it silently.
///
/// # Errors
/// `Unsatisfiable`.
pub(crate) fn check_slots(slots: Option<&[SlotWitness]>, k_max: usize) -> Result<(), SynthesisError> {
    match slots {
        Some(slots) if slots.len() != k_max || !slots.first().is_some_and(|s| s.enabled) => {
            Err(SynthesisError::Unsatisfiable)
        }
        _ => Ok(()),
    }
}

/// The K_MAX signer slots in-circuit, shared by the Threshold and Policy statements: per
/// slot i, clause 1 (`e_i`), clause 3 (`A_i = 8·A'_i`, `A_i ≠ O`), clause 4 (the signature
/// on `intent` when enabled), the commitment `c_i = Poseidon(A_i.x, A_i.y)`, the slot's leaf
/// `leaf(i, c_i)`, clause 5 (the path from that leaf to `root` when enabled) and clause 6
/// (`c_j ≠ c_i` for every earlier slot j when enabled). Returns the enabled bits, `e_0` the
/// constant true.
///
/// The Threshold's leaf is the commitment itself (`leaf` allocates nothing); the Policy's
/// is a grant `Poseidon(c_i, roleId, blind_i)`. Distinctness is always on the commitments,
/// so one key counts once whatever leaves it holds. `slots` must have passed
/// [`check_slots`]. Cost: [`num_constraints`] less the count `Σ e_i = k`, plus what `leaf`
/// adds per slot.
///
/// # Errors
/// Propagates synthesis errors; `Unsatisfiable` for a slot list that [`check_slots`] refuses.
pub(crate) fn synthesize_slots(
    cs: ConstraintSystemRef<Fr>,
    max_depth: usize,
    k_max: usize,
    slots: Option<&[SlotWitness]>,
    intent: &FpVar<Fr>,
    root: &FpVar<Fr>,
    mut leaf: impl FnMut(usize, &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError>,
) -> Result<Vec<Boolean<Fr>>, SynthesisError> {
    check_slots(slots, k_max)?;
    let missing = || SynthesisError::AssignmentMissing;

    let mut enabled: Vec<Boolean<Fr>> = Vec::with_capacity(k_max);
    let mut commitments: Vec<FpVar<Fr>> = Vec::with_capacity(k_max);
    for i in 0..k_max {
        let slot = slots.map(|s| &s[i]);
        let _s = ark_relations::gr1cs::info_span!(target: "gr1cs", "slot", i).entered();

        // Enabled bits (DESIGN §3): boolean, a prefix, e_0 = 1 (k ≥ 1).
        let e = {
            let _c = clause!("e_i boolean, e_i ≤ e_{i−1}");
            if i == 0 {
                Boolean::TRUE
            } else {
                let e = Boolean::new_witness(ark_relations::ns!(cs, "e_i"), || {
                    slot.map(|s| s.enabled).ok_or_else(missing)
                })?;
                // e_i·(1 − e_{i−1}) = 0; trivial for i = 1 since e_0 = 1.
                if i >= 2 {
                    FpVar::from(e.clone())
                        .mul_equals(&(FpVar::one() - FpVar::from(enabled[i - 1].clone())), &FpVar::zero())?;
                }
                e
            }
        };

        // Key in the subgroup: A = 8·A' with A' on the curve (the curve's order is 8·l),
        // and A ≠ O (x = 0 only at O within the subgroup).
        let a = {
            let _c = clause!("A = 8·A', A ≠ O");
            let mut a = alloc_point_on_curve(
                ark_relations::ns!(cs, "A'"),
                slot.map(|s| s.key_eighth),
                AllocationMode::Witness,
            )?;
            for _ in 0..3 {
                a.double_in_place()?;
            }
            // In every slot, enabled or not: the signature check below relies on it.
            a.x.enforce_not_equal(&FpVar::zero())?;
            a
        };

        // Signature: valid EdDSA-Poseidon on the intent by A when enabled. R8 on the curve
        // and S < l hold always (the dummy satisfies them).
        {
            let _c = clause!("S·Base8 = R8 + 8·hm·A");
            let sig = SignatureVar::new_witness(ark_relations::ns!(cs, "signature"), || {
                slot.map(|s| s.signature).ok_or_else(missing)
            })?;
            // A is in the subgroup and A ≠ O (above), the precondition of the fast path.
            conditional_verify_subgroup_key(cs.clone(), &a, intent, &sig, &e)?;
        }

        // Identity commitment: c = Poseidon(A.x, A.y).
        let commitment = {
            let _c = clause!("leaf = Poseidon(A.x, A.y)");
            identity::commitment_var(cs.clone(), &a)?
        };
        let leaf = leaf(i, &commitment)?;

        // Membership: the path is well formed always, and leads to root when enabled.
        {
            let _c = clause!("path: flags and index bits");
            let path = MerklePathVar::new(ark_relations::ns!(cs, "path"), slot.map(|s| &s.path), max_depth)?;
            drop(_c);
            let _c = clause!("root = MerkleRoot(leaf, path) if e_i");
            path.root(cs.clone(), &leaf)?.conditional_enforce_equal(root, &e)?;
        }

        // Distinct members: c_j ≠ c_i for every earlier slot j when e_i (which implies e_j
        // by the prefix order).
        {
            let _c = clause!("leaf_j ≠ leaf_i if e_i");
            for earlier in &commitments {
                earlier.conditional_enforce_not_equal(&commitment, &e)?;
            }
        }
        enabled.push(e);
        commitments.push(commitment);
    }
    Ok(enabled)
}

/// Constraints of one slot that do not depend on D or on the other slots: A' on the curve
/// (3) and three doublings (15), `A ≠ O` (1), the signature (R8 on the curve 3, S bits 251,
/// `S < l` 60, the verification 2,798 with its two conditional equalities, of which 1,950
/// for `hm·A`), the commitment (240) and the conditional root equality (1).
pub const SLOT_CONSTRAINTS: usize = 3_372;

/// The number of constraints of the Threshold circuit with `k_max` slots at maximum depth
/// `max_depth`: per slot [`SLOT_CONSTRAINTS`] and 244 per level; `e_i` boolean for the
/// K_MAX − 1 slots after the first, K_MAX − 2 prefix constraints, one per pair of slots, and
/// `Σ e_i = k`.
#[must_use]
pub const fn num_constraints(max_depth: usize, k_max: usize) -> usize {
    let per_slot = SLOT_CONSTRAINTS + CONSTRAINTS_PER_LEVEL * max_depth;
    let booleans = k_max.saturating_sub(1);
    k_max * per_slot + booleans + k_max.saturating_sub(2) + k_max * booleans / 2 + 1
}

#[cfg(test)]
mod tests;
