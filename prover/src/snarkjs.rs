//! veil's wire formats: Groth16 verifying keys, proofs and public signals in snarkjs's JSON
//! layout, and Ethereum calldata ([DESIGN §5][design]).
//!
//! The JSON types match [snarkjs 0.7.6] field for field, so `snarkjs groth16 verify` accepts
//! what veil writes and veil reads what snarkjs writes:
//!
//! | snarkjs writer | file | veil type |
//! | --- | --- | --- |
//! | `src/zkey_export_verificationkey.js` (`groth16Vk`) | `verification_key.json` | [`VerificationKeyJson`](crate::snarkjs::VerificationKeyJson) |
//! | `src/groth16_prove.js` | `proof.json` | [`ProofJson`](crate::snarkjs::ProofJson) |
//! | `src/groth16_prove.js` | `public.json` | `Vec<String>` ([`public_to_json`](crate::snarkjs::public_to_json), [`public_from_json`](crate::snarkjs::public_from_json)) |
//! | `src/groth16_exportsoliditycalldata.js` | calldata | [`Calldata`](crate::snarkjs::Calldata) |
//!
//! Wire types are plain data and the only types here that derive serde; arkworks types never
//! do. The one boundary between the two is this module: `From` (arkworks → wire) cannot fail,
//! and `TryFrom` (wire → arkworks) validates everything and names the offending JSON field
//! (`pi_b[1][0]`, `IC[3]`, `public[2]`, …) in its [`WireError`](crate::snarkjs::WireError):
//!
//! - numbers are canonical decimal strings: ASCII digits only, no sign, spaces, hex or
//!   exponent, and no leading zero except `"0"` itself. (snarkjs's own parser,
//!   ffjavascript's `unstringifyBigInts`, also takes `0x…` hex and leading zeros, but its
//!   writers never produce them; veil accepts one spelling per value.)
//! - coordinates are below the base field modulus p, public inputs below the scalar field
//!   modulus r;
//! - points are on the curve, and G2 points in the prime-order subgroup (G1 of BN254 has
//!   cofactor 1, so on the curve is enough there, but the subgroup check is still made);
//! - points are affine: the third coordinate is `"1"` (`["1", "0"]` in G2), or the point is
//!   snarkjs's point at infinity, `["0", "1", "0"]` in G1 and
//!   `[["0", "0"], ["1", "0"], ["0", "0"]]` in G2 (ffjavascript's `toObject` of zero). Any
//!   other third coordinate (snarkjs would read it as Jacobian) is refused;
//! - the point at infinity is accepted only where it is legal: in a verifying key's `IC`
//!   (an input that contributes nothing). It is refused in `vk_alpha_1`, `vk_beta_2`,
//!   `vk_gamma_2` and `vk_delta_2`, where it makes a degenerate key (with γ = 0, say, a
//!   proof holds for any public inputs), and in a proof's `pi_a`, `pi_b` and `pi_c`, which an
//!   honest prover produces only with probability about 1/r. Writing never fails: an
//!   arkworks point at infinity is written in snarkjs's form and then refused on reading
//!   where it is not legal;
//! - `protocol` is `"groth16"` and `curve` is `"bn128"` (the name snarkjs writes for BN254;
//!   its verifier would also take `"bn254"` and `"alt_bn128"`), `IC` has `nPublic + 1`
//!   points, and `vk_alphabeta_12` is the pairing e(`vk_alpha_1`, `vk_beta_2`). snarkjs's
//!   verifier ignores `vk_alphabeta_12`, but veil writes it as snarkjs does and checks it.
//!
//! Unknown JSON fields are ignored, as snarkjs ignores them.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md
//! [snarkjs 0.7.6]: https://github.com/iden3/snarkjs/tree/v0.7.6

use std::{
    fmt,
    path::{Path, PathBuf},
    str::FromStr,
};

use alloy_primitives::U256;
use ark_bn254::{Bn254, Fq, Fq12, Fq2, Fq6, Fr, G1Affine, G2Affine};
use ark_ec::{pairing::Pairing, AffineRepr};
use ark_ff::{BigInt, PrimeField, Zero};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use veil_circuits::field::{self, DecimalError};

