//! Where a derived key comes from: BIP-39 mnemonics, BIP-32 paths, and the secp256k1 → veil identity mapping.

use std::str::FromStr;

use alloy_primitives::Address;
use bip32::DerivationPath;
use bip39::{Language, Mnemonic};
use rand::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use veil_circuits::eddsa::PrivateKey;
use zeroize::{Zeroize, Zeroizing};

use super::{KeyError, SourceKind};

/// The BIP-32 path of an Ethereum wallet's first account (BIP-44, coin type 60).
pub const DEFAULT_PATH: &str = "m/44'/60'/0'/0/0";

/// The number of words of a new mnemonic unless asked otherwise (256 bits of entropy).
pub const DEFAULT_WORDS: usize = 24;

/// The domain separator of [`identity_private_key`]: `"veil/identity/v1/secp256k1"` and a
/// zero byte.
pub const IDENTITY_DOMAIN: &[u8] = b"veil/identity/v1/secp256k1\0";

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
pub(super) fn eth_address(secret: &k256::SecretKey) -> Address {
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
pub(super) fn parse_path(path: &str) -> Result<DerivationPath, KeyError> {
    DerivationPath::from_str(path).map_err(|_| KeyError::Path {
        path_str: path.to_string(),
        reason: "expected m/<index>/<index>/..., each index below 2^31 and followed by ' (or h) when hardened".into(),
    })
}

/// The BIP-39 seed of an English mnemonic (case and spacing as typed are forgiven; the
/// passphrase is NFKD-normalised, as BIP-39 says).
pub(super) fn mnemonic_seed(phrase: &str, bip39_passphrase: &str) -> Result<Zeroizing<[u8; 64]>, KeyError> {
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
/// mnemonic (as [`Key::from_mnemonic`](super::Key::from_mnemonic) records it), none for a
/// keystore.
pub(super) fn check_source_path(kind: SourceKind, path: Option<&str>) -> Result<(), &'static str> {
    match (kind, path) {
        (SourceKind::Mnemonic, Some(p)) => match DerivationPath::from_str(p) {
            Ok(parsed) if parsed.to_string() == p => Ok(()),
            Ok(_) => Err("not in canonical form (m/44'/60'/0'/0/0)"),
            Err(_) => Err("not a BIP-32 path"),
        },
        (SourceKind::Mnemonic, None) => Err("missing for a mnemonic source"),
        (SourceKind::EthKeystore | SourceKind::Semaphore, None) => Ok(()),
        (SourceKind::EthKeystore, Some(_)) => Err("set for a keystore source, which has none"),
        (SourceKind::Semaphore, Some(_)) => Err("set for a Semaphore source, which has none"),
    }
}

/// The secp256k1 key at `path` below a BIP-32 seed.
pub(super) fn secp256k1_from_seed(seed: &[u8], path: &DerivationPath) -> Result<k256::SecretKey, KeyError> {
    let child = bip32::XPrv::derive_from_path(seed, path).map_err(|_| KeyError::Path {
        path_str: path.to_string(),
        reason: "this path gives no valid key for this seed (a probability-2^-127 event); use another index".into(),
    })?;
    let bytes = Zeroizing::new(child.to_bytes());
    Ok(k256::SecretKey::from_slice(&bytes[..]).expect("BIP-32 child keys are valid scalars"))
}
