//! Approver keys: where a key comes from, and how it rests on disk (encrypted, `0600`, written
//! atomically), with its public half recorded in clear so that tools can show it without the
//! passphrase.
//!
//! # Sources
//! - [`Key::generate`]: 32 bytes from a CSPRNG (the CLI passes the OS's).
//! - [`Key::from_mnemonic`]: a BIP-39 mnemonic ([`new_mnemonic`] makes one) and a BIP-32 path
//!   on secp256k1 ([`DEFAULT_PATH`], an Ethereum wallet's first account), the child key mapped
//!   to a veil key by [`identity_private_key`].
//! - [`Key::from_eth_keystore`]: an Ethereum keystore (Web3 Secret Storage v3, scrypt or
//!   PBKDF2), its secp256k1 key mapped the same way.
//!
//! The same mnemonic and path always give the same veil identity; different paths give
//! identities that nobody can link without the mnemonic. The mapping is one-way: a veil key
//! file never holds, and never reveals, the secp256k1 key it came from.
//!
//! # Key file (version 2)
//! A [Web3 Secret Storage v3][v3] keystore exactly as geth writes it (scrypt, AES-128-CTR,
//! MAC `keccak256(dk[16..32] ‖ ciphertext)`), whose plaintext is the veil private key (32
//! bytes), plus a clear `veil` object that Ethereum tools ignore:
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
//!     "source": null | { "kind": "mnemonic" | "eth-keystore", "path": "m/44'/60'/0'/0/0" | null,
//!                        "address": "0x<EIP-55>" },
//!     "source_mac": "<32 bytes hex>"
//!   }
//! }
//! ```
//! `commitment` and `public_key` are re-derived from the decrypted key and must match.
//! `source` cannot be re-derived (the mapping is one-way), so it is authenticated instead:
//! `source_mac = keccak256(dk[16..32] ‖ "veil/keyfile/v2/source\0" ‖ JSON(source))`, with
//! `JSON(source)` the compact JSON of the `source` value with its keys in the order above
//! (`null` when there is none), as `JSON.stringify` writes it.
//!
//! Version 1 files (`{"format": "veil-key", "version": 1, "encryption": "none", ...}`, the
//! private key in clear hex) are still read by [`Key::load`] and [`read_public`], so that
//! existing keys keep working; [`Key::save`] always writes version 2.
//!
//! # Secrets
//! Private keys, seeds, derived keys and plaintexts live in buffers wiped on drop
//! ([`Zeroizing`], [`PrivateKey`], `k256::SecretKey`, `bip39::Mnemonic`). No error message or
//! `Debug` output contains a secret or a mnemonic word. The hash and KDF crates do not wipe
//! their internal state; that residue stays in this process's memory.
//!
//! [v3]: https://ethereum.org/en/developers/docs/data-structures-and-encoding/web3-secret-storage/

use std::{fmt, io, path::Path, str::FromStr};

use aes::cipher::{KeyIvInit, StreamCipher};
use alloy_primitives::{keccak256, Address};
use bip32::DerivationPath;
use bip39::{Language, Mnemonic};
use hmac::Hmac;
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;
use veil_circuits::{
    babyjubjub::{point_on_curve, Point},
    eddsa::PrivateKey,
    identity, Fr,
};
use zeroize::{Zeroize, Zeroizing};

/// The BIP-32 path of an Ethereum wallet's first account (BIP-44, coin type 60).
pub const DEFAULT_PATH: &str = "m/44'/60'/0'/0/0";

/// The number of words of a new mnemonic unless asked otherwise (256 bits of entropy).
pub const DEFAULT_WORDS: usize = 24;

/// The domain separator of [`identity_private_key`]: `"veil/identity/v1/secp256k1"` and a
/// zero byte.
pub const IDENTITY_DOMAIN: &[u8] = b"veil/identity/v1/secp256k1\0";

/// The domain separator of the key file's `source_mac`.
const SOURCE_MAC_DOMAIN: &[u8] = b"veil/keyfile/v2/source\0";

/// AES-128 in counter mode with a 128-bit big-endian counter starting at the IV (Web3 Secret
/// Storage's `aes-128-ctr`).
type Aes128Ctr = ctr::Ctr128BE<aes::Aes128>;

/// Scrypt's `r` and `p` in the files this module writes (geth's).
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// Bounds on what a file may ask of this machine, so that a corrupted or hostile file cannot
/// exhaust memory or time: scrypt's `128·r·n` bytes, its `p`, PBKDF2's iteration count.
const MAX_SCRYPT_MEMORY: u64 = 1 << 30;
const MAX_SCRYPT_P: u32 = 16;
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

/// A loaded approver key: the private key, its public parts, and where it came from.
#[derive(Clone)]
pub struct Key {
    /// The private key (wiped on drop, never printed).
    pub private: PrivateKey,
    /// `A = secret·Base8`.
    pub public_key: Point,
    /// `Poseidon(A.x, A.y)`.
    pub commitment: Fr,
    /// The secp256k1 key this key was derived from, if any (public facts only).
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

/// Where a derived key came from: public facts only, recorded in the key file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeySource {
    /// The kind of source.
    pub kind: SourceKind,
    /// The BIP-32 path, in canonical form (`m/44'/60'/0'/0/0`), for a mnemonic.
    pub path: Option<String>,
    /// The Ethereum address of the secp256k1 source key (shown EIP-55 checksummed).
    pub address: Address,
}

/// The kind of a [`KeySource`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A BIP-39 mnemonic and a BIP-32 path (`"mnemonic"` in the file).
    Mnemonic,
    /// An Ethereum keystore file (`"eth-keystore"` in the file).
    EthKeystore,
}

impl SourceKind {
    /// The name in the key file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mnemonic => "mnemonic",
            Self::EthKeystore => "eth-keystore",
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

/// The veil private key of a secp256k1 key. Normative definition:
///
/// ```text
/// veil private key = SHA-256( "veil/identity/v1/secp256k1" ‖ 0x00 ‖ k )
/// ```
///
/// where `k` is the secp256k1 secret key as 32 bytes, big-endian. The 32-byte digest is the
/// EdDSA-Poseidon private key (bytes, as `new Identity(buffer)` of
/// `@semaphore-protocol/identity`), from which the public key and identity commitment follow.
/// The domain separator keeps this use of the key apart from every other; SHA-256 makes it
/// one-way, so a veil identity reveals nothing of the Ethereum key, and keys derived at
/// different BIP-32 paths give unrelated identities.
#[must_use]
pub fn identity_private_key(secret: &k256::SecretKey) -> PrivateKey {
    let mut k = secret.to_bytes();
    let mut digest = Sha256::new().chain_update(IDENTITY_DOMAIN).chain_update(k).finalize();
    k.as_mut_slice().zeroize();
    let private = PrivateKey::from_bytes(&digest);
    digest.as_mut_slice().zeroize();
    private
}

/// The Ethereum address of a secp256k1 key: the last 20 bytes of `keccak256(X ‖ Y)`.
fn eth_address(secret: &k256::SecretKey) -> Address {
    use k256::elliptic_curve::sec1::ToEncodedPoint;
    let point = secret.public_key().to_encoded_point(false);
    Address::from_raw_public_key(&point.as_bytes()[1..])
}

/// A new BIP-39 mnemonic (English) of `words` words from `rng`: 12, 15, 18, 21 or 24
/// (128 to 256 bits of entropy; [`DEFAULT_WORDS`] is 24).
///
/// # Errors
/// [`KeyError::Mnemonic`] for any other number of words.
pub fn new_mnemonic<R: RngCore + CryptoRng>(rng: &mut R, words: usize) -> Result<Zeroizing<String>, KeyError> {
    if !matches!(words, 12 | 15 | 18 | 21 | 24) {
        return Err(KeyError::Mnemonic {
            reason: format!("{words} words asked for; a BIP-39 mnemonic has 12, 15, 18, 21 or 24"),
        });
    }
    let mut entropy = Zeroizing::new([0u8; 32]);
    let entropy = &mut entropy[..words / 3 * 4];
    rng.fill_bytes(entropy);
    let mnemonic =
        Mnemonic::from_entropy_in(Language::English, entropy).expect("entropy of 16 to 32 bytes, a multiple of 4");
    // Room for the longest words (8 letters) and separators, so the string never reallocates
    // (which would leave an unwiped copy behind).
    let mut phrase = Zeroizing::new(String::with_capacity(words * 9));
    for (i, word) in mnemonic.words().enumerate() {
        if i > 0 {
            phrase.push(' ');
        }
        phrase.push_str(word);
    }
    Ok(phrase)
}

/// Parses a BIP-32 path (`m/44'/60'/0'/0/0`; `h` also marks a hardened index).
fn parse_path(path: &str) -> Result<DerivationPath, KeyError> {
    DerivationPath::from_str(path).map_err(|_| KeyError::Path {
        path_str: path.to_string(),
        reason: "expected m/<index>/<index>/..., each index below 2^31 and followed by ' (or h) when hardened".into(),
    })
}

/// The BIP-39 seed of an English mnemonic (case and spacing as typed are forgiven; the
/// passphrase is NFKD-normalised, as BIP-39 says).
fn mnemonic_seed(phrase: &str, bip39_passphrase: &str) -> Result<Zeroizing<[u8; 64]>, KeyError> {
    let lower = Zeroizing::new(phrase.to_lowercase());
    let mnemonic = Mnemonic::parse_in(Language::English, lower.as_str()).map_err(|e| {
        let reason = match e {
            bip39::Error::BadWordCount(n) => format!("{n} words; a BIP-39 mnemonic has 12, 15, 18, 21 or 24"),
            bip39::Error::UnknownWord(i) => format!("word {} is not in the English BIP-39 word list", i + 1),
            bip39::Error::InvalidChecksum => "the checksum does not match (a word is wrong or out of place)".into(),
            _ => "not a valid English BIP-39 mnemonic".into(),
        };
        KeyError::Mnemonic { reason }
    })?;
    Ok(Zeroizing::new(mnemonic.to_seed(bip39_passphrase)))
}

/// What a source's path must be to be recorded: a BIP-32 path in canonical form for a
/// mnemonic (as [`Key::from_mnemonic`] records it), none for a keystore.
fn check_source_path(kind: SourceKind, path: Option<&str>) -> Result<(), &'static str> {
    match (kind, path) {
        (SourceKind::Mnemonic, Some(p)) => match DerivationPath::from_str(p) {
            Ok(parsed) if parsed.to_string() == p => Ok(()),
            Ok(_) => Err("not in canonical form (m/44'/60'/0'/0/0)"),
            Err(_) => Err("not a BIP-32 path"),
        },
        (SourceKind::Mnemonic, None) => Err("missing for a mnemonic source"),
        (SourceKind::EthKeystore, None) => Ok(()),
        (SourceKind::EthKeystore, Some(_)) => Err("set for a keystore source, which has none"),
    }
}