/// arkworks' Groth16 verifying key over BN254 (the crate's [`crate::VerifyingKey`]).
type VerifyingKey = ark_groth16::VerifyingKey<Bn254>;
/// arkworks' Groth16 proof over BN254 (the crate's [`crate::Proof`]).
type Proof = ark_groth16::Proof<Bn254>;

/// The `protocol` value of Groth16 keys and proofs.
pub const PROTOCOL: &str = "groth16";
/// The `curve` value snarkjs writes for BN254 (ffjavascript's `curve.name`).
pub const CURVE: &str = "bn128";

/// A G1 point as snarkjs writes it: `["x", "y", "1"]`, or `["0", "1", "0"]` for the point at
/// infinity (decimal strings).
pub type G1Json = [String; 3];

/// A G2 point as snarkjs writes it: `[["x.c0", "x.c1"], ["y.c0", "y.c1"], ["1", "0"]]`, real
/// part c0 first, or `[["0", "0"], ["1", "0"], ["0", "0"]]` for the point at infinity.
pub type G2Json = [[String; 2]; 3];

/// An element of the target group Fq12 as snarkjs writes it: `[c0, c1]` (Fq12 = Fq6\[w\]),
/// each an Fq6 `[c0, c1, c2]` (Fq6 = Fq2\[v\]), each an Fq2 `["c0", "c1"]`.
///
/// ffjavascript's tower is arkworks': Fq2 = Fq\[u\]/(u² + 1), Fq6 = Fq2\[v\]/(v³ − (9 + u)),
/// Fq12 = Fq6\[w\]/(w² − v), so the coefficients map one to one.
pub type GtJson = [[[String; 2]; 3]; 2];

/// A Groth16 verifying key in snarkjs's `verification_key.json` layout.
///
/// Fields are in the order snarkjs writes them (`src/zkey_export_verificationkey.js`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationKeyJson {
    /// Always [`PROTOCOL`] (`"groth16"`).
    pub protocol: String,
    /// Always [`CURVE`] (`"bn128"`).
    pub curve: String,
    /// The number of public inputs (a JSON number, not a string).
    #[serde(rename = "nPublic")]
    pub n_public: usize,
    /// α in G1.
    pub vk_alpha_1: G1Json,
    /// β in G2.
    pub vk_beta_2: G2Json,
    /// γ in G2.
    pub vk_gamma_2: G2Json,
    /// δ in G2.
    pub vk_delta_2: G2Json,
    /// The pairing e(α, β) in Fq12.
    pub vk_alphabeta_12: GtJson,
    /// The input commitments: `IC[0]` for the constant 1, then one per public input
    /// (arkworks' `gamma_abc_g1`).
    #[serde(rename = "IC")]
    pub ic: Vec<G1Json>,
}

/// A Groth16 proof in snarkjs's `proof.json` layout (`src/groth16_prove.js`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProofJson {
    /// A in G1.
    pub pi_a: G1Json,
    /// B in G2.
    pub pi_b: G2Json,
    /// C in G1.
    pub pi_c: G1Json,
    /// Always [`PROTOCOL`] (`"groth16"`).
    pub protocol: String,
    /// Always [`CURVE`] (`"bn128"`).
    pub curve: String,
}

