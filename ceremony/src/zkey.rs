//! snarkjs's Groth16 `.zkey` file: the ceremony's transcript and, once finalized, a key.
//!
//! Sections: 1 protocol (u32 1 = Groth16); 2 header (n8q, q, n8r, r, nVars, nPublic without
//! the one, domain size, then α₁, β₁, β₂, γ₂, δ₁, δ₂); 3 IC (ℓ + 1 G1 points); 4 the A and B
//! coefficients (u32 count, then {u32 matrix, u32 row, u32 wire, value·R² mod r}); 5 A,
//! 6 B₁ (G1), 7 B₂ (G2), one point per wire; 8 L, one per wire above ℓ; 9 H, one per domain
//! point: the odd Lagrange points of the 2n-point domain; 10 the circuit hash (BLAKE2b-512),
//! u32 count, then each contribution: δ after it (G1), s, s·δ′ (G1), r·δ′ (G2), the
//! transcript hash (64 bytes), u32 type (0 contributor, 1 beacon), u32 length and sorted
//! TLV parameters (1 name, ≤ 64 characters; 2 beacon iteration exponent; 3 beacon hash).
//!
//! A fresh init writes its sections in the order 1, 2, 4, 3, 9, 8, 5, 6, 7, 10, a
//! contribution in 1…10, as snarkjs does: [`Layout`] chooses, so that veil's files are
//! byte-identical to snarkjs's.

use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ff::{BigInteger, PrimeField};
use blake2::{Blake2b512, Digest};

use crate::{
    binfile::{Sections, Writer},
    error::FormatError,
    points::{decode_all, decode_all_with, encode_all, FilePoint, G1_LEN, G2_LEN},
};

const KIND: &str = "zkey";
/// Bytes of the Groth16 header section.
const HEADER_LEN: u64 = 4 + 32 + 4 + 32 + 12 + 3 * G1_LEN as u64 + 3 * G2_LEN as u64;
/// Bytes of one coefficient entry.
pub const COEFF_LEN: usize = 12 + 32;
/// The longest contributor name, in characters (snarkjs cuts longer ones; veil refuses them).
pub const MAX_NAME_CHARS: usize = 64;

/// Which order the sections are written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `snarkjs groth16 setup`'s order: 1, 2, 4, 3, 9, 8, 5, 6, 7, 10.
    Init,
    /// `snarkjs zkey contribute` / `beacon`'s order: 1 to 10.
    Contributed,
}

/// What kind of contribution a record is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A contributor's secret δ′.
    Contributor,
    /// A public beacon: δ′ derived from `hash` iterated 2^`exp` times through SHA-256.
    Beacon {
        /// The beacon value.
        hash: Vec<u8>,
        /// The iteration exponent.
        exp: u8,
    },
}

/// One contribution record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Contribution {
    /// δ₁ after this contribution.
    pub delta_after: G1Affine,
    /// The random point s.
    pub s: G1Affine,
    /// s·δ′.
    pub s_delta: G1Affine,
    /// r·δ′, with r = hashToG2(transcript).
    pub r_delta: G2Affine,
    /// BLAKE2b-512 of the circuit hash, every earlier record, s and s·δ′.
    pub transcript: [u8; 64],
    /// Contributor or beacon.
    pub kind: Kind,
    /// The contributor's name, if given.
    pub name: Option<String>,
}

impl Contribution {
    /// Appends the record's public key as snarkjs hashes it (δ after, s, s·δ′, r·δ′, transcript).
    pub fn hash_into(&self, h: &mut Blake2b512) {
        for p in [&self.delta_after, &self.s, &self.s_delta] {
            h.update(crate::points::to_u(p));
        }
        h.update(crate::points::to_u(&self.r_delta));
        h.update(self.transcript);
    }

    /// The contribution hash contributors publish: BLAKE2b-512 of [`Contribution::hash_into`].
    #[must_use]
    pub fn hash(&self) -> [u8; 64] {
        let mut h = Blake2b512::new();
        self.hash_into(&mut h);
        h.finalize().into()
    }