/// The secp256k1 key at `path` below a BIP-32 seed.
fn secp256k1_from_seed(seed: &[u8], path: &DerivationPath) -> Result<k256::SecretKey, KeyError> {
    let child = bip32::XPrv::derive_from_path(seed, path).map_err(|_| KeyError::Path {
        path_str: path.to_string(),
        reason: "this path gives no valid key for this seed (a probability-2^-127 event); use another index".into(),
    })?;
    let bytes = Zeroizing::new(child.to_bytes());
    Ok(k256::SecretKey::from_slice(&bytes[..]).expect("BIP-32 child keys are valid scalars"))
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
        let source = KeySource { kind, path, address: eth_address(secret) };
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
        let file = FileText::read(path)?;
        let ks = file.parse_v3()?;
        if ks.veil.is_some() {
            return Err(file.corrupt(
                "veil",
                "this is a veil key file, not an Ethereum keystore (load it as a key instead)".into(),
            ));
        }
        let sealed = file.check_v3(&ks, Some(32))?;
        let opened = file.open(&sealed, passphrase)?;
        let secret = k256::SecretKey::from_slice(&opened.plaintext[..]).map_err(|_| {
            file.corrupt("crypto.ciphertext", "decrypts to a value that is not a secp256k1 private key".into())
        })?;
        if let Some(recorded) = &ks.address {
            let recorded = unhex(recorded)
                .filter(|b| b.len() == 20)
                .ok_or_else(|| file.corrupt("address", "not 20 bytes of hexadecimal".into()))?;
            if recorded[..] != eth_address(&secret)[..] {
                return Err(file.corrupt("address", "does not match the decrypted key".into()));
            }
        }
        Ok(Self::from_secp256k1(&secret, SourceKind::EthKeystore, None))
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
    /// could not be read back (a mnemonic source needs a canonical BIP-32 path, a keystore
    /// source has none).
    pub fn save_with_rng<R: RngCore + CryptoRng>(
        &self,
        path: &Path,
        passphrase: &[u8],
        kdf: Kdf,
        overwrite: bool,
        rng: &mut R,
    ) -> Result<(), KeyError> {
        let p = path.display().to_string();
        // Checked first so that a refusal costs no KDF; the final rename checks again.
        if !overwrite && path.symlink_metadata().is_ok() {
            return Err(KeyError::Exists { path: p });
        }
        // A source that `load` would refuse is refused here, before anything is written.
        if let Some(source) = &self.source {
            check_source_path(source.kind, source.path.as_deref()).map_err(|reason| KeyError::Path {
                path_str: source.path.clone().unwrap_or_default(),
                reason: reason.into(),
            })?;
        }
        let mut salt = [0u8; 32];
        let mut iv = [0u8; 16];
        let mut id = [0u8; 16];
        rng.fill_bytes(&mut salt);
        rng.fill_bytes(&mut iv);
        rng.fill_bytes(&mut id);

        let params = scrypt::Params::new(kdf.log_n(), SCRYPT_R, SCRYPT_P).expect("valid scrypt parameters");
        let mut dk = Zeroizing::new([0u8; 32]);
        scrypt::scrypt(passphrase, &salt, &params, &mut dk[..]).expect("32 bytes is a valid scrypt output length");
        let mut ciphertext = self.private.as_bytes().to_vec();
        Aes128Ctr::new_from_slices(&dk[..16], &iv).expect("16-byte key and IV").apply_keystream(&mut ciphertext);
        let mac = v3_mac(&dk, &ciphertext);

        let source = self.source.as_ref().map(SourceJson::from);
        let veil = VeilJson {
            format: "veil-key".into(),
            version: 2,
            commitment: self.commitment.to_string(),
            public_key: [self.public_key.x.to_string(), self.public_key.y.to_string()],
            source_mac: hex::encode(source_mac(&dk, source.as_ref())),
            source,
        };
        let file = V3Json {
            address: None,
            crypto: CryptoJson {
                cipher: "aes-128-ctr".into(),
                cipherparams: CipherParamsJson { iv: hex::encode(iv) },
                ciphertext: hex::encode(&ciphertext),
                kdf: "scrypt".into(),
                kdfparams: KdfParamsJson {
                    dklen: 32,
                    n: Some(1u64 << kdf.log_n()),
                    r: Some(SCRYPT_R),
                    p: Some(SCRYPT_P),
                    c: None,
                    prf: None,
                    salt: hex::encode(salt),
                },
                mac: hex::encode(mac),
            },
            id: Some(uuid::Builder::from_random_bytes(id).into_uuid().hyphenated().to_string()),
            version: 3,
            veil: Some(veil),
        };
        let text = serde_json::to_string_pretty(&file).expect("plain data") + "\n";
        let io = |source| KeyError::Io { path: p.clone(), source };
        if overwrite {
            veil_fs::write_atomic(path, text.as_bytes(), true).map_err(io)
        } else {
            veil_fs::write_new_atomic(path, text.as_bytes(), true).map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => KeyError::Exists { path: p.clone() },
                _ => io(e),
            })
        }
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
        let file = FileText::read(path)?;
        if file.probe()?.is_v1() {
            return file.load_v1();
        }
        let ks = file.parse_v3()?;
        let Some(veil) = &ks.veil else {
            return Err(file.corrupt(
                "veil",
                "missing: this is an Ethereum keystore, not a veil key file (import it as a key source)".into(),
            ));
        };
        let recorded = file.check_veil(veil)?;
        let sealed = file.check_v3(&ks, None)?;
        let opened = file.open(&sealed, passphrase)?;

        let mut key = Self::from_private(PrivateKey::from_bytes(&opened.plaintext[..]));
        if veil.commitment != key.commitment.to_string() {
            return Err(file.corrupt("veil.commitment", "does not match the private key".into()));
        }
        if veil.public_key != [key.public_key.x.to_string(), key.public_key.y.to_string()] {
            return Err(file.corrupt("veil.public_key", "does not match the private key".into()));
        }
        let mac = unhex(&veil.source_mac)
            .filter(|b| b.len() == 32)
            .ok_or_else(|| file.corrupt("veil.source_mac", "not 32 bytes of hexadecimal".into()))?;
        if !ct_eq(&mac, &source_mac(&opened.dk, veil.source.as_ref())) {
            return Err(file.corrupt("veil.source", "was altered (its MAC does not match)".into()));
        }
        key.source = recorded.source;
        Ok(key)
    }
}