/// Why a wire value was refused. Every variant but [`WireError::Json`] names the offending
/// field as a JSON path (see [`WireError::path`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WireError {
    /// The text is not JSON of the expected shape.
    #[error("malformed JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A number is not a canonical decimal string.
    #[error("{path}: {value:?} is not a canonical decimal (ASCII digits, no sign, no leading zero)")]
    NotDecimal {
        /// The JSON field.
        path: String,
        /// The refused text.
        value: String,
    },
    /// A calldata word is not `0x` and 64 lowercase hex digits.
    #[error("{path}: {value:?} is not 0x followed by 64 lowercase hex digits")]
    NotHexWord {
        /// The JSON field.
        path: String,
        /// The refused text.
        value: String,
    },
    /// A coordinate is not below the base field modulus p.
    #[error("{path}: coordinate is not below the base field modulus p")]
    CoordinateNotInField {
        /// The JSON field.
        path: String,
    },
    /// A public input is not below the scalar field modulus r.
    #[error("{path}: public input is not below the scalar field modulus r")]
    InputNotInField {
        /// The JSON field.
        path: String,
    },
    /// A point is not on the curve.
    #[error("{path}: point is not on the curve")]
    NotOnCurve {
        /// The JSON field.
        path: String,
    },
    /// A G2 point is on the curve but not in the prime-order subgroup.
    #[error("{path}: point is not in the prime-order subgroup")]
    NotInSubgroup {
        /// The JSON field.
        path: String,
    },
    /// The point at infinity where it is not legal (see the module documentation).
    #[error("{path}: the point at infinity is not allowed here")]
    UnexpectedInfinity {
        /// The JSON field.
        path: String,
    },
    /// A point's third coordinate is neither `"1"` (`["1", "0"]` in G2) nor part of snarkjs's
    /// point at infinity: veil reads affine points only.
    #[error("{path}: third coordinate {value} is not 1 (veil reads affine points only)")]
    NotAffine {
        /// The JSON field (the third coordinate).
        path: String,
        /// The refused coordinate, as JSON.
        value: String,
    },
    /// A point with third coordinate 0 that is not snarkjs's point at infinity
    /// (`["0", "1", "0"]` in G1, `[["0", "0"], ["1", "0"], ["0", "0"]]` in G2).
    #[error("{path}: a point with third coordinate 0 must be snarkjs's point at infinity")]
    NonCanonicalInfinity {
        /// The JSON field.
        path: String,
    },
    /// `protocol` is not `"groth16"`.
    #[error("{path}: expected \"groth16\", found {found:?}")]
    Protocol {
        /// The JSON field (`protocol`).
        path: String,
        /// The refused value.
        found: String,
    },
    /// `curve` is not `"bn128"`.
    #[error("{path}: expected \"bn128\", found {found:?}")]
    Curve {
        /// The JSON field (`curve`).
        path: String,
        /// The refused value.
        found: String,
    },
    /// `IC` does not hold `nPublic + 1` points.
    #[error("{path}: expected nPublic + 1 = {expected} points, found {found}")]
    IcLength {
        /// The JSON field (`IC`).
        path: String,
        /// `nPublic + 1` (saturating).
        expected: usize,
        /// Points found.
        found: usize,
    },
    /// `vk_alphabeta_12` is not the pairing e(`vk_alpha_1`, `vk_beta_2`).
    #[error("{path}: not the pairing e(vk_alpha_1, vk_beta_2)")]
    AlphaBetaMismatch {
        /// The JSON field (`vk_alphabeta_12`).
        path: String,
    },
}

