//! Approver keys: where a key comes from, and how it rests on disk (encrypted, `0600`, written
//! atomically), with its public half recorded in clear so that tools can show it without the
//! passphrase.
//!
//! # Sources
//! - [`Key::generate`](crate::keys::Key::generate): 32 bytes from a CSPRNG (the CLI passes the OS's).
//! - [`Key::from_mnemonic`](crate::keys::Key::from_mnemonic): a BIP-39 mnemonic ([`new_mnemonic`](crate::keys::new_mnemonic) makes one) and a BIP-32 path
//!   on secp256k1 ([`DEFAULT_PATH`](crate::keys::DEFAULT_PATH), an Ethereum wallet's first account), the child key mapped
//!   to a veil key by [`identity_private_key`](crate::keys::identity_private_key).
//! - [`Key::from_eth_keystore`](crate::keys::Key::from_eth_keystore): an Ethereum keystore (Web3 Secret Storage v3, scrypt or
//!   PBKDF2), its secp256k1 key mapped the same way.
//! - [`Key::from_semaphore_export`](crate::keys::Key::from_semaphore_export): a Semaphore v4 identity as `Identity.export()`
//!   writes it (the base64 of its private key): the same private key, so the same identity
//!   commitment as in Semaphore.
//!
//! The same mnemonic and path always give the same veil identity; different paths give
//! identities that nobody can link without the mnemonic. The mapping is one-way: a veil key
//! file never holds, and never reveals, the secp256k1 key it came from. A Semaphore import
//! is not mapped: the key file holds the Semaphore private key itself.
//!
//! # Key file (version 2)
//! A [Web3 Secret Storage v3][v3] keystore exactly as geth writes it (scrypt, AES-128-CTR,
//! MAC `keccak256(dk[16..32] ‖ ciphertext)`), whose plaintext is the veil private key (32
//! bytes when veil makes it; 1 to 1024 from a Semaphore import), plus a clear `veil` object
//! that Ethereum tools ignore:
//! ```json
//! {
//!   "crypto": {
//!     "cipher": "aes-128-ctr", "cipherparams": { "iv": "<16 bytes hex>" },
//!     "ciphertext": "<hex>", "kdf": "scrypt",
//!     "kdfparams": { "dklen": 32, "n": 262144, "r": 8, "p": 1, "salt": "<32 bytes hex>" },
//!     "mac": "<32 bytes hex>"
//!   },
//!   "id": "<uuid v4>",
//!   "version": 3,
//!   "veil": {
//!     "format": "veil-key", "version": 2,
//!     "commitment": "<decimal>", "public_key": ["<x>", "<y>"],
//!     "source": null | { "kind": "mnemonic" | "eth-keystore" | "semaphore",
//!                        "path": "m/44'/60'/0'/0/0" | null, "address": "0x<EIP-55>" | null },
//!     "source_mac": "<32 bytes hex>"
//!   }
//! }
//! ```
//! A `mnemonic` source has a path and an address, an `eth-keystore` source an address only,
//! a `semaphore` source neither (`{"kind":"semaphore","path":null,"address":null}`).
//! `commitment` and `public_key` are re-derived from the decrypted key and must match.
//! `source` cannot be re-derived (the mapping is one-way), so it is authenticated instead:
//! `source_mac = keccak256(dk[16..32] ‖ "veil/keyfile/v2/source\0" ‖ JSON(source))`, with
//! `JSON(source)` the compact JSON of the `source` value with its keys in the order above
//! (`null` when there is none), as `JSON.stringify` writes it.
//!
//! Version 1 files (`{"format": "veil-key", "version": 1, "encryption": "none", ...}`, the
//! private key in clear hex) are still read by [`Key::load`](crate::keys::Key::load) and [`read_public`](crate::keys::read_public), so that
//! existing keys keep working; [`Key::save`](crate::keys::Key::save) always writes version 2.
//!
//! # Secrets
//! Private keys, seeds, derived keys and plaintexts live in buffers wiped on drop
//! ([`Zeroizing`], [`PrivateKey`](veil_circuits::eddsa::PrivateKey), `k256::SecretKey`, `bip39::Mnemonic`). No error message or
//! `Debug` output contains a secret or a mnemonic word. The hash and KDF crates do not wipe
//! their internal state; that residue stays in this process's memory.
//!
//! [v3]: https://ethereum.org/en/developers/docs/data-structures-and-encoding/web3-secret-storage/
//! [`Zeroizing`]: zeroize::Zeroizing