/// A key file's public parts, without the passphrase: commitment, public key and source as
/// recorded (checked for form, not against the key: [`Key::load`] does that).
///
/// # Errors
/// [`KeyError::Io`]; [`KeyError::Corrupt`]; [`KeyError::Unsupported`].
pub fn read_public(path: &Path) -> Result<PublicInfo, KeyError> {
    let file = FileText::read(path)?;
    if file.probe()?.is_v1() {
        let v1 = file.parse_v1()?;
        return Ok(PublicInfo {
            public_key: file.point("public_key", &v1.public_key)?,
            commitment: file.fr("commitment", &v1.commitment)?,
            source: None,
            encrypted: false,
        });
    }
    let ks = file.parse_v3()?;
    let Some(veil) = &ks.veil else {
        return Err(file.corrupt("veil", "missing: this is an Ethereum keystore, not a veil key file".into()));
    };
    file.check_veil(veil)
}

// ---------------------------------------------------------------------------------------------
// The file formats (wire types) and their checks.
// ---------------------------------------------------------------------------------------------

// Why veil reads and writes v3 keystores itself rather than with eth-keystore 0.5 (which the
// tests use to prove interoperability both ways): its writer creates the file with default
// permissions and not atomically, and cannot carry the `veil` object; its reader panics on a
// short IV or `dklen` below 32, truncates a non-power-of-two `n` to another cost (reported as
// a MAC mismatch), puts no bound on the KDF's memory or time, does not accept ethers' `Crypto`
// spelling, and leaves the derived key and plaintext in unwiped buffers.

/// Web3 Secret Storage v3, with veil's metadata.
#[derive(Serialize, Deserialize)]
struct V3Json {
    /// geth and ethers record the key's address (hex, no `0x`); veil files do not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    address: Option<String>,
    /// ethers writes `Crypto`.
    #[serde(alias = "Crypto")]
    crypto: CryptoJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<String>,
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    veil: Option<VeilJson>,
}

#[derive(Serialize, Deserialize)]
struct CryptoJson {
    cipher: String,
    cipherparams: CipherParamsJson,
    ciphertext: String,
    kdf: String,
    kdfparams: KdfParamsJson,
    mac: String,
}

#[derive(Serialize, Deserialize)]
struct CipherParamsJson {
    iv: String,
}

/// scrypt's (`n`, `r`, `p`) or PBKDF2's (`c`, `prf`) parameters.
#[derive(Serialize, Deserialize)]
struct KdfParamsJson {
    dklen: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    r: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    prf: Option<String>,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct VeilJson {
    format: String,
    version: u32,
    commitment: String,
    public_key: [String; 2],
    source: Option<SourceJson>,
    source_mac: String,
}

/// Field order is part of `source_mac`'s definition.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceJson {
    kind: String,
    path: Option<String>,
    address: String,
}

impl From<&KeySource> for SourceJson {
    fn from(s: &KeySource) -> Self {
        Self { kind: s.kind.as_str().into(), path: s.path.clone(), address: s.address.to_checksum(None) }
    }
}

/// Version 1: the private key in clear.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct V1Json {
    format: String,
    version: u32,
    encryption: String,
    private_key: Zeroizing<String>,
    public_key: [String; 2],
    commitment: String,
}

/// Just enough of a file to tell version 1 (top-level `format`) from a v3 keystore.
#[derive(Deserialize)]
struct Probe {
    #[serde(default)]
    format: Option<String>,
}

impl Probe {
    fn is_v1(&self) -> bool {
        self.format.is_some()
    }
}

/// A v3 keystore's checked cipher and KDF parameters.
struct Sealed {
    kdf: KdfParams,
    salt: Vec<u8>,
    iv: [u8; 16],
    ciphertext: Vec<u8>,
    mac: Vec<u8>,
}

enum KdfParams {
    Scrypt { log_n: u8, r: u32, p: u32 },
    Pbkdf2 { c: u32 },
}

/// A decrypted keystore: the derived key (for the MACs) and the plaintext.
struct Opened {
    dk: Zeroizing<[u8; 32]>,
    plaintext: Zeroizing<Vec<u8>>,
}

/// A key file's text (wiped on drop: a version 1 file holds the key in clear) and its name
/// for messages.
struct FileText {
    path: String,
    text: Zeroizing<String>,
}

