//! The Lean IMT root in-circuit, twin of [`super::MerkleProof::compute_root`].
//!
//! The proof is padded to the circuit's maximum depth D. Per level i the witness holds an
//! *active* flag `a_i` (i < length), an index bit `b_i` and a sibling:
//! - `a_0·(1 − a_0) = 0`, `a_i·(a_{i−1} − a_i) = 0`: the flags are boolean and
//!   non-increasing, so `length = Σ a_i ≤ D` and the active levels come first;
//! - `b_i·(a_i − b_i) = 0`: every index bit is boolean, and zero above the length, so the
//!   index `Σ b_i·2^i` is unique;
//! - `node_{i+1} = node_i + a_i·(Poseidon(left_i, right_i) − node_i)`, with
//!   `left_i = node_i + b_i·(sibling_i − node_i)`: inactive levels carry the node up, so a
//!   padded sibling cannot influence the root.
//!
//! Cost: 244 constraints per level (Poseidon 240, mux 1, select 1, flag 1, bit 1);
//! zk-kit's `BinaryMerkleRoot` in circom costs 245 + 20/D.

use ark_ff::{One, Zero};
use ark_r1cs_std::{
    alloc::AllocVar,
    fields::{fp::FpVar, FieldVar},
};
use ark_relations::gr1cs::{ConstraintSystemRef, Namespace, SynthesisError};

use super::MerkleProof;
use crate::{poseidon::constraints::PoseidonGadget, CircuitError, Fr};

/// The private part of a membership proof, padded to a maximum depth: what the circuit
/// takes as witness.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerklePath {
    /// The number of real siblings (`≤ max_depth`).
    pub length: usize,
    /// The compressed index (`< 2^length`).
    pub index: u64,
    /// `max_depth` siblings: the real ones, then zeros.
    pub siblings: Vec<Fr>,
}

impl MerklePath {
    /// Pads `proof` to `max_depth` levels.
    ///
    /// # Errors
    /// [`CircuitError::ProofTooLong`] when the proof has more siblings than `max_depth`,
    /// [`CircuitError::IndexTooLarge`] when its index needs more bits than its length.
    pub fn pad(proof: &MerkleProof, max_depth: usize) -> Result<Self, CircuitError> {
        let length = proof.siblings.len();
        if length > max_depth {
            return Err(CircuitError::ProofTooLong { length, max_depth });
        }
        if length < 64 && proof.index >> length != 0 {
            return Err(CircuitError::IndexTooLarge { index: proof.index, length });
        }
        let mut siblings = proof.siblings.clone();
        siblings.resize(max_depth, Fr::zero());
        Ok(Self { length, index: proof.index, siblings })
    }
}

/// The raw per-level assignment of a path: what the circuit allocates. Built from a
/// [`MerklePath`]; tests build tampered ones (a bit set to 2, a bit above the length).
/// `Debug` prints the depth only: the index says which member is proving.
#[derive(Clone, PartialEq, Eq)]
pub struct PathWitness {
    /// `a_i`: 1 if level i is below the proof's length.
    pub active: Vec<Fr>,
    /// `b_i`: 1 if the node is the right child at level i.
    pub index_bits: Vec<Fr>,
    /// The siblings, padded.
    pub siblings: Vec<Fr>,
}

impl std::fmt::Debug for PathWitness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PathWitness").field("depth", &self.siblings.len()).finish_non_exhaustive()
    }
}

impl From<&MerklePath> for PathWitness {
    fn from(p: &MerklePath) -> Self {
        let depth = p.siblings.len();
        let flag = |b: bool| if b { Fr::one() } else { Fr::zero() };
        Self {
            active: (0..depth).map(|i| flag(i < p.length)).collect(),
            index_bits: (0..depth).map(|i| flag(i < 64 && p.index >> i & 1 == 1)).collect(),
            siblings: p.siblings.clone(),
        }
    }
}