    /// The name, or "unnamed".
    #[must_use]
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| "unnamed".into())
    }

    fn encode(&self, out: &mut Vec<u8>) {
        self.delta_after.encode(out);
        self.s.encode(out);
        self.s_delta.encode(out);
        self.r_delta.encode(out);
        out.extend_from_slice(&self.transcript);
        let kind: u32 = match self.kind {
            Kind::Contributor => 0,
            Kind::Beacon { .. } => 1,
        };
        out.extend_from_slice(&kind.to_le_bytes());
        let mut params = Vec::new();
        if let Some(name) = &self.name {
            params.push(1);
            params.push(u8::try_from(name.len()).expect("names are checked to ≤ 64 characters"));
            params.extend_from_slice(name.as_bytes());
        }
        if let Kind::Beacon { hash, exp } = &self.kind {
            params.extend_from_slice(&[2, *exp, 3]);
            params.push(u8::try_from(hash.len()).expect("beacon hashes are checked to < 256 bytes"));
            params.extend_from_slice(hash);
        }
        out.extend_from_slice(&u32::try_from(params.len()).expect("short").to_le_bytes());
        out.extend_from_slice(&params);
    }
}

/// Checks a contributor name: at most [`MAX_NAME_CHARS`] characters.
///
/// # Errors
/// A description of the problem.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(format!(
            "the name is {} characters; at most {MAX_NAME_CHARS} fit a transcript",
            name.chars().count()
        ));
    }
    if name.len() > 255 {
        return Err(format!("the name is {} bytes in UTF-8; at most 255 fit a transcript record", name.len()));
    }
    if name.chars().any(char::is_control) {
        return Err("the name contains control characters".into());
    }
    Ok(())
}

/// A Groth16 `.zkey`, every point decoded and checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zkey {
    /// Wires, with the constant one.
    pub n_vars: u32,
    /// Public inputs, without the one.
    pub n_public: u32,
    /// The QAP domain size n.
    pub domain_size: u32,
    /// α·G1.
    pub alpha1: G1Affine,
    /// β·G1.
    pub beta1: G1Affine,
    /// β·G2.
    pub beta2: G2Affine,
    /// γ·G2 (the generator: γ = 1).
    pub gamma2: G2Affine,
    /// δ·G1.
    pub delta1: G1Affine,
    /// δ·G2.
    pub delta2: G2Affine,
    /// The verifying key's input points.
    pub ic: Vec<G1Affine>,
    /// Section 4 as stored (the A and B coefficients; unused by veil's prover).
    pub coeffs: Vec<u8>,
    /// A query, one per wire.
    pub a: Vec<G1Affine>,
    /// B query in G1.
    pub b1: Vec<G1Affine>,
    /// B query in G2.
    pub b2: Vec<G2Affine>,
    /// L query, one per wire above ℓ.
    pub l: Vec<G1Affine>,
    /// H query in snarkjs's odd-coset Lagrange form.
    pub h: Vec<G1Affine>,
    /// The circuit hash.
    pub cs_hash: [u8; 64],
    /// The contributions, oldest first.
    pub contributions: Vec<Contribution>,
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(b[at..at + 4].try_into().expect("4 bytes"))
}

fn point<P: FilePoint>(b: &[u8], at: usize, section: u32, name: &'static str) -> Result<P, FormatError> {
    P::decode(&b[at..at + P::LEN]).map_err(|why| FormatError::BadPoint { kind: KIND, section, name, index: 0, why })
}

