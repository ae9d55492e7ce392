//! The Approval statement: the holder of a key committed in an approver set approves an
//! intent ([DESIGN §3.1 Approval][design]), the Semaphore v4 statement with the message
//! replaced by the intent.
//!
//! Private: the secret scalar s and a Lean IMT path (length, index, siblings).
//! Public (in this order): `root`, `nullifier`, `intent`, `scope`.
//!
//! Clauses:
//! 1. s < l, so that s and s + l (same public key) cannot give two nullifiers;
//! 2. A = s·Base8;
//! 3. leaf = Poseidon(A.x, A.y), the identity commitment;
//! 4. the path leads from leaf to root (index bits boolean, zero above the length);
//! 5. nullifier = Poseidon(scope, s);
//! 6. the intent is bound to the proof: Groth16's QAP reduction gives every public input its
//!    own verifying-key term, so a proof for one intent does not verify for another (tested
//!    at proof level); one constraint `intent²` also binds it in backends that do not;
//! 7. A ≠ O, enforced as `A.x ≠ 0`: the secret s = 0 is refused.
//!
//! **Why A ≠ O.** The secret 0 has the public key `0·Base8 = O = (0, 1)`, a key whose
//! secret everybody knows: if a set ever contained its commitment `Poseidon(0, 1)`, by
//! mistake or by a malicious set builder, anybody could approve in that member's name.
//! A = s·Base8 lies in the prime-order subgroup, where only the identity has `x = 0` (the
//! other point with x = 0, `(0, −1)`, has order 2), and s < l (clause 1), so `A.x ≠ 0` is
//! exactly `s ≠ 0`, in one constraint. A key derived as zk-kit derives it has s = 0 only
//! for one value in 2²⁵¹ of its hash, so no honest member is excluded. The Threshold
//! circuit refuses the identity key the same way (its clause 3).
//!
//! Cost at maximum depth D: `1,299 + 244·D` constraints (6,179 at D = 20; circom's
//! Semaphore v4 has 6,431).
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

use std::fmt;

use ark_ff::{PrimeField, Zero};
use ark_r1cs_std::{
    alloc::AllocVar,
    boolean::Boolean,
    eq::EqGadget,
    fields::{fp::FpVar, FieldVar},
};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
use zeroize::Zeroize;

use crate::{
    babyjubjub::constraints::{mul_base8, SCALAR_BITS},
    bits::{alloc_bits_le, enforce_lt_constant},
    clause,
    eddsa::SecretScalar,
    identity,
    lean_imt::{
        constraints::{MerklePath, MerklePathVar, PathWitness},
        MerkleProof,
    },
    poseidon::{self, constraints::PoseidonGadget},
    CircuitError, Fr, Fs,
};

/// Position of the approver-set root among the public inputs.
pub const ROOT: usize = 0;
/// Position of the nullifier.
pub const NULLIFIER: usize = 1;
/// Position of the intent.
pub const INTENT: usize = 2;
/// Position of the scope.
pub const SCOPE: usize = 3;
/// Number of public inputs.
pub const NUM_PUBLIC_INPUTS: usize = 4;

/// The default maximum depth (2^20 members).
pub const DEFAULT_DEPTH: usize = 20;
/// The largest supported maximum depth.
pub const MAX_DEPTH: usize = 32;

/// The Approval circuit for a fixed maximum depth. `None` witnesses serve setup.
#[derive(Clone)]
pub struct ApprovalCircuit {
    /// The maximum depth D of the approver set (1..=32).
    pub max_depth: usize,
    /// The secret scalar s.
    pub secret: Option<Fr>,
    /// The Merkle path from the member's leaf, padded to D levels.
    pub path: Option<PathWitness>,
    /// Public: the approver-set root.
    pub root: Option<Fr>,
    /// Public: `Poseidon(scope, s)`.
    pub nullifier: Option<Fr>,
    /// Public: the intent's field element.
    pub intent: Option<Fr>,
    /// Public: the scope.
    pub scope: Option<Fr>,
}

impl fmt::Debug for ApprovalCircuit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApprovalCircuit")
            .field("max_depth", &self.max_depth)
            .field("root", &self.root)
            .field("nullifier", &self.nullifier)
            .field("intent", &self.intent)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Drop for ApprovalCircuit {
    fn drop(&mut self) {
        self.secret.zeroize();
    }
}

/// `Poseidon(scope, s)`.
#[must_use]
pub fn nullifier(scope: Fr, secret: &SecretScalar) -> Fr {
    poseidon::hash2(scope, secret.to_fr())
}

/// Computes the constants that the first synthesis of an Approval circuit in a process
/// would otherwise compute on its way (Poseidon's round constants, Base8's lookup tables),
/// so a caller can do it while waiting for something else. Later calls cost nothing.
pub fn warm_up() {
    let _ = poseidon::config(2);
    crate::babyjubjub::constraints::warm_up();
}

fn check_depth(max_depth: usize) -> Result<(), CircuitError> {
    if (1..=MAX_DEPTH).contains(&max_depth) {
        Ok(())
    } else {
        Err(CircuitError::UnsupportedDepth(max_depth))
    }
}

