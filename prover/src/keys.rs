//! Approver key files: a private key from the OS's CSPRNG, written `0600` and atomically,
//! with its public half recorded beside it so that tools can show it without the secret.
//!
//! Layout (JSON):
//! ```json
//! { "format": "veil-key", "version": 1, "encryption": "none",
//!   "private_key": "<64 hex digits>", "public_key": ["<x>", "<y>"], "commitment": "<decimal>" }
//! ```
//! `encryption` is `none` in this version: the file is protected by its permissions only.
//! Encryption at rest (Web3 Secret Storage) and mnemonic derivation come with the key
//! management work; readers refuse any other `encryption` value they do not know.

use std::{fmt, path::Path, str::FromStr};

use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use veil_circuits::{babyjubjub::Point, eddsa::PrivateKey, identity, Fr};
use zeroize::Zeroizing;

/// A loaded approver key: the private key and its public parts.
#[derive(Clone)]
pub struct Key {
    /// The private key (wiped on drop, never printed).
    pub private: PrivateKey,
    /// `A = secret·Base8`.
    pub public_key: Point,
    /// `Poseidon(A.x, A.y)`.
    pub commitment: Fr,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key").field("commitment", &self.commitment).finish_non_exhaustive()
    }
}

/// Why a key file was refused.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not a veil key, or a field is malformed.
    #[error("{path}: field `{field}`: {reason}")]
    Field {
        /// The file.
        path: String,
        /// The JSON field.
        field: &'static str,
        /// What is wrong (never the secret itself).
        reason: String,
    },
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    format: String,
    version: u32,
    encryption: String,
    private_key: Zeroizing<String>,
    public_key: [String; 2],
    commitment: String,
}

impl Key {
    /// A fresh key: 32 bytes from `rng` (the CLI passes the OS's CSPRNG).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self::from_private(PrivateKey::random(rng))
    }

    /// The key with its derived public parts.
    #[must_use]
    pub fn from_private(private: PrivateKey) -> Self {
        let public_key = private.public_key();
        let commitment = identity::commitment(&public_key);
        Self { private, public_key, commitment }
    }

    /// Writes the key file atomically, `0600`.
    ///
    /// # Errors
    /// [`KeyError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), KeyError> {
        let json = KeyJson {
            format: "veil-key".into(),
            version: 1,
            encryption: "none".into(),
            private_key: Zeroizing::new(hex::encode(self.private.as_bytes())),
            public_key: [self.public_key.x.to_string(), self.public_key.y.to_string()],
            commitment: self.commitment.to_string(),
        };
        let text = Zeroizing::new(serde_json::to_string_pretty(&json).expect("plain data") + "\n");
        crate::fs::write_atomic(path, text.as_bytes(), true)
            .map_err(|source| KeyError::Io { path: path.display().to_string(), source })
    }

    /// Reads a key file and checks that its recorded public parts match its private key.
    ///
    /// # Errors
    /// [`KeyError::Io`], or [`KeyError::Field`] naming the first bad field.
    pub fn load(path: &Path) -> Result<Self, KeyError> {
        let p = path.display().to_string();
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: p.clone(), source })?,
        );
        let field = |field: &'static str, reason: String| KeyError::Field { path: p.clone(), field, reason };
        let json: KeyJson = serde_json::from_str(&text).map_err(|e| {
            // serde's message may quote a value: keep only its position.
            field("(file)", format!("not a veil key file (JSON error at line {}, column {})", e.line(), e.column()))
        })?;
        if json.format != "veil-key" {
            return Err(field("format", format!("expected \"veil-key\", found {:?}", json.format)));
        }
        if json.version != 1 {
            return Err(field("version", format!("version {} is not supported (this build reads 1)", json.version)));
        }
        if json.encryption != "none" {
            return Err(field("encryption", format!("{:?} is not supported by this build", json.encryption)));
        }
        let bytes = Zeroizing::new(
            hex::decode(json.private_key.as_str()).map_err(|_| field("private_key", "not hexadecimal".into()))?,
        );
        if bytes.len() != 32 {
            return Err(field("private_key", format!("{} bytes, expected 32", bytes.len())));
        }
        let key = Self::from_private(PrivateKey::from_bytes(&bytes));
        let recorded = Fr::from_str(&json.commitment).map_err(|()| field("commitment", "not a field element".into()))?;
        if recorded != key.commitment {
            return Err(field("commitment", "does not match the private key".into()));
        }
        if json.public_key != [key.public_key.x.to_string(), key.public_key.y.to_string()] {
            return Err(field("public_key", "does not match the private key".into()));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    use super::*;

    #[test]
    fn round_trip_is_private_and_exact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.key");
        let key = Key::generate(&mut ChaCha20Rng::seed_from_u64(91));
        key.save(&path).unwrap();
        let back = Key::load(&path).unwrap();
        assert_eq!(back.private.as_bytes(), key.private.as_bytes());
        assert_eq!(back.commitment, key.commitment);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        assert!(!format!("{back:?}").contains(&hex::encode(key.private.as_bytes())));
    }

    #[test]
    fn tampered_files_are_refused_by_field_without_leaking_the_secret() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let key = Key::generate(&mut ChaCha20Rng::seed_from_u64(92));
        key.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let secret = hex::encode(key.private.as_bytes());
        let cases = [
            (text.replace(&key.commitment.to_string(), "12345"), "commitment"),
            (text.replace("\"veil-key\"", "\"other\""), "format"),
            (text.replace("\"none\"", "\"scrypt\""), "encryption"),
            (text.replace(&secret, &secret[..60]), "private_key"),
            (text.replace(&secret, &"zz".repeat(32)), "private_key"),
            ("{not json".to_string(), "(file)"),
        ];
        for (bad, field) in cases {
            std::fs::write(&path, &bad).unwrap();
            let err = Key::load(&path).unwrap_err().to_string();
            assert!(err.contains(&format!("field `{field}`")), "{err}");
            assert!(err.contains("k.key"), "{err}");
            assert!(!err.contains(&secret[..16]), "the error leaks the key: {err}");
        }
    }
}
