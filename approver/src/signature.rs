//! Signature files (`sig.json`): an approver's EdDSA-Poseidon signature on an intent, with
//! the public key and the intent itself; nothing secret. Any aggregator combines them into
//! a Threshold proof.
//!
//! ```json
//! { "format": "veil-signature", "version": 1,
//!   "public_key": ["<x>", "<y>"], "commitment": "<decimal>",
//!   "signature": { "r8": ["<x>", "<y>"], "s": "<decimal>" },
//!   "intent": { …the intent file… } }
//! ```
//! Reading checks the points, that the commitment is the key's, the intent's own hash and
//! field element, and that the signature verifies on the intent's field element.

use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use veil_circuits::{
    babyjubjub::{self, Point},
    eddsa::{self, PrivateKey, Signature},
    field, identity, Fr,
};

#[cfg(feature = "keys")]
use crate::keys::Key;
use crate::{
    document,
    intent::{Intent, IntentFile},
};

/// A signature file's header ([`document`]).
const KIND: document::Kind = document::Kind { format: "veil-signature", version: 1, noun: "a signature file" };

/// An intent signed by one approver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIntent {
    /// The signer's public key.
    pub public_key: Point,
    /// The signature on the intent's field element.
    pub signature: Signature,
    /// The intent.
    pub intent: Intent,
}

/// Why a signature file was refused.
#[derive(Debug, Error)]
pub enum SignatureError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// A field is malformed or inconsistent.
    #[error("{path}: field `{field}`: {reason}")]
    Field {
        /// The file.
        path: String,
        /// The JSON field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureJson {
    format: String,
    version: u64,
    public_key: [String; 2],
    commitment: String,
    signature: SigJson,
    intent: IntentFile,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SigJson {
    r8: [String; 2],
    s: String,
}

fn decimal(s: &str) -> Option<Fr> {
    field::parse(s).ok()
}

impl SignedIntent {
    /// Signs the intent's field element with `key`.
    #[cfg(feature = "keys")]
    #[must_use]
    pub fn sign(key: &Key, intent: &Intent) -> Self {
        Self::sign_with(&key.private, intent)
    }

    /// Signs the intent's field element with an EdDSA-Poseidon private key.
    #[must_use]
    pub fn sign_with(private: &PrivateKey, intent: &Intent) -> Self {
        Self {
            public_key: private.public_key(),
            signature: private.sign(intent.field_element()),
            intent: intent.clone(),
        }
    }

    /// `Poseidon(A.x, A.y)` of the signer.
    #[must_use]
    pub fn commitment(&self) -> Fr {
        identity::commitment(&self.public_key)
    }

    /// Whether the signature verifies on the intent (zk-kit's rule).
    #[must_use]
    pub fn verifies(&self) -> bool {
        eddsa::verify(&self.public_key, self.intent.field_element(), &self.signature)
    }

    /// Writes the file atomically.
    ///
    /// # Errors
    /// [`SignatureError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), SignatureError> {
        let json = SignatureJson {
            format: KIND.format.into(),
            version: KIND.version,
            public_key: [self.public_key.x.to_string(), self.public_key.y.to_string()],
            commitment: self.commitment().to_string(),
            signature: SigJson {
                r8: [self.signature.r8.x.to_string(), self.signature.r8.y.to_string()],
                s: self.signature.s.to_string(),
            },
            intent: IntentFile::from(&self.intent),
        };
        let text = serde_json::to_string_pretty(&json).expect("plain data") + "\n";
        veil_fs::write_atomic(path, text.as_bytes(), false)
            .map_err(|source| SignatureError::Io { path: path.display().to_string(), source })
    }

    /// Reads and checks a signature file.
    ///
    /// # Errors
    /// [`SignatureError::Io`], or [`SignatureError::Field`] naming the first bad field.
    pub fn load(path: &Path) -> Result<Self, SignatureError> {
        let p = path.display().to_string();
        let field = |field: &'static str, reason: String| SignatureError::Field { path: p.clone(), field, reason };
        let text = std::fs::read_to_string(path).map_err(|source| SignatureError::Io { path: p.clone(), source })?;
        let json: SignatureJson =
            serde_json::from_str(&text).map_err(|e| field("(file)", format!("not a signature file: {e}")))?;
        document::check(&json.format, json.version, &KIND).map_err(|e| field(e.field, e.reason))?;
        let point = |name: &'static str, xy: &[String; 2]| -> Result<Point, SignatureError> {
            let (x, y) = (decimal(&xy[0]), decimal(&xy[1]));
            let (Some(x), Some(y)) = (x, y) else {
                return Err(field(name, "not decimal field elements below r".into()));
            };
            babyjubjub::point_on_curve(x, y).map_err(|e| field(name, e.to_string()))
        };
        let public_key = point("public_key", &json.public_key)?;
        let r8 = point("signature.r8", &json.signature.r8)?;
        let s = decimal(&json.signature.s)
            .ok_or_else(|| field("signature.s", "not a decimal field element below r".into()))?;
        if decimal(&json.commitment) != Some(identity::commitment(&public_key)) {
            return Err(field("commitment", "is not the public key's".into()));
        }
        let intent = Intent::try_from(json.intent).map_err(|e| field("intent", format!("{e:#}")))?;
        let signed = Self { public_key, signature: Signature { r8, s }, intent };
        if !signed.verifies() {
            return Err(field("signature", "does not verify on the intent".into()));
        }
        Ok(signed)
    }
}

// The tests sign with key files (`Key`), so they need the `keys` feature.
#[cfg(all(test, feature = "keys"))]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;
    use crate::testing::intent;

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sig.json");
        let key = Key::generate(&mut ChaCha20Rng::seed_from_u64(5));
        let signed = SignedIntent::sign(&key, &intent(1));
        assert!(signed.verifies());
        signed.save(&path).unwrap();
        assert_eq!(SignedIntent::load(&path).unwrap(), signed);
        let text = std::fs::read_to_string(&path).unwrap();
        let hex = hex::encode(key.private.as_bytes());
        assert!(!text.contains(&hex), "nothing secret in a signature file");

        let other = SignedIntent::sign(&key, &intent(2));
        let forged = text.replace(&signed.signature.s.to_string(), &other.signature.s.to_string());
        std::fs::write(&path, forged).unwrap();
        assert!(SignedIntent::load(&path).unwrap_err().to_string().contains("field `signature`"));
        let bad = text.replace(&signed.commitment().to_string(), "5");
        std::fs::write(&path, bad).unwrap();
        assert!(SignedIntent::load(&path).unwrap_err().to_string().contains("field `commitment`"));
        let off = text.replace(&signed.public_key.y.to_string(), "7");
        std::fs::write(&path, off).unwrap();
        assert!(SignedIntent::load(&path).unwrap_err().to_string().contains("field `public_key`"));
    }
}
