//! From a verified transcript to veil's proving key.
//!
//! The `.zkey`'s H query is snarkjs's: H_j = L_{2j+1}(τ)/δ on the 2n-point domain, for
//! a prover that evaluates A·B − C on the odd coset. veil's engine (like arkworks'
//! `LibsnarkReduction`) takes h's coefficients and H_i = τ^i·Z(τ)/δ for i < n − 1. Since
//! L_{2j+1}^(2n)(x) = −(xⁿ − 1)/2 · L′_j(x), with L′ the Lagrange basis of the odd coset
//! c·⟨ω⟩ (c = ω_2n), and τ^i = Σ_j (c·ω^j)^i·L′_j(τ) for i < n:
//! H_i = −2·c^i·Σ_j ω^(ij)·H_j, a G1 FFT of size n. The converted query is then checked
//! against the ptau's τ powers with one pairing equation over random weights:
//! e(Σρ_i·H_i, δ₂) = e(Σρ_i·(τ^(i+n) − τ^i)·G1, G2).

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Projective};
use ark_ec::{pairing::Pairing, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInt, PrimeField, Zero};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use rand::{rngs::OsRng, RngCore};
use rayon::prelude::*;
use veil_prover::{Provenance, ProverKey, ProvingKey, R1cs, ShapeId, VerifyingKey};

use crate::{error::FormatError, ptau::Ptau, zkey::Zkey};

/// The H query in monomial form (n − 1 points) from snarkjs's odd-coset form (n points).
///
/// # Panics
/// If the domain size is not a power of two below 2^28 (checked when the key was read).
#[must_use]
pub fn h_monomial(h: &[G1Affine]) -> Vec<G1Affine> {
    let n = h.len();
    let domain = Radix2EvaluationDomain::<Fr>::new(n).expect("a power-of-two domain");
    assert_eq!(domain.size(), n, "H has a power-of-two length");
    let mut q: Vec<G1Projective> = h.par_iter().map(|p| G1Projective::from(*p)).collect();
    domain.fft_in_place(&mut q);
    let c = Radix2EvaluationDomain::<Fr>::new(2 * n).expect("2n fits the field's two-adicity").group_gen();
    let minus_two = -Fr::from(2u64);
    let powers: Vec<Fr> = {
        let mut v = Vec::with_capacity(n - 1);
        let mut f = minus_two;
        for _ in 0..n - 1 {
            v.push(f);
            f *= c;
        }
        v
    };
    let out: Vec<G1Projective> = q[..n - 1].par_iter().zip(powers.par_iter()).map(|(p, f)| *p * f).collect();
    G1Projective::normalize_batch(&out)
}

/// Checks monomial H against the ptau's τ powers: e(Σρ·H, δ₂) = e(Σρ·(τ^(i+n) − τ^i)·G1, G2).
///
/// # Errors
/// A ptau point that does not decode.
pub fn check_h(h: &[G1Affine], delta2: &ark_bn254::G2Affine, ptau: &mut Ptau, n: usize) -> Result<bool, FormatError> {
    let lo = ptau.tau_g1(0, (n - 1) as u64)?;
    let hi = ptau.tau_g1(n as u64, (n - 1) as u64)?;
    let rho: Vec<Fr> = (0..n - 1)
        .map(|_| Fr::from_bigint(BigInt([OsRng.next_u64(), OsRng.next_u64(), 0, 0])).expect("128 bits"))
        .collect();
    let lhs = G1Projective::msm_unchecked(h, &rho);
    let rhs = G1Projective::msm_unchecked(&hi, &rho) - G1Projective::msm_unchecked(&lo, &rho);
    let g2 = G2Projective::generator();
    Ok(Bn254::multi_pairing([lhs.into_affine(), (-rhs).into_affine()], [*delta2, g2.into_affine()]).is_zero())
}

/// veil's proving key for `shape` from a verified `.zkey`, with `r1cs` the shape's own
/// constraint system (the prover's matrices; the `.zkey`'s coefficients are not used).
#[must_use]
pub fn prover_key(zkey: &Zkey, shape: ShapeId, r1cs: R1cs, r1cs_hash: [u8; 32]) -> ProverKey {
    let vk = VerifyingKey {
        alpha_g1: zkey.alpha1,
        beta_g2: zkey.beta2,
        gamma_g2: zkey.gamma2,
        delta_g2: zkey.delta2,
        gamma_abc_g1: zkey.ic.clone(),
    };
    let pk = ProvingKey {
        vk,
        beta_g1: zkey.beta1,
        delta_g1: zkey.delta1,
        a_query: zkey.a.clone(),
        b_g1_query: zkey.b1.clone(),
        b_g2_query: zkey.b2.clone(),
        h_query: h_monomial(&zkey.h),
        l_query: zkey.l.clone(),
    };
    ProverKey {
        shape,
        provenance: Provenance::Ceremony { r1cs_hash, circuit_hash: zkey.cs_hash },
        pk,
        r1cs,
        tables: None,
        prove_once: false,
    }
}