impl Zkey {
    /// Decodes a `.zkey` file, checking every size against the header and every point.
    ///
    /// # Errors
    /// [`FormatError`] naming the section and point.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, FormatError> {
        Self::decode(bytes, true)
    }

    /// [`Zkey::from_bytes`] for a contribution: the B₂ points, which a contribution copies
    /// unchanged, are checked on the curve but not for the subgroup (most of the cost of
    /// reading a key). Verification reads them with every check.
    ///
    /// # Errors
    /// As [`Zkey::from_bytes`].
    pub fn from_bytes_to_contribute(bytes: &[u8]) -> Result<Self, FormatError> {
        Self::decode(bytes, false)
    }

    fn decode(bytes: &[u8], b2_subgroup: bool) -> Result<Self, FormatError> {
        let sections = Sections::parse(bytes, KIND)?;
        let s1 = sections.need_len(1, 4)?;
        if u32_at(bytes, s1.offset as usize) != 1 {
            return Err(FormatError::Invalid { kind: KIND, what: "not a Groth16 key (section 1 is not 1)".into() });
        }
        sections.need_len(2, HEADER_LEN)?;
        let h = sections.slice(bytes, 2)?;
        if u32_at(h, 0) != 32
            || h[4..36] != Fq::MODULUS.to_bytes_le()[..]
            || u32_at(h, 36) != 32
            || h[40..72] != Fr::MODULUS.to_bytes_le()[..]
        {
            return Err(FormatError::Invalid { kind: KIND, what: "the key is not for BN254 (bn128)".into() });
        }
        let (n_vars, n_public, domain_size) = (u32_at(h, 72), u32_at(h, 76), u32_at(h, 80));
        if n_public >= n_vars || !domain_size.is_power_of_two() {
            return Err(FormatError::Invalid {
                kind: KIND,
                what: format!("inconsistent sizes: {n_vars} wires, {n_public} public, domain {domain_size}"),
            });
        }
        let alpha1 = point(h, 84, 2, "α₁")?;
        let beta1 = point(h, 148, 2, "β₁")?;
        let beta2 = point(h, 212, 2, "β₂")?;
        let gamma2 = point(h, 340, 2, "γ₂")?;
        let delta1 = point(h, 468, 2, "δ₁")?;
        let delta2 = point(h, 532, 2, "δ₂")?;
        let (g1, g2) = (G1_LEN as u64, G2_LEN as u64);
        let nv = u64::from(n_vars);
        let np = u64::from(n_public);
        sections.need_len(3, (np + 1) * g1)?;
        sections.need_len(5, nv * g1)?;
        sections.need_len(6, nv * g1)?;
        sections.need_len(7, nv * g2)?;
        sections.need_len(8, (nv - np - 1) * g1)?;
        sections.need_len(9, u64::from(domain_size) * g1)?;
        let coeffs = sections.slice(bytes, 4)?;
        if coeffs.len() < 4 || coeffs.len() != 4 + u32_at(coeffs, 0) as usize * COEFF_LEN {
            return Err(FormatError::Invalid {
                kind: KIND,
                what: "section 4 (coefficients) has the wrong length for its count".into(),
            });
        }
        let g1s = |id, name| decode_all::<G1Affine>(sections.slice(bytes, id)?, KIND, id, name);
        let ic = g1s(3, "IC")?;
        let a = g1s(5, "A")?;
        let b1 = g1s(6, "B₁")?;
        let b2_decode = if b2_subgroup { G2Affine::decode } else { G2Affine::decode_on_curve };
        let b2 = decode_all_with::<G2Affine>(sections.slice(bytes, 7)?, KIND, 7, "B₂", b2_decode)?;
        let l = g1s(8, "L")?;
        let hq = g1s(9, "H")?;
        let (cs_hash, contributions) = read_mpc(sections.slice(bytes, 10)?)?;
        Ok(Self {
            n_vars,
            n_public,
            domain_size,
            alpha1,
            beta1,
            beta2,
            gamma2,
            delta1,
            delta2,
            ic,
            coeffs: coeffs.to_vec(),
            a,
            b1,
            b2,
            l,
            h: hq,
            cs_hash,
            contributions,
        })
    }

    /// Encodes the key with its sections in `layout`'s order.
    #[must_use]
    pub fn to_bytes(&self, layout: Layout) -> Vec<u8> {
        let order: [u32; 10] = match layout {
            Layout::Init => [1, 2, 4, 3, 9, 8, 5, 6, 7, 10],
            Layout::Contributed => [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
        };
        let mut w = Writer::new(KIND, 10);
        for id in order {
            let out = w.section(id);
            match id {
                1 => out.extend_from_slice(&1u32.to_le_bytes()),
                2 => self.encode_header(out),
                3 => encode_all(out, &self.ic),
                4 => out.extend_from_slice(&self.coeffs),
                5 => encode_all(out, &self.a),
                6 => encode_all(out, &self.b1),
                7 => encode_all(out, &self.b2),
                8 => encode_all(out, &self.l),
                9 => encode_all(out, &self.h),
                _ => {
                    out.extend_from_slice(&self.cs_hash);
                    out.extend_from_slice(&u32::try_from(self.contributions.len()).expect("few").to_le_bytes());
                    for c in &self.contributions {
                        c.encode(out);
                    }
                }
            }
        }
        w.finish()
    }

    fn encode_header(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&Fq::MODULUS.to_bytes_le());
        out.extend_from_slice(&32u32.to_le_bytes());
        out.extend_from_slice(&Fr::MODULUS.to_bytes_le());
        for n in [self.n_vars, self.n_public, self.domain_size] {
            out.extend_from_slice(&n.to_le_bytes());
        }
        self.alpha1.encode(out);
        self.beta1.encode(out);
        self.beta2.encode(out);
        self.gamma2.encode(out);
        self.delta1.encode(out);
        self.delta2.encode(out);
    }
}