impl WireError {
    /// The JSON path of the offending field, such as `pi_b[1][0]`; `None` for
    /// [`WireError::Json`].
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            Self::Json(_) => None,
            Self::NotDecimal { path, .. }
            | Self::NotHexWord { path, .. }
            | Self::CoordinateNotInField { path }
            | Self::InputNotInField { path }
            | Self::NotOnCurve { path }
            | Self::NotInSubgroup { path }
            | Self::UnexpectedInfinity { path }
            | Self::NotAffine { path, .. }
            | Self::NonCanonicalInfinity { path }
            | Self::Protocol { path, .. }
            | Self::Curve { path, .. }
            | Self::IcLength { path, .. }
            | Self::AlphaBetaMismatch { path } => Some(path),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Numbers

/// A field element's canonical integer value.
fn to_u256<F: PrimeField<BigInt = BigInt<4>>>(x: F) -> U256 {
    U256::from_limbs(x.into_bigint().0)
}

/// The field element with integer value `v`, or `None` when `v` is not below the modulus.
fn from_u256<F: PrimeField<BigInt = BigInt<4>>>(v: U256) -> Option<F> {
    F::from_bigint(BigInt::new(v.into_limbs()))
}

fn decimal<F: PrimeField<BigInt = BigInt<4>>>(x: F) -> String {
    field::to_decimal(&x)
}

/// Parses a canonical decimal ([`field::parse_u256`], the one rule for every file). `Ok(None)`
/// is a canonical decimal of 2²⁵⁶ or more, which is out of every field here.
fn parse_decimal(path: &str, s: &str) -> Result<Option<U256>, WireError> {
    match field::parse_u256(s) {
        Ok(n) => Ok(Some(U256::from_limbs(n.0))),
        Err(DecimalError::TooLarge(_)) => Ok(None),
        Err(_) => Err(WireError::NotDecimal { path: path.to_owned(), value: s.to_owned() }),
    }
}

fn parse_fq(path: &str, s: &str) -> Result<Fq, WireError> {
    parse_decimal(path, s)?.and_then(from_u256).ok_or_else(|| WireError::CoordinateNotInField { path: path.to_owned() })
}

fn parse_fr(path: &str, s: &str) -> Result<Fr, WireError> {
    parse_decimal(path, s)?.and_then(from_u256).ok_or_else(|| WireError::InputNotInField { path: path.to_owned() })
}

/// A proof's file name in an output directory (`veil prove`, snarkjs layout).
pub const PROOF_FILE: &str = "proof.json";
/// The public signals' file name beside it.
pub const PUBLIC_FILE: &str = "public.json";

/// A snarkjs file that could not be read, parsed or written.
#[derive(Debug, Error)]
pub enum FileError {
    /// Reading or writing failed.
    #[error("{action} {what} {}: {source}", path.display())]
    Io {
        /// "reading", "writing" or "creating".
        action: &'static str,
        /// What the file holds ("proof", "verifying key", …).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not JSON of the expected layout.
    #[error("{what} {}: {source}", path.display())]
    Json {
        /// What the file should hold.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The parse error, with its line and column.
        #[source]
        source: serde_json::Error,
    },
}

impl FileError {
    /// Whether the file's content is at fault (bad input) rather than reading or writing it.
    #[must_use]
    pub fn is_bad_input(&self) -> bool {
        matches!(self, Self::Json { .. })
    }
}

/// Reads a JSON file of snarkjs's layout (`verification_key.json`, `proof.json`,
/// `public.json`) into its wire type; [`TryFrom`] then checks the values.
///
/// # Errors
/// [`FileError::Io`], [`FileError::Json`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path, what: &'static str) -> Result<T, FileError> {
    let text = std::fs::read_to_string(path).map_err(|source| FileError::Io {
        action: "reading",
        what,
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_str(&text).map_err(|source| FileError::Json { what, path: path.to_owned(), source })
}

/// Writes `value` as pretty JSON (with a final newline), atomically.
///
/// # Errors
/// [`FileError::Io`].
pub fn write_json<T: Serialize>(path: &Path, what: &'static str, value: &T) -> Result<(), FileError> {
    let text = serde_json::to_string_pretty(value).expect("plain data") + "\n";
    veil_fs::write_atomic(path, text.as_bytes(), false).map_err(|source| FileError::Io {
        action: "writing",
        what,
        path: path.to_owned(),
        source,
    })
}

/// Writes a proof and its public signals as DIR/proof.json and DIR/public.json (the
/// directory created if missing, each file atomically); returns their paths.
///
/// # Errors
/// [`FileError::Io`].
pub fn save_proof(dir: &Path, proof: &crate::Proof, inputs: &[Fr]) -> Result<(PathBuf, PathBuf), FileError> {
    std::fs::create_dir_all(dir).map_err(|source| FileError::Io {
        action: "creating",
        what: "output directory",
        path: dir.to_owned(),
        source,
    })?;
    let (proof_path, public_path) = (dir.join(PROOF_FILE), dir.join(PUBLIC_FILE));
    write_json(&proof_path, "proof", &ProofJson::from(proof))?;
    write_json(&public_path, "public signals", &public_to_json(inputs))?;
    Ok((proof_path, public_path))
}

/// The public signals in snarkjs's `public.json` layout: one decimal string per input.
#[must_use]
pub fn public_to_json(inputs: &[Fr]) -> Vec<String> {
    inputs.iter().map(|&x| decimal(x)).collect()
}

/// Reads public signals in snarkjs's `public.json` layout.
///
/// # Errors
/// [`WireError::NotDecimal`] or [`WireError::InputNotInField`], with path `public[i]`.
pub fn public_from_json(signals: &[String]) -> Result<Vec<Fr>, WireError> {
    signals.iter().enumerate().map(|(i, s)| parse_fr(&format!("public[{i}]"), s)).collect()
}

// ---------------------------------------------------------------------------------------
// Points

/// Whether a point may be the point at infinity where it is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Infinity {
    Allowed,
    Refused,
}

fn g1_to_json(p: &G1Affine) -> G1Json {
    match p.xy() {
        None => ["0".into(), "1".into(), "0".into()],
        Some((x, y)) => [decimal(x), decimal(y), "1".into()],
    }
}

fn fq2_to_json(x: &Fq2) -> [String; 2] {
    [decimal(x.c0), decimal(x.c1)]
}

fn g2_to_json(p: &G2Affine) -> G2Json {
    let zero = || ["0".to_owned(), "0".to_owned()];
    let one = || ["1".to_owned(), "0".to_owned()];
    match p.xy() {
        None => [zero(), one(), zero()],
        Some((x, y)) => [fq2_to_json(&x), fq2_to_json(&y), one()],
    }
}

fn gt_to_json(f: &Fq12) -> GtJson {
    let fq6 = |x: &Fq6| [fq2_to_json(&x.c0), fq2_to_json(&x.c1), fq2_to_json(&x.c2)];
    [fq6(&f.c0), fq6(&f.c1)]
}

fn parse_fq2(path: &str, x: &[String; 2]) -> Result<Fq2, WireError> {
    Ok(Fq2::new(parse_fq(&format!("{path}[0]"), &x[0])?, parse_fq(&format!("{path}[1]"), &x[1])?))
}

/// Checks a decoded affine point. With arkworks' BN254 configuration `(0, 0)` *is* the point
/// at infinity, so a finite `(0, 0)` (which is on neither curve, b ≠ 0) is refused here
/// before arkworks would take it for zero.
fn check_point<P: ark_ec::short_weierstrass::SWCurveConfig>(
    path: &str,
    p: ark_ec::short_weierstrass::Affine<P>,
) -> Result<ark_ec::short_weierstrass::Affine<P>, WireError> {
    if p.is_zero() || !p.is_on_curve() {
        return Err(WireError::NotOnCurve { path: path.to_owned() });
    }
    if !p.is_in_correct_subgroup_assuming_on_curve() {
        return Err(WireError::NotInSubgroup { path: path.to_owned() });
    }
    Ok(p)
}

fn infinity(path: &str, allowed: Infinity) -> Result<(), WireError> {
    match allowed {
        Infinity::Allowed => Ok(()),
        Infinity::Refused => Err(WireError::UnexpectedInfinity { path: path.to_owned() }),
    }
}

fn parse_g1(path: &str, p: &G1Json, allowed: Infinity) -> Result<G1Affine, WireError> {
    match p[2].as_str() {
        "1" => {}
        "0" => {
            if p[0] != "0" || p[1] != "1" {
                return Err(WireError::NonCanonicalInfinity { path: path.to_owned() });
            }
            infinity(path, allowed)?;
            return Ok(G1Affine::zero());
        }
        other => return Err(WireError::NotAffine { path: format!("{path}[2]"), value: format!("{other:?}") }),
    }
    let x = parse_fq(&format!("{path}[0]"), &p[0])?;
    let y = parse_fq(&format!("{path}[1]"), &p[1])?;
    check_point(path, G1Affine::new_unchecked(x, y))
}

fn parse_g2(path: &str, p: &G2Json, allowed: Infinity) -> Result<G2Affine, WireError> {
    match [p[2][0].as_str(), p[2][1].as_str()] {
        ["1", "0"] => {}
        ["0", "0"] => {
            if p[0] != ["0", "0"] || p[1] != ["1", "0"] {
                return Err(WireError::NonCanonicalInfinity { path: path.to_owned() });
            }
            infinity(path, allowed)?;
            return Ok(G2Affine::zero());
        }
        [z0, z1] => {
            return Err(WireError::NotAffine { path: format!("{path}[2]"), value: format!("[{z0:?}, {z1:?}]") })
        }
    }
    let x = parse_fq2(&format!("{path}[0]"), &p[0])?;
    let y = parse_fq2(&format!("{path}[1]"), &p[1])?;
    check_point(path, G2Affine::new_unchecked(x, y))
}

fn parse_gt(path: &str, f: &GtJson) -> Result<Fq12, WireError> {
    let fq6 = |i: usize| -> Result<Fq6, WireError> {
        let c = |j: usize| parse_fq2(&format!("{path}[{i}][{j}]"), &f[i][j]);
        Ok(Fq6::new(c(0)?, c(1)?, c(2)?))
    };
    Ok(Fq12::new(fq6(0)?, fq6(1)?))
}

fn check_protocol(found: &str) -> Result<(), WireError> {
    if found == PROTOCOL {
        return Ok(());
    }
    Err(WireError::Protocol { path: "protocol".to_owned(), found: found.to_owned() })
}

fn check_curve(found: &str) -> Result<(), WireError> {
    if found == CURVE {
        return Ok(());
    }
    Err(WireError::Curve { path: "curve".to_owned(), found: found.to_owned() })
}

// ---------------------------------------------------------------------------------------
// Verifying key and proof

impl From<&VerifyingKey> for VerificationKeyJson {
    /// Writes the key as snarkjs does, computing `vk_alphabeta_12`. An arkworks key without
    /// `gamma_abc_g1` (never made by a setup) gets `nPublic` 0 and is refused on reading.
    fn from(vk: &VerifyingKey) -> Self {
        let alphabeta = Bn254::pairing(vk.alpha_g1, vk.beta_g2).0;
        Self {
            protocol: PROTOCOL.to_owned(),
            curve: CURVE.to_owned(),
            n_public: vk.gamma_abc_g1.len().saturating_sub(1),
            vk_alpha_1: g1_to_json(&vk.alpha_g1),
            vk_beta_2: g2_to_json(&vk.beta_g2),
            vk_gamma_2: g2_to_json(&vk.gamma_g2),
            vk_delta_2: g2_to_json(&vk.delta_g2),
            vk_alphabeta_12: gt_to_json(&alphabeta),
            ic: vk.gamma_abc_g1.iter().map(g1_to_json).collect(),
        }
    }
}

impl TryFrom<&VerificationKeyJson> for VerifyingKey {
    type Error = WireError;

