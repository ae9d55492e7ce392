//! Verifying a ceremony transcript: every check of `snarkjs zkey verify`, and the point
//! checks it leaves out.
//!
//! The final `.zkey`, the circuit and the ptau are the whole transcript. For each
//! contribution i, with sameRatio(a, b; c, d) meaning e(a, d) = e(b, c) and refusing the
//! point at infinity: (1) its transcript hash recomputes from the circuit hash, every
//! earlier record, s and s·δ′; (2) sameRatio(s, s·δ′; r, r·δ′) with r = hashToG2(transcript):
//! the contributor knew δ′, bound to this transcript; (3) sameRatio(δ_{i−1}, δ_i; r, r·δ′)
//! from δ₀ = G1: δ moved by that δ′; (4) a beacon's δ′ and s recompute from its hash.
//! Then against the circuit and the ptau: sizes, coefficients, A, B₁, B₂ (each a random
//! linear combination of the ptau's Lagrange points), IC, α, β, γ, the circuit hash;
//! δ₁ is the last δ and sameRatio(G1, δ₁; G2, δ₂); L and H are the initial key's divided
//! by δ: with random 128-bit weights ρ, sameRatio(Σρ·X_init, Σρ·X; δ₂, G2). A random
//! linear combination with 128-bit weights misses a wrong point with probability 2⁻¹²⁸.

use ark_bn254::{Bn254, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, PrimeGroup, VariableBaseMSM};
use ark_ff::{BigInt, PrimeField, Zero};
use blake2::{Blake2b512, Digest};
use rand::{rngs::OsRng, RngCore};

use crate::{
    contribute::beacon_key,
    error::VerifyError,
    init::{circuit_hash, coefficients, k_query, Bases},
    points::to_u,
    r1cs::Constraints,
    rng::hash_to_g2,
    zkey::{Kind, Zkey},
};

/// e(a, d) = e(b, c), refusing the point at infinity.
#[must_use]
pub fn same_ratio(a: &G1Affine, b: &G1Affine, c: &G2Affine, d: &G2Affine) -> bool {
    if a.is_zero() || b.is_zero() || c.is_zero() || d.is_zero() {
        return false;
    }
    Bn254::multi_pairing([*a, -*b], [*d, *c]).is_zero()
}

/// One verified contribution, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// 1-based position.
    pub index: usize,
    /// The contributor's name.
    pub name: Option<String>,
    /// The contribution hash (BLAKE2b-512 of the record).
    pub hash: [u8; 64],
    /// Contributor or beacon.
    pub kind: Kind,
}

/// What a valid transcript holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The circuit hash.
    pub cs_hash: [u8; 64],
    /// The contributions, oldest first.
    pub contributions: Vec<Verified>,
}

/// Checks the chain of contributions of `zkey` on its own (checks 1–4 above).
///
/// # Errors
/// The first [`VerifyError`].
pub fn verify_chain(zkey: &Zkey) -> Result<Vec<Verified>, VerifyError> {
    let mut acc = Blake2b512::new();
    acc.update(zkey.cs_hash);
    let mut delta = G1Projective::generator().into_affine();
    let mut out = Vec::new();
    for (i, c) in zkey.contributions.iter().enumerate() {
        let index = i + 1;
        let name = c.display_name();
        let mut t = acc.clone();
        t.update(to_u(&c.s));
        t.update(to_u(&c.s_delta));
        if <[u8; 64]>::from(t.finalize()) != c.transcript {
            return Err(VerifyError::Transcript { index, name });
        }
        for (which, zero) in [
            ("s", c.s.is_zero()),
            ("s·δ′", c.s_delta.is_zero()),
            ("δ after", c.delta_after.is_zero()),
            ("r·δ′", c.r_delta.is_zero()),
        ] {
            if zero {
                return Err(VerifyError::Infinity { index, name, which });
            }
        }
        let r = hash_to_g2(&c.transcript);
        if !same_ratio(&c.s, &c.s_delta, &r, &c.r_delta) {
            return Err(VerifyError::ProofOfKnowledge { index, name });
        }
        if !same_ratio(&delta, &c.delta_after, &r, &c.r_delta) {
            return Err(VerifyError::DeltaChain { index, name });
        }
        if let Kind::Beacon { hash, exp } = &c.kind {
            let (d, s) = beacon_key(hash, *exp);
            if s != c.s || (s * d).into_affine() != c.s_delta {
                return Err(VerifyError::Beacon { index, name });
            }
        }
        c.hash_into(&mut acc);
        delta = c.delta_after;
        out.push(Verified { index, name: c.name.clone(), hash: c.hash(), kind: c.kind.clone() });
    }
    Ok(out)
}

fn weights(n: usize) -> Vec<Fr> {
    (0..n)
        .map(|_| {
            let (a, b) = (OsRng.next_u64(), OsRng.next_u64());
            Fr::from_bigint(BigInt([a, b, 0, 0])).expect("128 bits are below r")
        })
        .collect()
}