impl ApprovalCircuit {
    /// The circuit with no witness, for setup and constraint counting.
    ///
    /// # Errors
    /// [`CircuitError::UnsupportedDepth`] outside 1..=32.
    pub fn blank(max_depth: usize) -> Result<Self, CircuitError> {
        check_depth(max_depth)?;
        Ok(Self { max_depth, secret: None, path: None, root: None, nullifier: None, intent: None, scope: None })
    }

    /// The circuit for a member with `secret` whose leaf `proof` proves, approving `intent`
    /// under `scope`.
    ///
    /// # Errors
    /// [`CircuitError::UnsupportedDepth`]; [`CircuitError::ZeroSecret`] for the secret 0,
    /// whose public key is the identity (the circuit refuses it); [`CircuitError::ProofTooLong`]
    /// or [`CircuitError::IndexTooLarge`] for a proof that does not fit, and
    /// [`CircuitError::ProofDoesNotMatchRoot`] when the proof does not lead from the secret's
    /// identity commitment to its root.
    pub fn new(
        max_depth: usize,
        secret: &SecretScalar,
        proof: &MerkleProof,
        intent: Fr,
        scope: Fr,
    ) -> Result<Self, CircuitError> {
        check_depth(max_depth)?;
        if secret.expose().is_zero() {
            return Err(CircuitError::ZeroSecret);
        }
        let path = MerklePath::pad(proof, max_depth)?;
        let leaf = identity::commitment(&secret.public_key());
        if proof.compute_root(leaf) != proof.root {
            return Err(CircuitError::ProofDoesNotMatchRoot);
        }
        Ok(Self {
            max_depth,
            secret: Some(secret.to_fr()),
            path: Some(PathWitness::from(&path)),
            root: Some(proof.root),
            nullifier: Some(nullifier(scope, secret)),
            intent: Some(intent),
            scope: Some(scope),
        })
    }

    /// The public inputs in their positions ([`ROOT`], [`NULLIFIER`], [`INTENT`], [`SCOPE`]).
    #[must_use]
    pub fn public_inputs(&self) -> Option<[Fr; NUM_PUBLIC_INPUTS]> {
        Some([self.root?, self.nullifier?, self.intent?, self.scope?])
    }
}

impl ConstraintSynthesizer<Fr> for ApprovalCircuit {
    #[tracing::instrument(target = "gr1cs", skip_all, fields(max_depth = self.max_depth))]
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let input = |v: Option<Fr>| FpVar::new_input(cs.clone(), || v.ok_or(SynthesisError::AssignmentMissing));
        let root = input(self.root)?;
        let nullifier = input(self.nullifier)?;
        let intent = input(self.intent)?;
        let scope = input(self.scope)?;

        // Each clause runs in a span of its own (target "gr1cs"), so that a violated
        // constraint can be traced to its clause (`which_is_unsatisfied` with arkworks'
        // `ConstraintLayer`).

        // Secret range (DESIGN §3): s < l. Without it, s and s + l give the same A but two
        // nullifiers for one member.
        let s_bits = {
            let _c = clause!("s < l");
            let bits = alloc_bits_le(cs.clone(), self.secret, SCALAR_BITS)?;
            enforce_lt_constant(&bits, &Fs::MODULUS)?;
            bits
        };
        let s = Boolean::le_bits_to_fp(&s_bits)?;

        // Public key: A = s·Base8.
        let a = {
            let _c = clause!("A = s·Base8");
            mul_base8(&s_bits)?
        };

        // Not the identity: A ≠ O, i.e. s ≠ 0, whose key everybody holds. A is in the
        // prime-order subgroup, where x = 0 only at O.
        {
            let _c = clause!("A ≠ O");
            a.x.enforce_not_equal(&FpVar::zero())?;
        }

        // Identity commitment: leaf = Poseidon(A.x, A.y).
        let leaf = {
            let _c = clause!("leaf = Poseidon(A.x, A.y)");
            identity::commitment_var(cs.clone(), &a)?
        };

        // Membership: the path is well formed and leads from leaf to root.
        {
            let _c = clause!("path: flags and index bits");
            let path = MerklePathVar::new(cs.clone(), self.path.as_ref(), self.max_depth)?;
            drop(_c);
            let _c = clause!("root = MerkleRoot(leaf, path)");
            path.root(cs.clone(), &leaf)?.enforce_equal(&root)?;
        }

        // Nullifier integrity: nullifier = Poseidon(scope, s).
        {
            let _c = clause!("nullifier = Poseidon(scope, s)");
            PoseidonGadget::hash2(cs.clone(), &scope, &s)?.enforce_equal(&nullifier)?;
        }

        // Intent binding: Groth16 binds every public input by its own verifying-key term;
        // one constraint on the intent keeps it bound under any other R1CS backend too
        // (Semaphore's `message·message`).
        let _c = clause!("intent²");
        let _ = intent.square()?;
        Ok(())
    }
}

/// The number of constraints of the Approval circuit at maximum depth `max_depth`.
#[must_use]
pub const fn num_constraints(max_depth: usize) -> usize {
    BASE_CONSTRAINTS + crate::lean_imt::constraints::CONSTRAINTS_PER_LEVEL * max_depth
}

/// Constraints independent of the depth: s bits (251) and `s < l` (60), `s·Base8` (504),
/// `A ≠ O` (1), two Poseidon(2) (480), two equalities and the intent's square (3).
pub const BASE_CONSTRAINTS: usize = 1_299;

#[cfg(test)]
mod tests;