    /// Reads and validates a key (see the module documentation for every check). Checking
    /// `vk_alphabeta_12` costs one pairing (about a millisecond).
    fn try_from(j: &VerificationKeyJson) -> Result<Self, WireError> {
        check_protocol(&j.protocol)?;
        check_curve(&j.curve)?;
        if j.ic.len().checked_sub(1) != Some(j.n_public) {
            return Err(WireError::IcLength {
                path: "IC".to_owned(),
                expected: j.n_public.saturating_add(1),
                found: j.ic.len(),
            });
        }
        let alpha_g1 = parse_g1("vk_alpha_1", &j.vk_alpha_1, Infinity::Refused)?;
        let beta_g2 = parse_g2("vk_beta_2", &j.vk_beta_2, Infinity::Refused)?;
        let gamma_g2 = parse_g2("vk_gamma_2", &j.vk_gamma_2, Infinity::Refused)?;
        let delta_g2 = parse_g2("vk_delta_2", &j.vk_delta_2, Infinity::Refused)?;
        let alphabeta = parse_gt("vk_alphabeta_12", &j.vk_alphabeta_12)?;
        let gamma_abc_g1 =
            j.ic.iter()
                .enumerate()
                .map(|(i, p)| parse_g1(&format!("IC[{i}]"), p, Infinity::Allowed))
                .collect::<Result<Vec<_>, _>>()?;
        if Bn254::pairing(alpha_g1, beta_g2).0 != alphabeta {
            return Err(WireError::AlphaBetaMismatch { path: "vk_alphabeta_12".to_owned() });
        }
        Ok(Self { alpha_g1, beta_g2, gamma_g2, delta_g2, gamma_abc_g1 })
    }
}

impl From<&Proof> for ProofJson {
    /// Writes the proof as snarkjs does.
    fn from(proof: &Proof) -> Self {
        Self {
            pi_a: g1_to_json(&proof.a),
            pi_b: g2_to_json(&proof.b),
            pi_c: g1_to_json(&proof.c),
            protocol: PROTOCOL.to_owned(),
            curve: CURVE.to_owned(),
        }
    }
}

impl TryFrom<&ProofJson> for Proof {
    type Error = WireError;