/// A path in-circuit.
#[derive(Clone, Debug)]
pub struct MerklePathVar {
    /// `a_i`, constrained boolean and non-increasing.
    pub active: Vec<FpVar<Fr>>,
    /// `b_i`, constrained boolean and zero where `a_i` is zero.
    pub index_bits: Vec<FpVar<Fr>>,
    /// The siblings, padded.
    pub siblings: Vec<FpVar<Fr>>,
}

impl MerklePathVar {
    /// Allocates a path of `max_depth` levels as witness; `None` for setup.
    ///
    /// # Errors
    /// `Unsatisfiable` if `path` does not have exactly `max_depth` levels; otherwise
    /// propagates synthesis errors.
    pub fn new(
        cs: impl Into<Namespace<Fr>>,
        path: Option<&PathWitness>,
        max_depth: usize,
    ) -> Result<Self, SynthesisError> {
        let ns = cs.into();
        let cs = ns.cs();
        if let Some(p) = path {
            if p.active.len() != max_depth || p.index_bits.len() != max_depth || p.siblings.len() != max_depth {
                return Err(SynthesisError::Unsatisfiable);
            }
        }
        let get =
            |v: fn(&PathWitness) -> &Vec<Fr>, i: usize| path.map(|p| v(p)[i]).ok_or(SynthesisError::AssignmentMissing);
        let mut active: Vec<FpVar<Fr>> = Vec::with_capacity(max_depth);
        let mut index_bits = Vec::with_capacity(max_depth);
        let mut siblings = Vec::with_capacity(max_depth);
        for i in 0..max_depth {
            let a = FpVar::new_witness(ark_relations::ns!(cs, "a_i"), || get(|p| &p.active, i))?;
            let above = active.last().cloned().unwrap_or(FpVar::one());
            // a_i·(a_{i−1} − a_i) = 0: boolean, and 0 once a level above was inactive
            a.mul_equals(&(above - &a), &FpVar::zero())?;
            let b = FpVar::new_witness(ark_relations::ns!(cs, "b_i"), || get(|p| &p.index_bits, i))?;
            // b_i·(a_i − b_i) = 0: boolean, and 0 above the length
            b.mul_equals(&(&a - &b), &FpVar::zero())?;
            let s = FpVar::new_witness(ark_relations::ns!(cs, "sibling_i"), || get(|p| &p.siblings, i))?;
            active.push(a);
            index_bits.push(b);
            siblings.push(s);
        }
        Ok(Self { active, index_bits, siblings })
    }

    /// `length = Σ a_i` (a linear combination, no constraint).
    pub fn length(&self) -> FpVar<Fr> {
        self.active.iter().fold(FpVar::zero(), |acc, a| acc + a)
    }

    /// `index = Σ b_i·2^i` (a linear combination, no constraint).
    pub fn index(&self) -> FpVar<Fr> {
        self.index_bits.iter().rev().fold(FpVar::zero(), |acc, b| &acc + &acc + b)
    }

    /// The root reached from `leaf` along this path.
    ///
    /// # Errors
    /// Propagates synthesis errors.
    #[tracing::instrument(target = "gr1cs", skip_all, fields(depth = self.siblings.len()))]
    pub fn root(&self, cs: ConstraintSystemRef<Fr>, leaf: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        let mut node = leaf.clone();
        for ((a, b), sibling) in self.active.iter().zip(&self.index_bits).zip(&self.siblings) {
            // left = b ? sibling : node ; right = node + sibling − left
            let left = &node + b * (sibling - &node);
            let right = &node + sibling - &left;
            let parent = PoseidonGadget::hash2(cs.clone(), &left, &right)?;
            node = &node + a * (parent - &node);
        }
        Ok(node)
    }
}

/// Constraints of [`MerklePathVar::root`] plus allocation, per level.
pub const CONSTRAINTS_PER_LEVEL: usize = 244;

