//! The Solidity Groth16 verifier, rendered from a verifying key ([DESIGN §6][design]).
//!
//! `templates/Verifier.sol` is veil's own template (snarkjs's is GPL-3.0 and gnark's is tied
//! to gnark; neither is used). It is rendered by askama from [`VerifierContext`](crate::render::VerifierContext), a typed
//! context in which every constant is already a 32-byte hex word: β, γ and δ are negated
//! here, and the error selectors are computed from the error signatures, so the template holds
//! no arithmetic beyond offsets. The contract's `@notice` states the key's provenance
//! ([`KeyProvenance`](crate::render::KeyProvenance)): a development setup, a ceremony with its
//! circuit and verifying-key hashes, or unknown.
//!
//! [design]: https://github.com/veil-zk/veil/blob/main/DESIGN.md
use alloy_primitives::{keccak256, U256};
use ark_bn254::{Fq, Fr, G1Affine, G2Affine};
use ark_ec::{short_weierstrass::SWCurveConfig, AffineRepr};
use ark_ff::{BigInteger, PrimeField};
use askama::Template;
use veil_prover::VerifyingKey;

/// The custom errors of the rendered verifier, as declared in the template.
pub const ERRORS: [&str; 4] = [
    "PublicInputNotInField(uint256)",
    "ProofCoordinateNotInField(uint256)",
    "ProofPointNotOnCurve(uint256)",
    "ProofInvalid()",
];

/// What to call the contract, how to describe it, and where its key came from.
#[derive(Clone, Debug)]
pub struct VerifierOptions {
    /// The contract's name (a Solidity identifier).
    pub contract_name: String,
    /// A short description for the NatSpec title, e.g. "veil Approval, depth 20"; may be empty.
    pub description: String,
    /// Where the verifying key came from, stated in the contract's `@notice` so that whoever
    /// reads a deployed contract's source sees it.
    pub provenance: KeyProvenance,
}

/// Where a verifying key's parameters came from, as the rendered contract states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyProvenance {
    /// A development setup (`veil setup`): one machine's randomness, so whoever ran it can
    /// forge proofs.
    Development,
    /// A multi-party phase-2 ceremony (`veil ceremony finalize`).
    Ceremony {
        /// The ceremony's circuit hash: snarkjs's `csHash` (BLAKE2b-512), the manifest's
        /// `circuit.circuit_hash`.
        circuit_hash: [u8; 64],
        /// SHA-256 of the verifying key in the verifier's byte order (α₁, β₂, γ₂, δ₂, then
        /// every IC point; G2 coordinates as x.c1, x.c0, y.c1, y.c0): the manifest's `vk_hash`,
        /// `veil_ceremony::manifest::vk_hash`.
        vk_hash: [u8; 32],
        /// The number of contributions, the beacon included, when the manifest was read.
        contributions: Option<usize>,
    },
    /// Nothing is known of the key's origin (it was rendered without its setup's records).
    Unknown,
}

impl KeyProvenance {
    /// The lines the contract's `@notice` continues with (without `/// `), each at most
    /// about 100 characters but for the hashes.
    fn notice(&self) -> Vec<String> {
        match self {
            Self::Development => vec![
                "DEVELOPMENT verifying key (one machine's randomness): whoever ran the setup can forge".into(),
                "proofs. Do not deploy where funds are at stake.".into(),
            ],
            Self::Ceremony { circuit_hash, vk_hash, contributions } => {
                let count = match contributions {
                    Some(1) => " of 1 contribution".to_owned(),
                    Some(n) => format!(" of {n} contributions"),
                    None => String::new(),
                };
                vec![
                    format!("Verifying key from a multi-party ceremony{count} (see its MANIFEST.json):"),
                    format!("circuit hash 0x{},", hex::encode(circuit_hash)),
                    format!("vk hash 0x{}.", hex::encode(vk_hash)),
                ]
            }
            Self::Unknown => vec![
                "Verifying key of unknown provenance (rendered without its setup's proving key or ceremony".into(),
                "manifest): check where it came from before trusting it.".into(),
            ],
        }
    }
}

/// One phrase for messages: "development key", "ceremony key (4 contributions)", "key of
/// unknown provenance".
impl std::fmt::Display for KeyProvenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Development => f.write_str("development key"),
            Self::Ceremony { contributions: Some(1), .. } => f.write_str("ceremony key (1 contribution)"),
            Self::Ceremony { contributions: Some(n), .. } => write!(f, "ceremony key ({n} contributions)"),
            Self::Ceremony { contributions: None, .. } => f.write_str("ceremony key"),
            Self::Unknown => f.write_str("key of unknown provenance"),
        }
    }
}

/// Why a verifier could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The contract name is not a Solidity identifier.
    #[error("contract name {0:?} is not a Solidity identifier (letters, digits, `_`, `$`; not starting with a digit)")]
    Name(String),
    /// The key has no `IC_0` (no setup produces such a key).
    #[error("the verifying key has no IC points")]
    NoIc,
    /// The description would break out of its comment.
    #[error("description must be one line of printable text without `*/`")]
    Description,
    /// askama failed (a bug in the template).
    #[error("rendering the template: {0}")]
    Template(#[from] askama::Error),
}