/// Whether `x` is `init` divided by the δ of `delta2`: with random weights ρ,
/// e(Σρ·init, G2) = e(Σρ·x, δ₂).
fn divided_by_delta(init: &[G1Affine], x: &[G1Affine], delta2: &G2Affine) -> bool {
    if init.len() != x.len() {
        return false;
    }
    if init.is_empty() {
        return true;
    }
    let rho = weights(init.len());
    let a = G1Projective::msm_unchecked(init, &rho).into_affine();
    let b = G1Projective::msm_unchecked(x, &rho).into_affine();
    same_ratio(&a, &b, delta2, &G2Projective::generator().into_affine())
}

/// s_c = Σ_w ρ_w·M_{c,w} over the rows of one matrix (length n; the input-consistency
/// rows add ρ_s at row m + s for A).
fn row_weights(rows: &[crate::r1cs::Row], rho: &[Fr], n: usize, inputs: Option<usize>) -> Vec<Fr> {
    let mut s = vec![Fr::zero(); n];
    for (c, row) in rows.iter().enumerate() {
        s[c] = row.iter().map(|&(w, v)| v * rho[w as usize]).sum();
    }
    if let Some(ell) = inputs {
        let m = rows.len();
        for i in 0..=ell {
            s[m + i] += rho[i];
        }
    }
    s
}

/// Whether every point of `x` is Σ_c M_{c,w}·bases_c: with random weights ρ over wires,
/// Σ_w ρ_w·x_w = Σ_c (Σ_w ρ_w·M_{c,w})·bases_c. Two MSMs instead of a fresh computation.
fn is_combination<G: VariableBaseMSM<ScalarField = Fr>>(
    x: &[G::MulBase],
    rho: &[Fr],
    bases: &[G::MulBase],
    s: &[Fr],
) -> bool {
    G::msm_unchecked(x, rho) == G::msm_unchecked(bases, s)
}

/// Verifies `zkey` as a transcript for the circuit `cs` over the ptau blocks `bases`.
///
/// The sections contributions never change are checked against the circuit without
/// recomputing them where a random linear combination suffices (A, B₁, B₂: two MSMs each);
/// IC and the initial L are computed (the circuit hash needs them).
///
/// # Errors
/// The first [`VerifyError`]: each names the check that failed.
pub fn verify(zkey: &Zkey, cs: &Constraints, bases: &Bases) -> Result<Report, VerifyError> {
    let n = bases.lag.len();
    if (zkey.n_vars, zkey.n_public, zkey.domain_size as usize) != (cs.n_wires, cs.n_public, n) {
        return Err(VerifyError::Header { what: "the circuit's size (wires, public inputs, domain)" });
    }
    if zkey.coeffs != coefficients(cs) {
        return Err(VerifyError::Section { section: "coefficients" });
    }
    let ell = cs.n_public as usize;
    let rho = weights(cs.n_wires as usize);
    let s_a = row_weights(&cs.rows[0], &rho, n, Some(ell));
    let s_b = row_weights(&cs.rows[1], &rho, n, None);
    if !is_combination::<G1Projective>(&zkey.a, &rho, &bases.lag, &s_a) {
        return Err(VerifyError::Section { section: "A" });
    }
    if !is_combination::<G1Projective>(&zkey.b1, &rho, &bases.lag, &s_b) {
        return Err(VerifyError::Section { section: "B₁" });
    }
    if !is_combination::<G2Projective>(&zkey.b2, &rho, &bases.lag2, &s_b) {
        return Err(VerifyError::Section { section: "B₂" });
    }
    let kq = k_query(cs, bases);
    let (ic, l_init) = kq.split_at(ell + 1);
    if zkey.ic != ic {
        return Err(VerifyError::Section { section: "IC" });
    }
    for (what, same) in [
        ("α₁", zkey.alpha1 == bases.alpha1),
        ("β₁", zkey.beta1 == bases.beta1),
        ("β₂", zkey.beta2 == bases.beta2),
        ("γ₂", zkey.gamma2 == G2Projective::generator().into_affine()),
    ] {
        if !same {
            return Err(VerifyError::Header { what });
        }
    }
    if zkey.cs_hash != circuit_hash(bases, ic, l_init, &zkey.a, &zkey.b1, &zkey.b2) {
        return Err(VerifyError::CircuitHash);
    }
    let contributions = verify_chain(zkey)?;
    let last = zkey.contributions.last().map_or_else(|| G1Projective::generator().into_affine(), |c| c.delta_after);
    if zkey.delta1 != last {
        return Err(VerifyError::Delta1);
    }
    let g1 = G1Projective::generator().into_affine();
    let g2 = G2Projective::generator().into_affine();
    if !same_ratio(&g1, &zkey.delta1, &g2, &zkey.delta2) {
        return Err(VerifyError::Delta2);
    }
    if !divided_by_delta(l_init, &zkey.l, &zkey.delta2) {
        return Err(VerifyError::Ratio { section: "L" });
    }
    if !divided_by_delta(&bases.h, &zkey.h, &zkey.delta2) {
        return Err(VerifyError::Ratio { section: "H" });
    }
    Ok(Report { cs_hash: zkey.cs_hash, contributions })
}