#[cfg(test)]
mod tests {
    use ark_ff::UniformRand;
    use ark_r1cs_std::prelude::*;
    use ark_relations::gr1cs::ConstraintSystem;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::lean_imt::LeanImt;

    fn root_in_circuit(path: &MerklePath, leaf: Fr) -> (Fr, bool, usize) {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
        let p = MerklePathVar::new(cs.clone(), Some(&PathWitness::from(path)), path.siblings.len()).unwrap();
        let root = p.root(cs.clone(), &leaf).unwrap();
        (root.value().unwrap(), cs.is_satisfied().unwrap(), cs.num_constraints())
    }

    #[test]
    fn gadget_matches_native_on_random_trees() {
        let mut rng = ChaCha20Rng::seed_from_u64(31);
        for _ in 0..12 {
            let size = rng.gen_range(1..=70);
            let max_depth = rng.gen_range(7..=10);
            let tree = LeanImt::from_leaves((0..size).map(|_| Fr::rand(&mut rng)));
            let i = rng.gen_range(0..size);
            let proof = tree.proof(i).unwrap();
            let path = MerklePath::pad(&proof, max_depth).unwrap();
            let (root, ok, n) = root_in_circuit(&path, proof.leaf);
            assert!(ok);
            assert_eq!(root, tree.root().unwrap());
            assert_eq!(n, CONSTRAINTS_PER_LEVEL * max_depth);
        }
    }

    #[test]
    fn index_bit_above_the_length_is_rejected() {
        let tree = LeanImt::from_leaves((1..=5u64).map(Fr::from));
        let proof = tree.proof(4).unwrap(); // leaf 5 has a single sibling level
        let mut path = MerklePath::pad(&proof, 6).unwrap();
        path.index |= 1 << path.length; // a bit above the length
        let (root, ok, _) = root_in_circuit(&path, proof.leaf);
        assert_eq!(root, tree.root().unwrap(), "the root alone would not notice");
        assert!(!ok);
    }

    fn satisfied(w: &PathWitness, leaf: Fr) -> bool {
        let cs = ConstraintSystem::<Fr>::new_ref();
        let leaf = FpVar::new_witness(cs.clone(), || Ok(leaf)).unwrap();
        let p = MerklePathVar::new(cs.clone(), Some(w), w.siblings.len()).unwrap();
        let _ = p.root(cs.clone(), &leaf).unwrap();
        cs.is_satisfied().unwrap()
    }

    #[test]
    fn non_boolean_flags_and_gaps_are_rejected() {
        let tree = LeanImt::from_leaves((1..=8u64).map(Fr::from));
        let proof = tree.proof(3).unwrap();
        let honest = PathWitness::from(&MerklePath::pad(&proof, 5).unwrap());
        assert!(satisfied(&honest, proof.leaf));
        // an index bit set to 2
        let mut w = honest.clone();
        w.index_bits[0] = Fr::from(2u64);
        assert!(!satisfied(&w, proof.leaf));
        // an active flag set to 2
        let mut w = honest.clone();
        w.active[4] = Fr::from(2u64);
        assert!(!satisfied(&w, proof.leaf));
        // a gap: level 1 inactive while level 2 is active
        let mut w = honest.clone();
        w.active[1] = Fr::zero();
        assert!(!satisfied(&w, proof.leaf));
        // a bit set on an inactive level
        let mut w = honest;
        w.index_bits[4] = Fr::one();
        assert!(!satisfied(&w, proof.leaf));
    }

    #[test]
    fn padding_refuses_bad_proofs() {
        let tree = LeanImt::from_leaves((1..=9u64).map(Fr::from));
        let proof = tree.proof(0).unwrap();
        assert_eq!(MerklePath::pad(&proof, 3), Err(CircuitError::ProofTooLong { length: 4, max_depth: 3 }));
        let mut wide = proof.clone();
        wide.index = 1 << 4;
        assert!(matches!(MerklePath::pad(&wide, 8), Err(CircuitError::IndexTooLarge { .. })));
    }
}