/// A G1 point as two words.
pub struct G1Words {
    /// x, `0x` and 64 hex digits.
    pub x: String,
    /// y.
    pub y: String,
}

/// A G2 point as four words in EIP-197 order.
pub struct G2Words {
    /// x's imaginary part.
    pub x_im: String,
    /// x's real part.
    pub x_re: String,
    /// y's imaginary part.
    pub y_im: String,
    /// y's real part.
    pub y_re: String,
}

/// The typed context of `templates/Verifier.sol`.
#[derive(Template)]
#[template(path = "Verifier.sol", escape = "none")]
pub struct VerifierContext {
    veil_version: &'static str,
    contract_name: String,
    description: String,
    provenance: Vec<String>,
    n: usize,
    p: String,
    r: String,
    twist_b_re: String,
    twist_b_im: String,
    alpha: G1Words,
    beta_neg: G2Words,
    gamma_neg: G2Words,
    delta_neg: G2Words,
    ics: Vec<G1Words>,
    proof_words_after_first: Vec<usize>,
    input_words: Vec<usize>,
    selector_input: String,
    selector_coordinate: String,
    selector_curve: String,
    selector_invalid: String,
}

fn word(v: U256) -> String {
    format!("{v:#066x}")
}

fn fq(x: Fq) -> String {
    word(U256::from_be_slice(&x.into_bigint().to_bytes_be()))
}

fn g1(p: &G1Affine) -> G1Words {
    // EIP-196 writes the point at infinity as (0, 0).
    let (x, y) = p.xy().unwrap_or_default();
    G1Words { x: fq(x), y: fq(y) }
}

fn g2(p: &G2Affine) -> G2Words {
    let (x, y) = p.xy().unwrap_or_default();
    G2Words { x_im: fq(x.c1), x_re: fq(x.c0), y_im: fq(y.c1), y_re: fq(y.c0) }
}