/// Decodes section 10: the circuit hash and the contribution records.
fn read_mpc(b: &[u8]) -> Result<([u8; 64], Vec<Contribution>), FormatError> {
    let bad = |what: String| FormatError::Invalid { kind: KIND, what: format!("section 10 (contributions): {what}") };
    if b.len() < 68 {
        return Err(bad("shorter than the circuit hash and count".into()));
    }
    let cs_hash: [u8; 64] = b[..64].try_into().expect("64 bytes");
    let n = u32_at(b, 64) as usize;
    let mut at = 68;
    let mut out = Vec::new();
    let fixed = 3 * G1_LEN + G2_LEN + 64 + 8;
    for i in 0..n {
        if b.len() < at + fixed {
            return Err(bad(format!("record {} is truncated", i + 1)));
        }
        let p = |off: usize, name| point::<G1Affine>(b, at + off, 10, name);
        let delta_after = p(0, "δ after")?;
        let s = p(64, "s")?;
        let s_delta = p(128, "s·δ′")?;
        let r_delta = point::<G2Affine>(b, at + 192, 10, "r·δ′")?;
        let transcript: [u8; 64] = b[at + 320..at + 384].try_into().expect("64 bytes");
        let kind = u32_at(b, at + 384);
        let len = u32_at(b, at + 388) as usize;
        at += fixed;
        if b.len() < at + len {
            return Err(bad(format!("record {}'s parameters are truncated", i + 1)));
        }
        let params = &b[at..at + len];
        at += len;
        let (mut name, mut exp, mut hash) = (None, None, None);
        let mut last = 0u8;
        let mut j = 0;
        while j < params.len() {
            let t = params[j];
            if t <= last {
                return Err(bad(format!("record {}'s parameters are not sorted", i + 1)));
            }
            last = t;
            let need = |k: usize| {
                if j + k < params.len() {
                    Ok(())
                } else {
                    Err(bad(format!("record {}'s parameter {t} is truncated", i + 1)))
                }
            };
            match t {
                1 | 3 => {
                    need(1)?;
                    let l = params[j + 1] as usize;
                    if j + 2 + l > params.len() {
                        return Err(bad(format!("record {}'s parameter {t} is truncated", i + 1)));
                    }
                    let v = &params[j + 2..j + 2 + l];
                    if t == 1 {
                        name = Some(
                            String::from_utf8(v.to_vec())
                                .map_err(|_| bad(format!("record {}'s name is not UTF-8", i + 1)))?,
                        );
                    } else {
                        hash = Some(v.to_vec());
                    }
                    j += 2 + l;
                }
                2 => {
                    need(1)?;
                    exp = Some(params[j + 1]);
                    j += 2;
                }
                _ => return Err(bad(format!("record {} has unknown parameter {t}", i + 1))),
            }
        }
        let kind = match (kind, exp, hash) {
            (0, None, None) => Kind::Contributor,
            (1, Some(exp), Some(hash)) => Kind::Beacon { hash, exp },
            (0 | 1, ..) => return Err(bad(format!("record {}'s beacon parameters do not match its type", i + 1))),
            (k, ..) => return Err(bad(format!("record {} has unknown type {k}", i + 1))),
        };
        out.push(Contribution { delta_after, s, s_delta, r_delta, transcript, kind, name });
    }
    if at != b.len() {
        return Err(bad(format!("{} bytes after the last record", b.len() - at)));
    }
    Ok((cs_hash, out))
}