/// BIP-39 mnemonics, BIP-32 paths, and the secp256k1 → veil identity mapping.
mod derivation;
/// The key file's JSON document: the `veil` object, its source and `source_mac`, reading and writing.
mod document;
/// Web3 Secret Storage v3: scrypt or PBKDF2, AES-128-CTR, the MAC, KDF bounds.
mod keystore;
/// Version 1 (unencrypted) key files.
mod legacy;
/// Semaphore v4 identity exports (`Identity.export()`'s base64), read strictly.
mod semaphore;

use std::{fmt, io, path::Path};

use alloy_primitives::Address;
use rand::{CryptoRng, RngCore};
use thiserror::Error;
use veil_circuits::{babyjubjub::Point, eddsa::PrivateKey, identity, Fr};

use derivation::{eth_address, mnemonic_seed, parse_path, secp256k1_from_seed};
pub use derivation::{identity_private_key, new_mnemonic, DEFAULT_PATH, DEFAULT_WORDS, IDENTITY_DOMAIN};
pub use document::read_public;

/// The wallet key (secp256k1) at BIP-32 `path` of a BIP-39 mnemonic: the Ethereum account a
/// wallet shows for it, for signing transactions (`veil deploy --mnemonic-file`).
///
/// # Errors
/// [`KeyError`] for an invalid mnemonic or path.
pub fn wallet_key_from_mnemonic(phrase: &str, bip39_passphrase: &str, path: &str) -> Result<k256::SecretKey, KeyError> {
    let path = parse_path(path)?;
    let seed = mnemonic_seed(phrase, bip39_passphrase)?;
    secp256k1_from_seed(&seed[..], &path)
}

/// A loaded approver key: the private key, its public parts, and where it came from.
#[derive(Clone)]
pub struct Key {
    /// The private key (wiped on drop, never printed).
    pub private: PrivateKey,
    /// `A = secret·Base8`.
    pub public_key: Point,
    /// `Poseidon(A.x, A.y)`.
    pub commitment: Fr,
    /// Where the key came from, if not from OS entropy (public facts only).
    pub source: Option<KeySource>,
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Key")
            .field("commitment", &self.commitment)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// Where a derived or imported key came from: public facts only, recorded in the key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySource {
    /// The kind of source.
    pub kind: SourceKind,
    /// The BIP-32 path, in canonical form (`m/44'/60'/0'/0/0`), for a mnemonic; none otherwise.
    pub path: Option<String>,
    /// The Ethereum address of the secp256k1 source key (shown EIP-55 checksummed), for a
    /// mnemonic or a keystore; none for a Semaphore import ([`SourceKind::has_address`]).
    pub address: Option<Address>,
}

/// The kind of a [`KeySource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A BIP-39 mnemonic and a BIP-32 path (`"mnemonic"` in the file).
    Mnemonic,
    /// An Ethereum keystore file (`"eth-keystore"` in the file).
    EthKeystore,
    /// A Semaphore v4 identity's export, `Identity.export()` (`"semaphore"` in the file).
    Semaphore,
}

impl SourceKind {
    /// The name in the key file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mnemonic => "mnemonic",
            Self::EthKeystore => "eth-keystore",
            Self::Semaphore => "semaphore",
        }
    }

    /// The kind named `name` in a key file.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        [Self::Mnemonic, Self::EthKeystore, Self::Semaphore].into_iter().find(|k| k.as_str() == name)
    }

    /// Whether a source of this kind records an Ethereum address: a secp256k1 key's (a
    /// mnemonic's child, a keystore's key), not a Semaphore import's.
    #[must_use]
    pub fn has_address(self) -> bool {
        match self {
            Self::Mnemonic | Self::EthKeystore => true,
            Self::Semaphore => false,
        }
    }
}

/// The scrypt cost of a key file this module writes (`r = 8`, `p = 1` in both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kdf {
    /// `n = 2^18`, as geth's standard keystores: 256 MiB and about a second per use.
    Standard,
    /// `n = 2^12`: 4 MiB and milliseconds. For tests and throwaway keys only: a weak
    /// passphrase under it falls quickly to guessing.
    Light,
}

impl Kdf {
    /// `log2(n)`.
    #[must_use]
    pub fn log_n(self) -> u8 {
        match self {
            Self::Standard => 18,
            Self::Light => 12,
        }
    }
}

