//! A phase-2 contribution (BGM17, as kobigurk/phase2-bn254 and snarkjs make it).
//!
//! The contributor draws δ′, sets δ₁ ← δ′·δ₁ and δ₂ ← δ′·δ₂, divides every L and H point
//! by δ′, and publishes a proof of knowledge of δ′ bound to the transcript: a random
//! s ∈ G1, the transcript hash t = BLAKE2b-512(circuit hash ‖ every earlier record ‖ s ‖
//! s·δ′), r = hashToG2(t), and s·δ′, r·δ′. A beacon is the same with δ′ and s drawn from
//! a public seed, so that anyone can recompute them.

use ark_bn254::{Fr, G1Affine, G1Projective};
use ark_ec::{CurveGroup, PrimeGroup};
use ark_ff::{Field, Zero};
use blake2::{Blake2b512, Digest};
use rand::{rngs::OsRng, RngCore};
use zeroize::Zeroize;

use crate::{
    points::to_u,
    rng::{hash_to_g2, SnarkjsRng},
    scale::scale_all,
    zkey::{check_name, Contribution, Kind, Zkey},
};

/// Why a contribution could not be made.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ContributeError {
    /// A name that does not fit a transcript record.
    #[error("--name: {0}")]
    Name(String),
    /// A beacon hash of the wrong size.
    #[error("--hash: the beacon hash must be 1 to 255 bytes, got {0}")]
    BeaconHash(usize),
    /// A beacon exponent snarkjs would refuse.
    #[error("--exp: the iteration exponent must be 10 to 63, got {0}")]
    BeaconExp(u8),
}

/// The transcript hash of a new record with `s`, `s_delta` after `zkey`'s records.
#[must_use]
pub fn transcript(zkey: &Zkey, s: &G1Affine, s_delta: &G1Affine) -> [u8; 64] {
    let mut h = Blake2b512::new();
    h.update(zkey.cs_hash);
    for c in &zkey.contributions {
        c.hash_into(&mut h);
    }
    h.update(to_u(s));
    h.update(to_u(s_delta));
    h.finalize().into()
}

/// Applies δ′ to a copy of `zkey` and appends the record.
fn apply(zkey: &Zkey, mut delta: Fr, s: G1Affine, kind: Kind, name: Option<String>) -> (Zkey, [u8; 64]) {
    let s_delta = (s * delta).into_affine();
    let t = transcript(zkey, &s, &s_delta);
    let r_delta = (hash_to_g2(&t) * delta).into_affine();
    let mut out = zkey.clone();
    out.delta1 = (zkey.delta1 * delta).into_affine();
    out.delta2 = (zkey.delta2 * delta).into_affine();
    let mut inv = delta.inverse().expect("δ′ ≠ 0");
    out.l = scale_all(&zkey.l, inv);
    out.h = scale_all(&zkey.h, inv);
    inv.zeroize();
    delta.zeroize();
    let record = Contribution { delta_after: out.delta1, s, s_delta, r_delta, transcript: t, kind, name };
    let hash = record.hash();
    out.contributions.push(record);
    (out, hash)
}

fn checked_name(name: Option<&str>) -> Result<Option<String>, ContributeError> {
    if let Some(n) = name {
        check_name(n).map_err(ContributeError::Name)?;
    }
    Ok(name.map(str::to_owned))
}

/// A contribution with δ′ from the operating system's CSPRNG, mixed with `entropy` (text
/// the contributor typed, optional) through BLAKE2b-512. δ′ is zeroized after use; the
/// returned hash is the contribution hash to publish.
///
/// # Errors
/// [`ContributeError::Name`].
pub fn contribute(zkey: &Zkey, name: Option<&str>, entropy: &[u8]) -> Result<(Zkey, [u8; 64]), ContributeError> {
    let name = checked_name(name)?;
    let mut os = [0u8; 64];
    OsRng.fill_bytes(&mut os);
    let mut h = Blake2b512::new();
    h.update(os);
    h.update(entropy);
    let mut seed: [u8; 64] = h.finalize().into();
    os.zeroize();
    let mut rng = SnarkjsRng::new(&seed);
    seed.zeroize();
    let mut delta = nonzero(&mut rng);
    let mut s_scalar = nonzero(&mut rng);
    let s = (G1Projective::generator() * s_scalar).into_affine();
    let out = apply(zkey, delta, s, Kind::Contributor, name);
    delta.zeroize();
    s_scalar.zeroize();
    // The ChaCha state that drew them goes out of scope here; rand_chacha does not
    // zeroize it, and neither can we from outside.
    Ok(out)
}

/// A contribution with a δ′ chosen by the caller (tests, and reproducible runs only).
#[must_use]
pub fn contribute_with(zkey: &Zkey, name: Option<&str>, delta: Fr, s_scalar: Fr) -> (Zkey, [u8; 64]) {
    let s = (G1Projective::generator() * s_scalar).into_affine();
    apply(zkey, delta, s, Kind::Contributor, name.map(str::to_owned))
}

fn nonzero(rng: &mut SnarkjsRng) -> Fr {
    loop {
        let v = rng.fr();
        if !v.is_zero() {
            return v;
        }
    }
}

/// The beacon: δ′ and s from `hash` iterated 2^`exp` times through SHA-256, as
/// `snarkjs zkey beacon` draws them (its output is byte-identical).
///
/// # Errors
/// [`ContributeError`] for a hash or exponent snarkjs refuses, or a bad name.
pub fn beacon(zkey: &Zkey, name: Option<&str>, hash: &[u8], exp: u8) -> Result<(Zkey, [u8; 64]), ContributeError> {
    let name = checked_name(name)?;
    if hash.is_empty() || hash.len() > 255 {
        return Err(ContributeError::BeaconHash(hash.len()));
    }
    if !(10..=63).contains(&exp) {
        return Err(ContributeError::BeaconExp(exp));
    }
    let (delta, s) = beacon_key(hash, exp);
    Ok(apply(zkey, delta, s, Kind::Beacon { hash: hash.to_vec(), exp }, name))
}

/// The beacon's δ′ and s.
pub fn beacon_key(hash: &[u8], exp: u8) -> (Fr, G1Affine) {
    let mut rng = SnarkjsRng::beacon(hash, exp);
    let delta = rng.fr();
    let s = rng.g1();
    (delta, s)
}