impl FileText {
    fn read(path: &Path) -> Result<Self, KeyError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: p.clone(), source })?;
        Ok(Self { path: p, text: Zeroizing::new(text) })
    }

    fn corrupt(&self, field: &'static str, reason: String) -> KeyError {
        KeyError::Corrupt { path: self.path.clone(), field, reason }
    }

    fn unsupported(&self, field: &'static str, found: String) -> KeyError {
        KeyError::Unsupported { path: self.path.clone(), field, found }
    }

    /// A JSON error with its position only: serde's message may quote a value, and a version 1
    /// file holds the key in clear.
    fn json_error(&self, e: &serde_json::Error) -> KeyError {
        let reason = if e.is_eof() {
            format!("truncated: the JSON ends early (line {}, column {})", e.line(), e.column())
        } else if e.is_syntax() {
            format!("not valid JSON (line {}, column {})", e.line(), e.column())
        } else {
            format!("not a key file of the expected shape (line {}, column {})", e.line(), e.column())
        };
        self.corrupt("(file)", reason)
    }

    fn probe(&self) -> Result<Probe, KeyError> {
        serde_json::from_str(&self.text).map_err(|e| self.json_error(&e))
    }

    /// Parses a v3 keystore. It holds no secret in clear, so serde's message (which names a
    /// missing field or a wrong type) is kept.
    fn parse_v3(&self) -> Result<V3Json, KeyError> {
        serde_json::from_str(&self.text).map_err(|e| {
            if e.is_data() {
                self.corrupt("(file)", format!("not a Web3 Secret Storage v3 keystore: {e}"))
            } else {
                self.json_error(&e)
            }
        })
    }

    fn parse_v1(&self) -> Result<V1Json, KeyError> {
        let probe = self.probe()?;
        match probe.format.as_deref() {
            Some("veil-key") => {}
            Some(other) => return Err(self.unsupported("format", format!("{other:?}"))),
            None => return Err(self.corrupt("format", "missing".into())),
        }
        let v1: V1Json = serde_json::from_str(&self.text).map_err(|e| self.json_error(&e))?;
        if v1.format != "veil-key" {
            return Err(self.unsupported("format", format!("{:?}", v1.format)));
        }
        if v1.version != 1 {
            return Err(self.unsupported("version", format!("version {} of an unencrypted key file", v1.version)));
        }
        if v1.encryption != "none" {
            return Err(self.unsupported("encryption", format!("{:?}", v1.encryption)));
        }
        Ok(v1)
    }

    fn load_v1(&self) -> Result<Key, KeyError> {
        let v1 = self.parse_v1()?;
        let bytes = Zeroizing::new(
            hex::decode(v1.private_key.as_str()).map_err(|_| self.corrupt("private_key", "not hexadecimal".into()))?,
        );
        if bytes.len() != 32 {
            return Err(self.corrupt("private_key", format!("{} bytes, expected 32", bytes.len())));
        }
        let key = Key::from_private(PrivateKey::from_bytes(&bytes));
        if v1.commitment != key.commitment.to_string() {
            return Err(self.corrupt("commitment", "does not match the private key".into()));
        }
        if v1.public_key != [key.public_key.x.to_string(), key.public_key.y.to_string()] {
            return Err(self.corrupt("public_key", "does not match the private key".into()));
        }
        Ok(key)
    }

    /// A canonical decimal field element.
    fn fr(&self, field: &'static str, s: &str) -> Result<Fr, KeyError> {
        veil_circuits::field::parse(s).map_err(|e| self.corrupt(field, format!("not a canonical decimal field element: {e}")))
    }

    fn point(&self, field: &'static str, xy: &[String; 2]) -> Result<Point, KeyError> {
        let (x, y) = (self.fr(field, &xy[0])?, self.fr(field, &xy[1])?);
        point_on_curve(x, y).map_err(|_| self.corrupt(field, "not a point on Baby JubJub".into()))
    }

    /// Checks the `veil` object's form and returns what it records.
    fn check_veil(&self, veil: &VeilJson) -> Result<PublicInfo, KeyError> {
        if veil.format != "veil-key" {
            return Err(self.unsupported("veil.format", format!("{:?}", veil.format)));
        }
        if veil.version != 2 {
            return Err(self.unsupported("veil.version", format!("version {}", veil.version)));
        }
        let commitment = self.fr("veil.commitment", &veil.commitment)?;
        let public_key = self.point("veil.public_key", &veil.public_key)?;
        let source = match &veil.source {
            None => None,
            Some(s) => {
                let kind = match s.kind.as_str() {
                    "mnemonic" => SourceKind::Mnemonic,
                    "eth-keystore" => SourceKind::EthKeystore,
                    other => return Err(self.unsupported("veil.source.kind", format!("{other:?}"))),
                };
                check_source_path(kind, s.path.as_deref())
                    .map_err(|reason| self.corrupt("veil.source.path", reason.into()))?;
                let path = s.path.clone();
                let address = Address::parse_checksummed(&s.address, None)
                    .map_err(|_| self.corrupt("veil.source.address", "not an EIP-55 checksummed address".into()))?;
                Some(KeySource { kind, path, address })
            }
        };
        Ok(PublicInfo { public_key, commitment, source, encrypted: true })
    }

    /// Checks a v3 keystore's cipher and KDF fields (`plaintext_len`: what the plaintext must
    /// be, if known), before any KDF work.
    fn check_v3(&self, ks: &V3Json, plaintext_len: Option<usize>) -> Result<Sealed, KeyError> {
        if ks.version != 3 {
            return Err(self.unsupported("version", format!("keystore version {}", ks.version)));
        }
        let c = &ks.crypto;
        if c.cipher != "aes-128-ctr" {
            return Err(self.unsupported("crypto.cipher", format!("{:?}", c.cipher)));
        }
        let bytes = |field: &'static str, s: &str, len: Option<usize>| -> Result<Vec<u8>, KeyError> {
            let b = unhex(s).ok_or_else(|| self.corrupt(field, "not hexadecimal".into()))?;
            match len {
                Some(n) if b.len() != n => Err(self.corrupt(field, format!("{} bytes, expected {n}", b.len()))),
                None if b.is_empty() || b.len() > 1024 => {
                    Err(self.corrupt(field, format!("{} bytes, expected 1 to 1024", b.len())))
                }
                _ => Ok(b),
            }
        };
        let iv: [u8; 16] =
            bytes("crypto.cipherparams.iv", &c.cipherparams.iv, Some(16))?.try_into().expect("checked length");
        let ciphertext = bytes("crypto.ciphertext", &c.ciphertext, plaintext_len)?;
        let mac = bytes("crypto.mac", &c.mac, Some(32))?;
        let kp = &c.kdfparams;
        let salt = bytes("crypto.kdfparams.salt", &kp.salt, None)?;
        if kp.dklen != 32 {
            return Err(self.unsupported("crypto.kdfparams.dklen", kp.dklen.to_string()));
        }
        let kdf = match c.kdf.as_str() {
            "scrypt" => {
                let field = |name: &'static str, v: Option<u64>| v.ok_or_else(|| self.corrupt(name, "missing".into()));
                let n = field("crypto.kdfparams.n", kp.n)?;
                let r = field("crypto.kdfparams.r", kp.r.map(u64::from))?;
                let p = field("crypto.kdfparams.p", kp.p.map(u64::from))?;
                if n < 2 || !n.is_power_of_two() {
                    return Err(self.corrupt("crypto.kdfparams.n", format!("{n} is not a power of two above 1")));
                }
                if r == 0 || p == 0 {
                    return Err(self.corrupt("crypto.kdfparams.r", "r and p must be positive".into()));
                }
                if 128u128 * u128::from(r) * u128::from(n) > u128::from(MAX_SCRYPT_MEMORY) {
                    return Err(self.unsupported(
                        "crypto.kdfparams.n",
                        format!("n = {n}, r = {r} (more than {} MiB of scrypt memory)", MAX_SCRYPT_MEMORY >> 20),
                    ));
                }
                if p > u64::from(MAX_SCRYPT_P) {
                    return Err(self.unsupported("crypto.kdfparams.p", format!("p = {p} (above {MAX_SCRYPT_P})")));
                }
                let (r, p) = (u32::try_from(r).expect("bounded"), u32::try_from(p).expect("bounded"));
                let log_n = u8::try_from(n.trailing_zeros()).expect("below 64");
                scrypt::Params::new(log_n, r, p)
                    .map_err(|_| self.unsupported("crypto.kdfparams.n", format!("scrypt n = {n}, r = {r}, p = {p}")))?;
                KdfParams::Scrypt { log_n, r, p }
            }
            "pbkdf2" => {
                match kp.prf.as_deref() {
                    Some("hmac-sha256") => {}
                    Some(other) => return Err(self.unsupported("crypto.kdfparams.prf", format!("{other:?}"))),
                    None => return Err(self.corrupt("crypto.kdfparams.prf", "missing".into())),
                }
                let c = kp.c.ok_or_else(|| self.corrupt("crypto.kdfparams.c", "missing".into()))?;
                if c == 0 {
                    return Err(self.corrupt("crypto.kdfparams.c", "0 iterations".into()));
                }
                if c > MAX_PBKDF2_ROUNDS {
                    return Err(
                        self.unsupported("crypto.kdfparams.c", format!("{c} iterations (above {MAX_PBKDF2_ROUNDS})"))
                    );
                }
                KdfParams::Pbkdf2 { c }
            }
            other => return Err(self.unsupported("crypto.kdf", format!("{other:?}"))),
        };
        Ok(Sealed { kdf, salt, iv, ciphertext, mac })
    }

    /// Derives the key, checks the MAC and decrypts.
    fn open(&self, s: &Sealed, passphrase: &[u8]) -> Result<Opened, KeyError> {
        let mut dk = Zeroizing::new([0u8; 32]);
        match s.kdf {
            KdfParams::Scrypt { log_n, r, p } => {
                let params = scrypt::Params::new(log_n, r, p).expect("checked in check_v3");
                scrypt::scrypt(passphrase, &s.salt, &params, &mut dk[..])
                    .expect("32 bytes is a valid scrypt output length");
            }
            KdfParams::Pbkdf2 { c } => pbkdf2::pbkdf2::<Hmac<Sha256>>(passphrase, &s.salt, c, &mut dk[..]),
        }
        if !ct_eq(&v3_mac(&dk, &s.ciphertext), &s.mac) {
            return Err(KeyError::WrongPassphrase { path: self.path.clone() });
        }
        let mut plaintext = Zeroizing::new(s.ciphertext.clone());
        Aes128Ctr::new_from_slices(&dk[..16], &s.iv).expect("16-byte key and IV").apply_keystream(&mut plaintext);
        Ok(Opened { dk, plaintext })
    }
}

/// Web3 Secret Storage's MAC: `keccak256(dk[16..32] ‖ ciphertext)`.
fn v3_mac(dk: &[u8; 32], ciphertext: &[u8]) -> [u8; 32] {
    let mut input = Zeroizing::new(Vec::with_capacity(16 + ciphertext.len()));
    input.extend_from_slice(&dk[16..]);
    input.extend_from_slice(ciphertext);
    keccak256(&input[..]).0
}

/// `keccak256(dk[16..32] ‖ "veil/keyfile/v2/source\0" ‖ JSON(source))`.
fn source_mac(dk: &[u8; 32], source: Option<&SourceJson>) -> [u8; 32] {
    let json = serde_json::to_string(&source).expect("plain data");
    let mut input = Zeroizing::new(Vec::with_capacity(16 + SOURCE_MAC_DOMAIN.len() + json.len()));
    input.extend_from_slice(&dk[16..]);
    input.extend_from_slice(SOURCE_MAC_DOMAIN);
    input.extend_from_slice(json.as_bytes());
    keccak256(&input[..]).0
}

/// Hex with an optional `0x`, either case.
fn unhex(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()
}