/// A key file's public parts, as recorded in it (read without the passphrase, so not
/// verified: [`Key::load`] verifies them).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicInfo {
    /// `A = secret·Base8`.
    pub public_key: Point,
    /// `Poseidon(A.x, A.y)`.
    pub commitment: Fr,
    /// The source the key was derived from, if any.
    pub source: Option<KeySource>,
    /// Whether the private key is encrypted (false for a version 1 file).
    pub encrypted: bool,
}

/// Why a key could not be made, read or written. No variant holds a secret or a mnemonic word.
#[derive(Debug, Error)]
pub enum KeyError {
    /// The file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: io::Error,
    },
    /// The file exists and overwriting was not asked for.
    #[error("{path}: the file exists (refusing to overwrite it)")]
    Exists {
        /// The file.
        path: String,
    },
    /// The passphrase does not open the file: its MAC does not match, which is also what an
    /// altered ciphertext, salt or KDF parameter gives (Web3 Secret Storage cannot tell them
    /// apart).
    #[error("{path}: wrong passphrase, or the file was altered (the keystore's MAC does not match)")]
    WrongPassphrase {
        /// The file.
        path: String,
    },
    /// The file is damaged: a field is missing, malformed, or disagrees with the key.
    #[error("{path}: field `{field}`: {reason}")]
    Corrupt {
        /// The file.
        path: String,
        /// The JSON field (dotted path), or `(file)` for the file as a whole.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The mnemonic was refused (the reason names a word's position, never a word).
    #[error("mnemonic: {reason}")]
    Mnemonic {
        /// What is wrong.
        reason: String,
    },
    /// The BIP-32 derivation path was refused.
    #[error("derivation path {path_str:?}: {reason}")]
    Path {
        /// The path as given.
        path_str: String,
        /// What is wrong.
        reason: String,
    },
    /// A key's [`KeySource`] has an address where its kind has none, or none where it needs
    /// one; nothing was written.
    #[error("key source `{kind}`: {reason}")]
    Source {
        /// The source's kind.
        kind: &'static str,
        /// What is wrong.
        reason: &'static str,
    },
    /// The text is not a Semaphore v4 identity export (the reason gives positions and
    /// counts, never a character of the text).
    #[error("not a Semaphore v4 identity export (the base64 text of Identity.export()): {reason}")]
    SemaphoreExport {
        /// What is wrong.
        reason: String,
    },
    /// The file uses a format, version, cipher or KDF (or parameters) this build does not read.
    #[error("{path}: field `{field}`: {found} is not supported")]
    Unsupported {
        /// The file.
        path: String,
        /// The JSON field.
        field: &'static str,
        /// The value found.
        found: String,
    },
}

impl Key {
    /// A fresh key: 32 bytes from `rng` (the CLI passes the OS's CSPRNG).
    pub fn generate<R: RngCore + CryptoRng>(rng: &mut R) -> Self {
        Self::from_private(PrivateKey::random(rng))
    }

    /// The key with its derived public parts and no source.
    #[must_use]
    pub fn from_private(private: PrivateKey) -> Self {
        let public_key = private.public_key();
        let commitment = identity::commitment(&public_key);
        Self { private, public_key, commitment, source: None }
    }

    /// The veil key of a secp256k1 key ([`identity_private_key`]), recording the source's
    /// kind, path and Ethereum address. The address is computed here from the key, so that
    /// the record cannot disagree with it.
    #[must_use]
    pub fn from_secp256k1(secret: &k256::SecretKey, kind: SourceKind, path: Option<String>) -> Self {
        let source = KeySource { kind, path, address: Some(eth_address(secret)) };
        Self { source: Some(source), ..Self::from_private(identity_private_key(secret)) }
    }

    /// The veil key of the secp256k1 key at BIP-32 `path` ([`DEFAULT_PATH`] for an Ethereum
    /// wallet's first account) below an English BIP-39 mnemonic and its passphrase (empty
    /// when there is none): the same mnemonic, passphrase and path always give the same key.
    ///
    /// # Errors
    /// [`KeyError::Mnemonic`] (word count, an unknown word by position, the checksum);
    /// [`KeyError::Path`].
    pub fn from_mnemonic(phrase: &str, bip39_passphrase: &str, path: &str) -> Result<Self, KeyError> {
        let path = parse_path(path)?;
        let seed = mnemonic_seed(phrase, bip39_passphrase)?;
        let secret = secp256k1_from_seed(&seed[..], &path)?;
        Ok(Self::from_secp256k1(&secret, SourceKind::Mnemonic, Some(path.to_string())))
    }