/// The selector of an error signature as a left-aligned 32-byte word (what `mstore(0, ·)`
/// needs before a `revert(0, 4 + 32·args)`).
fn selector_word(signature: &str) -> String {
    let mut w = [0u8; 32];
    w[..4].copy_from_slice(&keccak256(signature.as_bytes())[..4]);
    word(U256::from_be_bytes(w))
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

impl VerifierContext {
    /// The context for `vk`.
    ///
    /// # Errors
    /// [`RenderError::Name`], [`RenderError::Description`], [`RenderError::NoIc`].
    pub fn new(vk: &VerifyingKey, options: &VerifierOptions) -> Result<Self, RenderError> {
        if !is_identifier(&options.contract_name) {
            return Err(RenderError::Name(options.contract_name.clone()));
        }
        if options.description.contains("*/") || options.description.chars().any(char::is_control) {
            return Err(RenderError::Description);
        }
        if vk.gamma_abc_g1.is_empty() {
            return Err(RenderError::NoIc);
        }
        let n = vk.gamma_abc_g1.len() - 1;
        let b = ark_bn254::g2::Config::COEFF_B;
        Ok(Self {
            veil_version: env!("CARGO_PKG_VERSION"),
            contract_name: options.contract_name.clone(),
            description: options.description.clone(),
            provenance: options.provenance.notice(),
            n,
            p: word(U256::from_be_slice(&Fq::MODULUS.to_bytes_be())),
            r: word(U256::from_be_slice(&Fr::MODULUS.to_bytes_be())),
            twist_b_re: fq(b.c0),
            twist_b_im: fq(b.c1),
            alpha: g1(&vk.alpha_g1),
            beta_neg: g2(&(-vk.beta_g2)),
            gamma_neg: g2(&(-vk.gamma_g2)),
            delta_neg: g2(&(-vk.delta_g2)),
            ics: vk.gamma_abc_g1.iter().map(g1).collect(),
            proof_words_after_first: (1..8).collect(),
            input_words: (0..n).collect(),
            selector_input: selector_word(ERRORS[0]),
            selector_coordinate: selector_word(ERRORS[1]),
            selector_curve: selector_word(ERRORS[2]),
            selector_invalid: selector_word(ERRORS[3]),
        })
    }
}

/// Renders the Solidity verifier of `vk`.
///
/// # Errors
/// See [`VerifierContext::new`]; [`RenderError::Template`] only on a template bug.
pub fn render_verifier(vk: &VerifyingKey, options: &VerifierOptions) -> Result<String, RenderError> {
    Ok(VerifierContext::new(vk, options)?.render()?)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use veil_prover::snarkjs::VerificationKeyJson;

    use super::*;

    /// The fixed key of the golden test and its snarkjs JSON.
    fn fixed_key() -> (VerificationKeyJson, VerifyingKey) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/approval_d20_vk.json");
        let json: VerificationKeyJson = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let vk = VerifyingKey::try_from(&json).unwrap();
        (json, vk)
    }

    /// A fixed verifying key (a development setup of Approval at depth 20) renders byte for
    /// byte to the checked-in contract. After an intended template change, regenerate with
    /// `VEIL_UPDATE_GOLDEN=1 cargo test -p veil-verifier-contract golden` and review the diff.
    #[test]
    fn golden_verifier() {
        let (_, vk) = fixed_key();
        let options = VerifierOptions {
            contract_name: "ApprovalVerifier".into(),
            description: "veil Approval, depth 20".into(),
            provenance: KeyProvenance::Development,
        };
        let rendered = render_verifier(&vk, &options).unwrap().replace(env!("CARGO_PKG_VERSION"), "VERSION");
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/ApprovalVerifier.sol");
        if std::env::var_os("VEIL_UPDATE_GOLDEN").is_some() {
            std::fs::write(&golden, &rendered).unwrap();
        }
        assert_eq!(rendered, std::fs::read_to_string(golden).unwrap());
    }

    #[test]
    fn constants_are_the_keys() {
        let (json, vk) = fixed_key();
        let options = VerifierOptions {
            contract_name: "V".into(),
            description: String::new(),
            provenance: KeyProvenance::Unknown,
        };
        let ctx = VerifierContext::new(&vk, &options).unwrap();
        // α as snarkjs writes it; −β is β with y negated (p − y), in EIP-197 order.
        assert_eq!(U256::from_str_radix(&ctx.alpha.x[2..], 16).unwrap().to_string(), json.vk_alpha_1[0]);
        let p = U256::from_be_slice(&Fq::MODULUS.to_bytes_be());
        let beta_y_re: U256 = json.vk_beta_2[1][0].parse().unwrap();
        assert_eq!(U256::from_str_radix(&ctx.beta_neg.y_re[2..], 16).unwrap(), p - beta_y_re);
        assert_eq!(U256::from_str_radix(&ctx.beta_neg.x_im[2..], 16).unwrap().to_string(), json.vk_beta_2[0][1]);
        assert_eq!(ctx.ics.len(), json.ic.len());
        // The selectors are the errors' (checked against solc's ABI in the EVM tests too).
        assert_eq!(&ctx.selector_invalid[..10], format!("0x{}", hex::encode(&keccak256(b"ProofInvalid()")[..4])));
    }

    /// The NatSpec header of `vk` rendered with `provenance`: the lines from `@title` to
    /// `@dev`, exclusive.
    fn notice(vk: &VerifyingKey, provenance: KeyProvenance) -> Vec<String> {
        let options = VerifierOptions { contract_name: "V".into(), description: "d".into(), provenance };
        let sol = render_verifier(vk, &options).unwrap();
        let lines: Vec<&str> = sol.lines().collect();
        let start = lines.iter().position(|l| l.starts_with("/// @title")).unwrap() + 1;
        let end = lines.iter().position(|l| l.starts_with("/// @dev")).unwrap();
        lines[start..end].iter().map(|l| (*l).to_owned()).collect()
    }

    /// Each provenance continues the contract's `@notice` with its own lines.
    #[test]
    fn provenance_is_stated_in_the_notice() {
        let (_, vk) = fixed_key();
        let title = "/// @notice Verifies Groth16 proofs over BN254 for one verifying key (d).";
        assert_eq!(
            notice(&vk, KeyProvenance::Development),
            [
                title,
                "/// DEVELOPMENT verifying key (one machine's randomness): whoever ran the setup can forge",
                "/// proofs. Do not deploy where funds are at stake.",
            ]
        );
        assert_eq!(
            notice(&vk, KeyProvenance::Unknown),
            [
                title,
                "/// Verifying key of unknown provenance (rendered without its setup's proving key or ceremony",
                "/// manifest): check where it came from before trusting it.",
            ]
        );
        let (circuit_hash, vk_hash) = ([0xab; 64], [0x01; 32]);
        let hashes =
            [format!("/// circuit hash 0x{},", "ab".repeat(64)), format!("/// vk hash 0x{}.", "01".repeat(32))];
        for (contributions, first) in [
            (Some(4), "/// Verifying key from a multi-party ceremony of 4 contributions (see its MANIFEST.json):"),
            (Some(1), "/// Verifying key from a multi-party ceremony of 1 contribution (see its MANIFEST.json):"),
            (None, "/// Verifying key from a multi-party ceremony (see its MANIFEST.json):"),
        ] {
            assert_eq!(
                notice(&vk, KeyProvenance::Ceremony { circuit_hash, vk_hash, contributions }),
                [title, first, &hashes[0], &hashes[1]]
            );
        }
    }

    /// The phrase for messages.
    #[test]
    fn provenance_displays_as_one_phrase() {
        let ceremony =
            |contributions| KeyProvenance::Ceremony { circuit_hash: [0; 64], vk_hash: [0; 32], contributions };
        assert_eq!(KeyProvenance::Development.to_string(), "development key");
        assert_eq!(ceremony(Some(4)).to_string(), "ceremony key (4 contributions)");
        assert_eq!(ceremony(Some(1)).to_string(), "ceremony key (1 contribution)");
        assert_eq!(ceremony(None).to_string(), "ceremony key");
        assert_eq!(KeyProvenance::Unknown.to_string(), "key of unknown provenance");
    }
}