/// Equality in time independent of where the inputs differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use ark_ff::{BigInteger, PrimeField};
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;
    use serde_json::{json, Value};

    use super::*;

    /// `tests/vectors/hd.json`, written by `scripts/gen-vectors.mjs` with ethers and
    /// @semaphore-protocol/identity.
    fn hd() -> Value {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors/hd.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e} (run `node scripts/gen-vectors.mjs`)", path.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
    }

    fn list<'a>(v: &'a Value, name: &str) -> &'a Vec<Value> {
        v[name].as_array().unwrap_or_else(|| panic!("a `{name}` array"))
    }

    fn s(v: &Value) -> &str {
        v.as_str().unwrap_or_else(|| panic!("expected a string, got {v}"))
    }

    const TEST_JUNK: &str = "test test test test test test test test test test test junk";

    /// An RNG that replays fixed bytes (to feed ethers' entropy to `new_mnemonic`).
    struct Replay(Vec<u8>);

    impl RngCore for Replay {
        fn next_u32(&mut self) -> u32 {
            unimplemented!("only fill_bytes is used")
        }
        fn next_u64(&mut self) -> u64 {
            unimplemented!("only fill_bytes is used")
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            assert!(dest.len() <= self.0.len(), "asked for more bytes than recorded");
            dest.copy_from_slice(&self.0[..dest.len()]);
            self.0.drain(..dest.len());
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }
    impl CryptoRng for Replay {}

    fn rng(seed: u64) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(seed)
    }

    fn save_light(key: &Key, path: &Path, passphrase: &[u8], seed: u64) {
        key.save_with_rng(path, passphrase, Kdf::Light, false, &mut rng(seed)).unwrap();
    }

    fn secp_hex(secret: &k256::SecretKey) -> String {
        hex::encode(secret.to_bytes())
    }

    fn field_of(e: &KeyError) -> &str {
        match e {
            KeyError::Corrupt { field, .. } | KeyError::Unsupported { field, .. } => field,
            KeyError::WrongPassphrase { .. } => "(mac)",
            KeyError::Exists { .. } => "(exists)",
            KeyError::Io { .. } => "(io)",
            KeyError::Mnemonic { .. } => "(mnemonic)",
            KeyError::Path { .. } => "(path)",
        }
    }

    /// A big-endian integer in decimal.
    fn decimal(be: &[u8]) -> String {
        let mut n = be.to_vec();
        let mut digits = Vec::new();
        while n.iter().any(|&b| b != 0) {
            let mut rem = 0u32;
            for b in &mut n {
                let cur = rem * 256 + u32::from(*b);
                *b = u8::try_from(cur / 10).unwrap();
                rem = cur % 10;
            }
            digits.push(b'0' + u8::try_from(rem).unwrap());
        }
        if digits.is_empty() {
            digits.push(b'0');
        }
        digits.reverse();
        String::from_utf8(digits).unwrap()
    }

    /// Every printable form of a key's secrets: the private key and the secret scalar in hex
    /// (both byte orders, both cases) and decimal (both byte orders).
    fn secret_forms(key: &Key) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |be: Vec<u8>| {
            let mut le = be.clone();
            le.reverse();
            for b in [be, le] {
                out.push(hex::encode(&b));
                out.push(hex::encode_upper(&b));
                out.push(decimal(&b));
            }
        };
        add(key.private.as_bytes().to_vec());
        let scalar = key.private.secret_scalar();
        add(scalar.expose().into_bigint().to_bytes_be());
        out.push(scalar.expose().to_string());
        out
    }

    /// Asserts that `text` holds no form of the secrets (and no run of 2 consecutive mnemonic
    /// words, nor the phrase).
    fn assert_no_secret(text: &str, forms: &[String], phrase: Option<&str>) {
        for f in forms {
            // A 64-digit hex string or a 70-odd-digit decimal: any 16-character window would
            // already be a leak, so look for the first 16 characters as well as the whole.
            assert!(!text.contains(f.as_str()), "leaks a secret: {text}");
            assert!(!text.contains(&f[..16]), "leaks part of a secret: {text}");
        }
        if let Some(phrase) = phrase {
            assert!(!text.contains(phrase), "leaks the mnemonic: {text}");
            let words: Vec<&str> = phrase.split(' ').collect();
            for pair in words.windows(2) {
                assert!(!text.contains(&pair.join(" ")), "leaks mnemonic words: {text}");
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Derivation: BIP-39, BIP-32, the identity mapping.
    // -----------------------------------------------------------------------------------------

    #[test]
    fn bip39_seeds_and_phrases_match_ethers() {
        let reference = hd();
        let cases = list(&reference, "bip39");
        assert!(cases.len() >= 20);
        for v in cases {
            let (phrase, password) = (s(&v["phrase"]), s(&v["password"]));
            let seed = mnemonic_seed(phrase, password).unwrap();
            assert_eq!(hex::encode(&seed[..]), s(&v["seed"]), "seed of {phrase:?} / {password:?}");
            // new_mnemonic turns the same entropy into the same phrase.
            let entropy = hex::decode(s(&v["entropy"])).unwrap();
            let words = entropy.len() * 3 / 4;
            assert_eq!(new_mnemonic(&mut Replay(entropy), words).unwrap().as_str(), phrase);
        }
        // The passphrase is NFKD-normalised, as BIP-39 (and ethers) do: NFC and NFD agree.
        let v = cases.iter().find(|v| !s(&v["password"]).is_ascii()).expect("a non-ASCII passphrase");
        let nfd = s(&v["password"]).replace('\u{e4}', "a\u{308}").replace('\u{f6}', "o\u{308}");
        assert_ne!(nfd, s(&v["password"]));
        assert_eq!(hex::encode(&mnemonic_seed(s(&v["phrase"]), &nfd).unwrap()[..]), s(&v["seed"]));
    }

    #[test]
    fn bip32_test_vectors_match_ethers() {
        let reference = hd();
        let cases = list(&reference, "bip32");
        assert_eq!(cases.len(), 12);
        for v in cases {
            let seed = hex::decode(s(&v["seed"])).unwrap();
            let secret = secp256k1_from_seed(&seed, &parse_path(s(&v["path"])).unwrap()).unwrap();
            assert_eq!(secp_hex(&secret), s(&v["private_key"]), "{}", s(&v["path"]));
            assert_eq!(eth_address(&secret).to_checksum(None), s(&v["address"]));
        }
    }

    #[test]
    fn mnemonic_child_keys_and_veil_identities_match_ethers_and_semaphore() {
        let reference = hd();
        let cases = list(&reference, "vectors");
        assert_eq!(cases.len(), 12);
        for v in cases {
            let (phrase, password, path) = (s(&v["phrase"]), s(&v["password"]), s(&v["path"]));
            let label = s(&v["label"]);
            // The secp256k1 child key and its address (ethers' HDNodeWallet).
            let secret =
                secp256k1_from_seed(&mnemonic_seed(phrase, password).unwrap()[..], &parse_path(path).unwrap()).unwrap();
            assert_eq!(secp_hex(&secret), s(&v["private_key"]), "{label}");
            // The veil identity (@semaphore-protocol/identity over the mapped key).
            let key = Key::from_mnemonic(phrase, password, path).unwrap();
            let veil = &v["veil"];
            assert_eq!(hex::encode(key.private.as_bytes()), s(&veil["private_key"]), "{label}");
            assert_eq!(key.private.secret_scalar().expose().to_string(), s(&veil["secret_scalar"]), "{label}");
            assert_eq!(key.public_key.x.to_string(), s(&veil["public_key"][0]), "{label}");
            assert_eq!(key.public_key.y.to_string(), s(&veil["public_key"][1]), "{label}");
            assert_eq!(key.commitment.to_string(), s(&veil["commitment"]), "{label}");
            let source = key.source.as_ref().unwrap();
            assert_eq!(source.kind, SourceKind::Mnemonic);
            assert_eq!(source.path.as_deref(), Some(path));
            assert_eq!(source.address.to_checksum(None), s(&v["address"]), "{label}");
        }
        assert_eq!(s(&reference["identity_domain"]), hex::encode(IDENTITY_DOMAIN));
    }

    /// The veil identity of the Hardhat/Foundry test mnemonic at the default path, pinned.
    #[test]
    fn the_test_mnemonic_identity_is_pinned() {
        let reference = hd();
        let v = list(&reference, "vectors")
            .iter()
            .find(|v| s(&v["label"]) == "hardhat m/44'/60'/0'/0/0")
            .expect("the pinned vector");
        let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        assert_eq!(key.commitment.to_string(), s(&v["veil"]["commitment"]));
        assert_eq!(hex::encode(key.private.as_bytes()), s(&v["veil"]["private_key"]));
        let source = key.source.unwrap();
        assert_eq!(source.address.to_checksum(None), s(&v["address"]));
        assert_eq!(source.path.as_deref(), Some(DEFAULT_PATH));
        // The mapping, applied directly to the published child key.
        let secret = k256::SecretKey::from_slice(&hex::decode(s(&v["private_key"])).unwrap()).unwrap();
        assert_eq!(hex::encode(identity_private_key(&secret).as_bytes()), s(&v["veil"]["private_key"]));
    }

    #[test]
    fn derivation_is_repeatable_and_paths_are_unlinkable() {
        let a = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        let again = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        assert_eq!(a.private.as_bytes(), again.private.as_bytes());
        // Spelling variants of the same phrase and path give the same key; the path is
        // recorded in canonical form.
        let loose = Key::from_mnemonic(
            "  Test TEST test test test test test test test test\ttest junk\n",
            "",
            "m/44h/60h/0h/0/0",
        )
        .unwrap();
        assert_eq!(loose.private.as_bytes(), a.private.as_bytes());
        assert_eq!(loose.source.unwrap().path.as_deref(), Some(DEFAULT_PATH));
        // Other paths and passphrases give other identities and other addresses.
        let others = [
            Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/0'/0/1").unwrap(),
            Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/1'/0/0").unwrap(),
            Key::from_mnemonic(TEST_JUNK, "x", DEFAULT_PATH).unwrap(),
        ];
        for o in &others {
            assert_ne!(o.commitment, a.commitment);
            assert_ne!(o.source.as_ref().unwrap().address, a.source.as_ref().unwrap().address);
        }
    }

    #[test]
    fn new_mnemonics_have_the_asked_length_and_derive() {
        let mut r = rng(7);
        for words in [12, 15, 18, 21, DEFAULT_WORDS] {
            let phrase = new_mnemonic(&mut r, words).unwrap();
            assert_eq!(phrase.split(' ').count(), words);
            Key::from_mnemonic(&phrase, "", DEFAULT_PATH).unwrap();
        }
        assert_ne!(*new_mnemonic(&mut r, 24).unwrap(), *new_mnemonic(&mut r, 24).unwrap());
        for words in [0, 11, 13, 25] {
            assert!(matches!(new_mnemonic(&mut r, words), Err(KeyError::Mnemonic { .. })), "{words}");
        }
    }

    #[test]
    fn bad_mnemonics_and_paths_are_refused_without_echoing_words() {
        let phrase = new_mnemonic(&mut rng(8), 24).unwrap();
        let words: Vec<&str> = phrase.split(' ').collect();
        let mut swapped = words.clone();
        swapped.swap(0, 23);
        let mut unknown = words.clone();
        unknown[5] = "veilsecretword";
        let cases = [
            (words[..23].join(" "), "23 words"),
            (unknown.join(" "), "word 6 is not in the English BIP-39 word list"),
            (["abandon"; 12].join(" "), "checksum"),
            (String::new(), "0 words"),
        ];
        for (bad, expected) in &cases {
            let err = Key::from_mnemonic(bad, "", DEFAULT_PATH).unwrap_err();
            assert!(matches!(err, KeyError::Mnemonic { .. }), "{err}");
            let msg = err.to_string();
            assert!(msg.contains(expected), "{msg}");
            assert!(!msg.contains("veilsecretword") && !msg.contains("abandon"), "{msg}");
            assert_no_secret(&msg, &[], Some(&phrase));
        }
        // A swapped pair either fails the checksum or (1 in 256) gives another key: never ours.
        if let Ok(k) = Key::from_mnemonic(&swapped.join(" "), "", DEFAULT_PATH) {
            assert_ne!(k.commitment, Key::from_mnemonic(&phrase, "", DEFAULT_PATH).unwrap().commitment);
        }
        for bad in ["", "44'/60'", "m/", "m/2147483648", "m/x'", "m/44'/60'/0'/0/0/", "M/44'"] {
            let err = Key::from_mnemonic(TEST_JUNK, "", bad).unwrap_err();
            assert!(matches!(&err, KeyError::Path { path_str, .. } if path_str == bad), "{bad}: {err}");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Ethereum keystores.
    // -----------------------------------------------------------------------------------------

    #[test]
    fn ethers_keystores_import_with_their_address() {
        let reference = hd();
        let dir = tempfile::tempdir().unwrap();
        let cases = list(&reference, "keystores");
        assert_eq!(cases.len(), 2, "scrypt (ethers) and pbkdf2");
        for (i, v) in cases.iter().enumerate() {
            let path = dir.path().join(format!("eth-{i}.json"));
            std::fs::write(&path, s(&v["json"])).unwrap();
            let pass = s(&v["passphrase"]).as_bytes();
            let key = Key::from_eth_keystore(&path, pass).unwrap();
            assert_eq!(hex::encode(key.private.as_bytes()), s(&v["veil"]["private_key"]), "{}", s(&v["label"]));
            assert_eq!(key.commitment.to_string(), s(&v["veil"]["commitment"]));
            assert_eq!(
                key.source,
                Some(KeySource {
                    kind: SourceKind::EthKeystore,
                    path: None,
                    address: Address::parse_checksummed(s(&v["address"]), None).unwrap()
                })
            );
            let secret = k256::SecretKey::from_slice(&hex::decode(s(&v["private_key"])).unwrap()).unwrap();
            assert_eq!(key.private.as_bytes(), identity_private_key(&secret).as_bytes());

            let err = Key::from_eth_keystore(&path, b"not the passphrase").unwrap_err();
            assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err}");
            assert!(err.to_string().contains(&format!("eth-{i}.json")), "{err}");

            // A recorded address that disagrees with the key is refused.
            let mut json: Value = serde_json::from_str(s(&v["json"])).unwrap();
            json["address"] = json!("0000000000000000000000000000000000000001");
            std::fs::write(&path, json.to_string()).unwrap();
            let err = Key::from_eth_keystore(&path, pass).unwrap_err();
            assert_eq!(field_of(&err), "address", "{err}");
        }
    }

    #[test]
    fn eth_keystore_crate_reads_our_files_and_we_read_its_files() {
        let dir = tempfile::tempdir().unwrap();
        // Ours -> eth-keystore: the plaintext is the veil private key.
        let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        let ours = dir.path().join("veil.key");
        save_light(&key, &ours, b"pass phrase", 1);
        assert_eq!(eth_keystore::decrypt_key(&ours, b"pass phrase").unwrap(), key.private.as_bytes());
        assert!(matches!(eth_keystore::decrypt_key(&ours, b"wrong"), Err(eth_keystore::KeystoreError::MacMismatch)));

        // eth-keystore -> ours: its secp256k1 key, mapped.
        let secret = k256::SecretKey::random(&mut rng(2));
        let id = eth_keystore::encrypt_key(dir.path(), &mut rng(3), secret.to_bytes(), "hunter2", Some("theirs.json"))
            .unwrap();
        assert!(!id.is_empty());
        let imported = Key::from_eth_keystore(&dir.path().join("theirs.json"), b"hunter2").unwrap();
        let expected = Key::from_secp256k1(&secret, SourceKind::EthKeystore, None);
        assert_eq!(imported.private.as_bytes(), expected.private.as_bytes());
        assert_eq!(imported.source, expected.source);
    }

    #[test]
    fn keystores_and_key_files_are_not_confused() {
        let reference = hd();
        let dir = tempfile::tempdir().unwrap();
        let eth = dir.path().join("eth.json");
        let v = &list(&reference, "keystores")[0];
        std::fs::write(&eth, s(&v["json"])).unwrap();
        let err = Key::load(&eth, s(&v["passphrase"]).as_bytes()).unwrap_err();
        assert_eq!(field_of(&err), "veil", "{err}");
        assert!(err.to_string().contains("Ethereum keystore"), "{err}");
        assert_eq!(field_of(&read_public(&eth).unwrap_err()), "veil");

        let ours = dir.path().join("veil.key");
        save_light(&Key::generate(&mut rng(4)), &ours, b"p", 5);
        let err = Key::from_eth_keystore(&ours, b"p").unwrap_err();
        assert_eq!(field_of(&err), "veil", "{err}");
    }

    // -----------------------------------------------------------------------------------------
    // Key files.
    // -----------------------------------------------------------------------------------------

    #[test]
    fn round_trip_is_exact_encrypted_and_0600() {
        let dir = tempfile::tempdir().unwrap();
        for (name, key) in [
            ("random.key", Key::generate(&mut rng(91))),
            ("derived.key", Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/0'/0/7").unwrap()),
        ] {
            let path = dir.path().join(name);
            save_light(&key, &path, "pässphrase".as_bytes(), 92);
            let back = Key::load(&path, "pässphrase".as_bytes()).unwrap();
            assert_eq!(back.private.as_bytes(), key.private.as_bytes());
            assert_eq!(back.public_key, key.public_key);
            assert_eq!(back.commitment, key.commitment);
            assert_eq!(back.source, key.source);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert_no_secret(&text, &secret_forms(&key), None);
            let json: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(json["version"], 3);
            assert_eq!(json["crypto"]["kdfparams"]["n"], 4096);
            assert_eq!(json["veil"]["commitment"], key.commitment.to_string());
            let info = read_public(&path).unwrap();
            assert_eq!(
                info,
                PublicInfo {
                    public_key: key.public_key,
                    commitment: key.commitment,
                    source: key.source.clone(),
                    encrypted: true
                }
            );
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "no temporary file left behind");
        // The same key saved twice is encrypted under a fresh salt and IV.
        let key = Key::generate(&mut rng(93));
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        key.save(&a, b"p", Kdf::Light, false).unwrap();
        key.save(&b, b"p", Kdf::Light, false).unwrap();
        let ct =
            |p: &Path| serde_json::from_str::<Value>(&std::fs::read_to_string(p).unwrap()).unwrap()["crypto"].clone();
        assert_ne!(ct(&a)["ciphertext"], ct(&b)["ciphertext"]);
        assert_ne!(ct(&a)["kdfparams"]["salt"], ct(&b)["kdfparams"]["salt"]);
    }

    #[test]
    fn standard_kdf_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("standard.key");
        let key = Key::generate(&mut rng(94));
        let start = std::time::Instant::now();
        key.save(&path, b"correct horse battery staple", Kdf::Standard, false).unwrap();
        let back = Key::load(&path, b"correct horse battery staple").unwrap();
        eprintln!("Kdf::Standard save + load: {:?}", start.elapsed());
        assert_eq!(back.private.as_bytes(), key.private.as_bytes());
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            json["crypto"]["kdfparams"],
            json!({"dklen": 32, "n": 262144, "r": 8, "p": 1, "salt": json["crypto"]["kdfparams"]["salt"]})
        );
    }

    #[test]
    fn an_existing_file_is_replaced_only_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let first = Key::generate(&mut rng(95));
        save_light(&first, &path, b"one", 1);
        let before = std::fs::read(&path).unwrap();
        let second = Key::generate(&mut rng(96));
        let err = second.save_with_rng(&path, b"two", Kdf::Light, false, &mut rng(2)).unwrap_err();
        assert!(matches!(err, KeyError::Exists { .. }), "{err}");
        assert!(err.to_string().contains("k.key"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "the file is untouched");
        // The no-clobber rename refuses too, should the file appear after the early check.
        let err = veil_fs::write_new_atomic(&path, b"x", true).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&path).unwrap(), before);

        second.save_with_rng(&path, b"two", Kdf::Light, true, &mut rng(3)).unwrap();
        assert_eq!(Key::load(&path, b"two").unwrap().commitment, second.commitment);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
    }

    #[test]
    fn a_source_that_would_not_read_back_is_not_saved() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        let address = key.source.as_ref().unwrap().address;
        for (kind, bad) in [
            (SourceKind::Mnemonic, None),
            (SourceKind::Mnemonic, Some("m/44h/60h/0h/0/0")),
            (SourceKind::Mnemonic, Some("m/44'/\u{1b}[31m")),
            (SourceKind::EthKeystore, Some(DEFAULT_PATH)),
        ] {
            let mut k = key.clone();
            k.source = Some(KeySource { kind, path: bad.map(String::from), address });
            let err = k.save_with_rng(&path, b"p", Kdf::Light, false, &mut rng(1)).unwrap_err();
            assert!(matches!(err, KeyError::Path { .. }), "{err}");
            assert!(!path.exists());
        }
    }

    #[test]
    fn a_wrong_passphrase_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("alice.key");
        let key = Key::generate(&mut rng(97));
        save_light(&key, &path, b"right", 1);
        for wrong in [&b"wrong"[..], b"", b"right ", b"Right"] {
            let err = Key::load(&path, wrong).unwrap_err();
            assert!(matches!(err, KeyError::WrongPassphrase { .. }), "{err}");
            let msg = err.to_string();
            assert!(msg.contains("alice.key") && msg.contains("wrong passphrase"), "{msg}");
        }
    }

    /// Damaged versions of a saved key file, each with the field its error must name.
    fn corruptions(text: &str) -> Vec<(String, &'static str)> {
        let json: Value = serde_json::from_str(text).unwrap();
        let with = |pointer: &str, value: Value| {
            let mut j = json.clone();
            *j.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value;
            serde_json::to_string_pretty(&j).unwrap()
        };
        let without = |parent: &str, key: &str| {
            let mut j = json.clone();
            j.pointer_mut(parent).unwrap().as_object_mut().unwrap().remove(key);
            serde_json::to_string_pretty(&j).unwrap()
        };
        let adding = |parent: &str, key: &str, value: Value| {
            let mut j = json.clone();
            j.pointer_mut(parent).unwrap().as_object_mut().unwrap().insert(key.into(), value);
            serde_json::to_string_pretty(&j).unwrap()
        };
        let ciphertext = json["crypto"]["ciphertext"].as_str().unwrap();
        vec![
            (text[..text.len() / 2].to_string(), "(file)"),
            (text[..text.len() - 3].to_string(), "(file)"),
            (String::new(), "(file)"),
            ("not json at all".into(), "(file)"),
            ("[1, 2]".into(), "(file)"),
            (without("", "crypto"), "(file)"),
            (without("/crypto", "mac"), "(file)"),
            (adding("/veil", "extra", json!(1)), "(file)"),
            (with("/version", json!(4)), "version"),
            (with("/crypto/cipher", json!("aes-256-gcm")), "crypto.cipher"),
            (with("/crypto/cipherparams/iv", json!("00112233")), "crypto.cipherparams.iv"),
            (with("/crypto/ciphertext", json!("zz")), "crypto.ciphertext"),
            (with("/crypto/ciphertext", json!("")), "crypto.ciphertext"),
            (with("/crypto/mac", json!(&ciphertext[..40])), "crypto.mac"),
            (with("/crypto/kdf", json!("argon2id")), "crypto.kdf"),
            (with("/crypto/kdfparams/n", json!(1000)), "crypto.kdfparams.n"),
            (with("/crypto/kdfparams/n", json!(1u64 << 30)), "crypto.kdfparams.n"),
            (with("/crypto/kdfparams/n", json!(-1)), "(file)"),
            (with("/crypto/kdfparams/p", json!(1000)), "crypto.kdfparams.p"),
            (with("/crypto/kdfparams/dklen", json!(16)), "crypto.kdfparams.dklen"),
            (with("/crypto/kdfparams/salt", json!("")), "crypto.kdfparams.salt"),
            (without("/crypto/kdfparams", "r"), "crypto.kdfparams.r"),
            (with("/veil/format", json!("other")), "veil.format"),
            (with("/veil/version", json!(3)), "veil.version"),
            (with("/veil/commitment", json!("12x")), "veil.commitment"),
            (
                with("/veil/commitment", json!(format!("0{}", json["veil"]["commitment"].as_str().unwrap()))),
                "veil.commitment",
            ),
            (with("/veil/public_key", json!(["1", "2"])), "veil.public_key"),
            (with("/veil/source_mac", json!("00")), "veil.source_mac"),
            (with("/veil/source/kind", json!("ledger")), "veil.source.kind"),
            (with("/veil/source/path", json!("m/44'/x")), "veil.source.path"),
            (with("/veil/source/path", json!("m/44h/60h/0h/0/0")), "veil.source.path"),
            (with("/veil/source/path", Value::Null), "veil.source.path"),
            (
                with("/veil/source/address", json!(json["veil"]["source"]["address"].as_str().unwrap().to_lowercase())),
                "veil.source.address",
            ),
            // A changed ciphertext or salt fails the MAC: Web3 Secret Storage cannot tell
            // that from a wrong passphrase, and the message says so.
            (with("/crypto/ciphertext", json!(format!("ff{}", &ciphertext[2..]))), "(mac)"),
            (with("/crypto/kdfparams/salt", json!("00")), "(mac)"),
        ]
    }

    #[test]
    fn corrupted_and_truncated_files_are_refused_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.key");
        let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        save_light(&key, &path, b"pass", 1);
        let text = std::fs::read_to_string(&path).unwrap();
        let forms = secret_forms(&key);
        for (bad, field) in corruptions(&text) {
            std::fs::write(&path, &bad).unwrap();
            let err = Key::load(&path, b"pass").unwrap_err();
            assert_eq!(field_of(&err), field, "{err}\n{bad}");
            let msg = err.to_string();
            assert!(msg.contains("damaged.key"), "{msg}");
            assert_no_secret(&msg, &forms, Some(TEST_JUNK));
        }
        let err = Key::load(&dir.path().join("missing.key"), b"pass").unwrap_err();
        assert!(matches!(err, KeyError::Io { .. }) && err.to_string().contains("missing.key"), "{err}");
    }

    #[test]
    fn altered_metadata_is_refused_after_decryption() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k.key");
        let key = Key::from_mnemonic(TEST_JUNK, "", DEFAULT_PATH).unwrap();
        let other = Key::from_mnemonic(TEST_JUNK, "", "m/44'/60'/0'/0/1").unwrap();
        save_light(&key, &path, b"pass", 1);
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let other_address = other.source.as_ref().unwrap().address.to_checksum(None);
        let with = |pointer: &str, value: Value| {
            let mut j = json.clone();
            *j.pointer_mut(pointer).unwrap() = value;
            j
        };
        let cases = [
            (with("/veil/commitment", json!(other.commitment.to_string())), "veil.commitment"),
            (
                with("/veil/public_key", json!([other.public_key.x.to_string(), other.public_key.y.to_string()])),
                "veil.public_key",
            ),
            (with("/veil/source/address", json!(other_address)), "veil.source"),
            (with("/veil/source/path", json!("m/44'/60'/0'/0/1")), "veil.source"),
            (
                with(
                    "/veil/source",
                    json!({"kind": "eth-keystore", "path": null, "address": json["veil"]["source"]["address"]}),
                ),
                "veil.source",
            ),
            (with("/veil/source", Value::Null), "veil.source"),
        ];
        for (bad, field) in cases {
            std::fs::write(&path, serde_json::to_string_pretty(&bad).unwrap()).unwrap();
            // Without the passphrase the record is shown as it is ...
            read_public(&path).unwrap();
            // ... and loading refuses it.
            let err = Key::load(&path, b"pass").unwrap_err();
            assert_eq!(field_of(&err), field, "{err}");
        }
        // A source added to a key that had none is refused too.
        let plain = Key::generate(&mut rng(98));
        save_light(&plain, &path.with_extension("plain"), b"pass", 2);
        let mut j: Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("plain")).unwrap()).unwrap();
        j["veil"]["source"] = json["veil"]["source"].clone();
        std::fs::write(&path, j.to_string()).unwrap();
        assert_eq!(field_of(&Key::load(&path, b"pass").unwrap_err()), "veil.source");
    }

    /// A version 1 file, as `veil key new` wrote before encryption.
    fn v1_text(key: &Key) -> String {
        serde_json::to_string_pretty(&json!({
            "format": "veil-key",
            "version": 1,
            "encryption": "none",
            "private_key": hex::encode(key.private.as_bytes()),
            "public_key": [key.public_key.x.to_string(), key.public_key.y.to_string()],
            "commitment": key.commitment.to_string(),
        }))
        .unwrap()
    }

    #[test]
    fn version_1_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.key");
        let key = Key::generate(&mut rng(99));
        std::fs::write(&path, v1_text(&key)).unwrap();
        for passphrase in [&b""[..], b"ignored"] {
            let back = Key::load(&path, passphrase).unwrap();
            assert_eq!(back.private.as_bytes(), key.private.as_bytes());
            assert_eq!(back.source, None);
        }
        let info = read_public(&path).unwrap();
        assert_eq!((info.commitment, info.public_key, info.encrypted), (key.commitment, key.public_key, false));
        // Re-saving encrypts.
        let new = dir.path().join("new.key");
        Key::load(&path, b"").unwrap().save_with_rng(&new, b"now encrypted", Kdf::Light, false, &mut rng(1)).unwrap();
        assert!(read_public(&new).unwrap().encrypted);
        assert_eq!(Key::load(&new, b"now encrypted").unwrap().commitment, key.commitment);
    }

    /// Damaged version 1 files: the key is in clear there, so these errors are the likeliest
    /// to leak it.
    fn v1_corruptions(key: &Key) -> Vec<(String, &'static str)> {
        let text = v1_text(key);
        let secret = hex::encode(key.private.as_bytes());
        vec![
            (text.replace(&key.commitment.to_string(), "12345"), "commitment"),
            (text.replace("\"veil-key\"", "\"other\""), "format"),
            (text.replace("\"none\"", "\"scrypt\""), "encryption"),
            (text.replace("\"version\": 1", "\"version\": 7"), "version"),
            (text.replace(&secret, &secret[..60]), "private_key"),
            (text.replace(&secret, &"zz".repeat(32)), "private_key"),
            (text.replace(&format!("\"{secret}\""), &format!("[\"{secret}\"]")), "(file)"),
            (text.replace(&format!("\"{secret}\""), &format!("\"{secret}\" \"{secret}\"")), "(file)"),
            (text.replace("\"encryption\"", "\"encryption_\""), "(file)"),
            (text[..text.len() - 20].to_string(), "(file)"),
        ]
    }

    #[test]
    fn damaged_version_1_files_are_refused_by_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.key");
        let key = Key::generate(&mut rng(100));
        for (bad, field) in v1_corruptions(&key) {
            std::fs::write(&path, &bad).unwrap();
            let err = Key::load(&path, b"").unwrap_err();
            assert_eq!(field_of(&err), field, "{err}\n{bad}");
            assert!(err.to_string().contains("old.key"), "{err}");
        }
    }

    #[test]
    fn errors_and_debug_output_never_show_secrets() {
        let dir = tempfile::tempdir().unwrap();
        let phrase = new_mnemonic(&mut rng(101), 24).unwrap();
        let key = Key::from_mnemonic(&phrase, "bip39 pass", DEFAULT_PATH).unwrap();
        let secp =
            secp256k1_from_seed(&mnemonic_seed(&phrase, "bip39 pass").unwrap()[..], &parse_path(DEFAULT_PATH).unwrap())
                .unwrap();
        let mut forms = secret_forms(&key);
        let secp_be = secp.to_bytes().to_vec();
        forms.extend([hex::encode(&secp_be), hex::encode_upper(&secp_be), decimal(&secp_be)]);
        let mut texts = vec![
            format!("{key:?}"),
            format!("{:#?}", key.clone()),
            format!("{:?}", key.source),
            format!("{:?}", key.private),
        ];

        let path = dir.path().join("k.key");
        save_light(&key, &path, b"file pass", 1);
        texts.push(format!("{:?}", read_public(&path).unwrap()));
        texts.push(format!("{:?}", Key::load(&path, b"file pass").unwrap()));
        let wrong = Key::load(&path, b"bad").unwrap_err();
        texts.push(wrong.to_string());
        texts.push(format!("{wrong:?}"));
        let text = std::fs::read_to_string(&path).unwrap();
        for (bad, _) in corruptions(&text) {
            std::fs::write(&path, &bad).unwrap();
            let err = Key::load(&path, b"file pass").unwrap_err();
            texts.push(err.to_string());
            texts.push(format!("{err:?}"));
        }
        for (bad, _) in v1_corruptions(&key) {
            std::fs::write(&path, &bad).unwrap();
            let errors = [Key::load(&path, b"").err(), read_public(&path).err()];
            for err in errors.into_iter().flatten() {
                texts.push(err.to_string());
                texts.push(format!("{err:?}"));
            }
        }
        let words: Vec<&str> = phrase.split(' ').collect();
        for bad in [
            words[..23].join(" "),
            format!("{} zzz", words[..23].join(" ")),
            words.iter().rev().copied().collect::<Vec<_>>().join(" "),
        ] {
            if let Err(err) = Key::from_mnemonic(&bad, "", DEFAULT_PATH) {
                texts.push(err.to_string());
                texts.push(format!("{err:?}"));
            }
        }
        assert!(texts.len() > 80);
        for t in &texts {
            assert_no_secret(t, &forms, Some(&phrase));
        }
    }
}
