//! The Poseidon gadget, twin of [`super::hash`].
//!
//! Cost: 3 constraints per S-box; for n inputs (width t = n + 1)
//! `3·(8·t + partial_rounds) − 3` (the first round's capacity element is a constant):
//! 240 for `Poseidon(2)`, 321 for `Poseidon(5)`.

use ark_crypto_primitives::sponge::{constraints::CryptographicSpongeVar, poseidon::constraints::PoseidonSpongeVar};
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::Fr;

/// Zero-sized gadget computing circomlib's Poseidon in-circuit.
#[derive(Clone, Copy, Debug, Default)]
pub struct PoseidonGadget;

impl PoseidonGadget {
    /// `Poseidon(inputs)`, as [`super::hash`].
    ///
    /// # Errors
    /// Propagates synthesis errors of the constraint system.
    ///
    /// # Panics
    /// If `inputs.len()` is not in `1..=MAX_INPUTS`.
    #[tracing::instrument(target = "gr1cs", skip_all, fields(n = inputs.len()))]
    pub fn hash(cs: ConstraintSystemRef<Fr>, inputs: &[FpVar<Fr>]) -> Result<FpVar<Fr>, SynthesisError> {
        let mut sponge = PoseidonSpongeVar::new(cs, super::config(inputs.len()));
        sponge.absorb(&inputs.to_vec())?;
        let _ = sponge.squeeze_field_elements(1)?;
        Ok(sponge.state[0].clone())
    }

    /// `Poseidon(a, b)`, as [`super::hash2`].
    ///
    /// # Errors
    /// Propagates synthesis errors of the constraint system.
    pub fn hash2(cs: ConstraintSystemRef<Fr>, a: &FpVar<Fr>, b: &FpVar<Fr>) -> Result<FpVar<Fr>, SynthesisError> {
        Self::hash(cs, &[a.clone(), b.clone()])
    }
}

/// Constraints of one `Poseidon(n)` gadget call on non-constant inputs.
#[must_use]
pub const fn num_constraints(n: usize) -> usize {
    3 * (super::FULL_ROUNDS * (n + 1) + super::PARTIAL_ROUNDS[n - 1]) - 3
}
