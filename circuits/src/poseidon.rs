//! circomlib's Poseidon hash over the BN254 scalar field ([Poseidon](https://eprint.iacr.org/2019/458)).
//!
//! Matches circomlib's `Poseidon(n)` and circomlibjs' `buildPoseidon` for 1 to 16 inputs:
//! width t = n + 1, S-box x^5, 8 full rounds, circomlib's partial rounds per width,
//! initial state `[0, in_1, .., in_n]`, output `state[0]`. Defined in [DESIGN §2][design].
//!
//! The round constants and MDS matrix are those of the reference Grain-LFSR generator,
//! which ark-crypto-primitives' [`find_poseidon_ark_and_mds`](ark_crypto_primitives::sponge::poseidon::find_poseidon_ark_and_mds) reproduces exactly; the
//! permutation is ark-crypto-primitives' [`PoseidonSponge`](ark_crypto_primitives::sponge::poseidon::PoseidonSponge). The sponge's own squeeze
//! returns `state[1]`, which is *not* circomlib's output, so [`hash`](crate::poseidon::hash) reads `state[0]`
//! after the permutation instead.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md

pub mod constraints;

use std::sync::OnceLock;

use ark_crypto_primitives::sponge::{
    poseidon::{find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge},
    CryptographicSponge,
};
use ark_ff::PrimeField;

use crate::Fr;

/// The largest number of inputs circomlib's Poseidon accepts.
pub const MAX_INPUTS: usize = 16;

/// Number of full rounds (all widths).
pub const FULL_ROUNDS: usize = 8;

/// circomlib's partial rounds for width t = 2..=17 (`N_ROUNDS_P` in `poseidon.circom`).
pub const PARTIAL_ROUNDS: [usize; MAX_INPUTS] = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

/// The S-box exponent.
pub const ALPHA: u64 = 5;

/// The Poseidon parameters for `n` inputs (width `n + 1`), computed once and cached.
///
/// # Panics
/// If `n` is not in `1..=MAX_INPUTS`.
#[must_use]
pub fn config(n: usize) -> &'static PoseidonConfig<Fr> {
    static CONFIGS: [OnceLock<PoseidonConfig<Fr>>; MAX_INPUTS] = [const { OnceLock::new() }; MAX_INPUTS];
    assert!((1..=MAX_INPUTS).contains(&n), "Poseidon takes 1 to {MAX_INPUTS} inputs, got {n}");
    CONFIGS[n - 1].get_or_init(|| {
        let partial_rounds = PARTIAL_ROUNDS[n - 1];
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            u64::from(Fr::MODULUS_BIT_SIZE),
            n,
            FULL_ROUNDS as u64,
            partial_rounds as u64,
            0,
        );
        // rate n, capacity 1: the state is [capacity, in_1..in_n], circomlib's layout.
        PoseidonConfig::new(FULL_ROUNDS, partial_rounds, ALPHA, mds, ark, n, 1)
    })
}

/// circomlib's `Poseidon(n)` of `inputs`.
///
/// # Panics
/// If `inputs.len()` is not in `1..=MAX_INPUTS`.
#[must_use]
pub fn hash(inputs: &[Fr]) -> Fr {
    let mut sponge = PoseidonSponge::new(config(inputs.len()));
    // Absorbing exactly `rate` elements fills state[1..=n] without permuting; the squeeze
    // permutes once. circomlib's output is state[0] of that permuted state.
    sponge.absorb(&inputs);
    let _ = sponge.squeeze_field_elements::<Fr>(1);
    sponge.state[0]
}

/// `Poseidon(a, b)`, the 2-to-1 hash of the Lean IMT and of identity commitments.
#[must_use]
pub fn hash2(a: Fr, b: Fr) -> Fr {
    hash(&[a, b])
}

#[cfg(test)]
mod tests;