    /// Reads and validates a proof; the point at infinity is refused in all three points.
    fn try_from(j: &ProofJson) -> Result<Self, WireError> {
        check_protocol(&j.protocol)?;
        check_curve(&j.curve)?;
        Ok(Self {
            a: parse_g1("pi_a", &j.pi_a, Infinity::Refused)?,
            b: parse_g2("pi_b", &j.pi_b, Infinity::Refused)?,
            c: parse_g1("pi_c", &j.pi_c, Infinity::Refused)?,
        })
    }
}

// ---------------------------------------------------------------------------------------
// Calldata

/// A proof and its public inputs as Ethereum calldata: `uint256[8]` and `uint256[N]`.
///
/// The proof words are `[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y]`: each G2
/// coordinate is written **imaginary part c1 first, then real part c0**, the order of the
/// bn256 pairing precompile ([EIP-197]); G1 points and inputs are plain integers. This is
/// snarkjs's order too: `src/groth16_exportsoliditycalldata.js` prints
/// `[[pi_b[0][1], pi_b[0][0]], [pi_b[1][1], pi_b[1][0]]]`, where `pi_b[i] = [c0, c1]`.
///
/// The text form ([`Calldata::to_json`], `Display`, [`Calldata::from_json`], `FromStr`) is
/// `{"proof": ["0x…", … 8], "inputs": ["0x…", …]}`, every word `0x` and 64 lowercase hex
/// digits, as snarkjs's `p256`.
///
/// The words are plain integers; [`Calldata::to_proof`] and [`Calldata::to_inputs`] validate
/// them into arkworks values (the point at infinity, `(0, 0)` in EIP-197, is refused in a
/// proof, as in [`ProofJson`]).
///
/// [EIP-197]: https://eips.ethereum.org/EIPS/eip-197
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calldata {
    /// `[a.x, a.y, b.x.c1, b.x.c0, b.y.c1, b.y.c0, c.x, c.y]`.
    pub proof: [U256; 8],
    /// The public inputs, in the statement's order.
    pub inputs: Vec<U256>,
}

/// The serde form of [`Calldata`]: words as hex strings.
#[derive(Serialize, Deserialize)]
struct CalldataJson {
    proof: [String; 8],
    inputs: Vec<String>,
}

fn word_to_hex(w: &U256) -> String {
    format!("0x{}", hex::encode(w.to_be_bytes::<32>()))
}

fn parse_word(path: &str, s: &str) -> Result<U256, WireError> {
    let bad = || WireError::NotHexWord { path: path.to_owned(), value: s.to_owned() };
    let digits = s.strip_prefix("0x").ok_or_else(bad)?;
    if digits.len() != 64 || !digits.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return Err(bad());
    }
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(digits, &mut bytes).map_err(|_| bad())?;
    Ok(U256::from_be_bytes(bytes))
}

impl Calldata {
    /// The calldata of a proof and its public inputs.
    #[must_use]
    pub fn new(proof: &Proof, inputs: &[Fr]) -> Self {
        let g1 = |p: &G1Affine| p.xy().map_or([U256::ZERO; 2], |(x, y)| [to_u256(x), to_u256(y)]);
        let [ax, ay] = g1(&proof.a);
        let [cx, cy] = g1(&proof.c);
        let [bx1, bx0, by1, by0] = proof.b.xy().map_or([U256::ZERO; 4], |(x, y)| {
            // EIP-197: imaginary part first.
            [to_u256(x.c1), to_u256(x.c0), to_u256(y.c1), to_u256(y.c0)]
        });
        Self { proof: [ax, ay, bx1, bx0, by1, by0, cx, cy], inputs: inputs.iter().map(|&x| to_u256(x)).collect() }
    }