    /// The veil key of the secp256k1 key in an Ethereum keystore (Web3 Secret Storage v3:
    /// scrypt or PBKDF2-HMAC-SHA256, AES-128-CTR), as geth, ethers and others write them.
    /// The passphrase is used as given (geth's convention; ethers NFKC-normalises string
    /// passwords first, which changes nothing for ASCII).
    ///
    /// # Errors
    /// [`KeyError::Io`]; [`KeyError::WrongPassphrase`]; [`KeyError::Corrupt`] naming the
    /// field (also for a veil key file, which is not an Ethereum keystore);
    /// [`KeyError::Unsupported`] for other ciphers, KDFs or excessive KDF parameters.
    pub fn from_eth_keystore(path: &Path, passphrase: &[u8]) -> Result<Self, KeyError> {
        let secret = document::read_eth_keystore(path, passphrase)?;
        Ok(Self::from_secp256k1(&secret, SourceKind::EthKeystore, None))
    }

    /// The key of a Semaphore v4 identity, from the text its `Identity.export()` writes: the
    /// standard base64 (`=` padded) of the identity's private key, surrounded by any ASCII
    /// whitespace. The decoded bytes are the private key itself (a text key's UTF-8 bytes, as
    /// `Identity.import` gives them), so the key has Semaphore's secret scalar, public key and
    /// commitment. The source is recorded as [`SourceKind::Semaphore`], with no path and no
    /// address. The text is a secret: keep it in a buffer wiped on drop.
    ///
    /// # Errors
    /// [`KeyError::SemaphoreExport`] for anything `Identity.export()` does not write (no
    /// text, base64url, missing padding, whitespace inside, unused bits set) and for keys
    /// longer than a key file holds (1024 bytes); `Identity.import`, which is lenient, may read
    /// some of these, but veil does not guess.
    pub fn from_semaphore_export(text: &[u8]) -> Result<Self, KeyError> {
        let bytes = semaphore::decode_export(text)?;
        let source = KeySource { kind: SourceKind::Semaphore, path: None, address: None };
        Ok(Self { source: Some(source), ..Self::from_private(PrivateKey::from_bytes(&bytes)) })
    }

    /// Writes the key file (version 2: Web3 Secret Storage v3 plus public metadata),
    /// encrypted under `passphrase` with scrypt at `kdf`'s cost, created `0600` and
    /// atomically; an existing file is replaced only with `overwrite`. Salt, IV and id come
    /// from the OS's CSPRNG.
    ///
    /// # Errors
    /// As [`Key::save_with_rng`].
    pub fn save(&self, path: &Path, passphrase: &[u8], kdf: Kdf, overwrite: bool) -> Result<(), KeyError> {
        self.save_with_rng(path, passphrase, kdf, overwrite, &mut rand::rngs::OsRng)
    }

    /// [`Key::save`] with the salt, IV and id drawn from `rng`.
    ///
    /// # Errors
    /// [`KeyError::Exists`]; [`KeyError::Io`]; [`KeyError::Path`] for a source whose path
    /// could not be read back (a mnemonic source needs a canonical BIP-32 path, the others
    /// have none); [`KeyError::Source`] for a source whose address disagrees with its kind
    /// ([`SourceKind::has_address`]).
    pub fn save_with_rng<R: RngCore + CryptoRng>(
        &self,
        path: &Path,
        passphrase: &[u8],
        kdf: Kdf,
        overwrite: bool,
        rng: &mut R,
    ) -> Result<(), KeyError> {
        document::save(self, path, passphrase, kdf, overwrite, rng)
    }

    /// Reads a key file, decrypts it, and checks that its recorded public parts match the
    /// private key and that its recorded source was not altered. Version 1 (unencrypted)
    /// files are read too; `passphrase` is then not used.
    ///
    /// # Errors
    /// [`KeyError::Io`]; [`KeyError::WrongPassphrase`]; [`KeyError::Corrupt`] naming the
    /// first bad field (also for an Ethereum keystore, which has no veil metadata: import
    /// it with [`Key::from_eth_keystore`]); [`KeyError::Unsupported`].
    pub fn load(path: &Path, passphrase: &[u8]) -> Result<Self, KeyError> {
        document::load(path, passphrase)
    }
}

/// Derivation vectors, keystores, Semaphore imports, key files, and secrets kept out of
/// errors and `Debug`.
#[cfg(test)]
mod tests;