    /// `{"proof":["0x…",…],"inputs":["0x…",…]}`, compact; `format!("{:#}")` pretty-prints.
    #[must_use]
    pub fn to_json(&self) -> String {
        self.to_string()
    }

    /// Reads the text form.
    ///
    /// # Errors
    /// [`WireError::Json`] for malformed JSON or a proof of other than 8 words;
    /// [`WireError::NotHexWord`] with path `proof[i]` or `inputs[i]`.
    pub fn from_json(s: &str) -> Result<Self, WireError> {
        let j: CalldataJson = serde_json::from_str(s)?;
        let mut proof = [U256::ZERO; 8];
        for (i, (w, s)) in proof.iter_mut().zip(&j.proof).enumerate() {
            *w = parse_word(&format!("proof[{i}]"), s)?;
        }
        let inputs = j
            .inputs
            .iter()
            .enumerate()
            .map(|(i, s)| parse_word(&format!("inputs[{i}]"), s))
            .collect::<Result<_, _>>()?;
        Ok(Self { proof, inputs })
    }

    /// The proof, validated (coordinates below p, on the curve, in the subgroup, not the point
    /// at infinity).
    ///
    /// # Errors
    /// [`WireError::CoordinateNotInField`] with path `proof[i]`; [`WireError::NotOnCurve`],
    /// [`WireError::NotInSubgroup`] or [`WireError::UnexpectedInfinity`] with path
    /// `proof[0..2]` (A), `proof[2..6]` (B) or `proof[6..8]` (C).
    pub fn to_proof(&self) -> Result<Proof, WireError> {
        let fq = |i: usize| {
            from_u256::<Fq>(self.proof[i])
                .ok_or_else(|| WireError::CoordinateNotInField { path: format!("proof[{i}]") })
        };
        let [ax, ay, bx1, bx0, by1, by0, cx, cy] = [fq(0)?, fq(1)?, fq(2)?, fq(3)?, fq(4)?, fq(5)?, fq(6)?, fq(7)?];
        let g1 = |path: &str, x: Fq, y: Fq| {
            if x.is_zero() && y.is_zero() {
                return Err(WireError::UnexpectedInfinity { path: path.to_owned() });
            }
            check_point(path, G1Affine::new_unchecked(x, y))
        };
        let (bx, by) = (Fq2::new(bx0, bx1), Fq2::new(by0, by1));
        if bx.is_zero() && by.is_zero() {
            return Err(WireError::UnexpectedInfinity { path: "proof[2..6]".to_owned() });
        }
        Ok(Proof {
            a: g1("proof[0..2]", ax, ay)?,
            b: check_point("proof[2..6]", G2Affine::new_unchecked(bx, by))?,
            c: g1("proof[6..8]", cx, cy)?,
        })
    }

    /// The public inputs, validated (below r).
    ///
    /// # Errors
    /// [`WireError::InputNotInField`] with path `inputs[i]`.
    pub fn to_inputs(&self) -> Result<Vec<Fr>, WireError> {
        self.inputs
            .iter()
            .enumerate()
            .map(|(i, &w)| from_u256(w).ok_or_else(|| WireError::InputNotInField { path: format!("inputs[{i}]") }))
            .collect()
    }
}

impl fmt::Display for Calldata {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let j = CalldataJson {
            proof: self.proof.each_ref().map(word_to_hex),
            inputs: self.inputs.iter().map(word_to_hex).collect(),
        };
        let text = if f.alternate() { serde_json::to_string_pretty(&j) } else { serde_json::to_string(&j) };
        f.write_str(&text.map_err(|_| fmt::Error)?)
    }
}

impl FromStr for Calldata {
    type Err = WireError;

    fn from_str(s: &str) -> Result<Self, WireError> {
        Self::from_json(s)
    }
}

#[cfg(test)]
mod tests;
