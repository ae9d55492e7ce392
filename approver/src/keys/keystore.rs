//! Web3 Secret Storage v3 encryption and decryption: scrypt or PBKDF2, AES-128-CTR, the MAC, and bounds on the KDF.

use aes::cipher::{KeyIvInit, StreamCipher};
use alloy_primitives::keccak256;
use hmac::Hmac;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::{document::FileText, Kdf, KeyError};

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

/// The longest private key a key file holds (and the longest salt read): veil makes 32-byte
/// keys, a Semaphore identity import may bring any length up to this.
pub(super) const MAX_KEY_LEN: usize = 1024;

// Why veil reads and writes v3 keystores itself rather than with eth-keystore 0.5 (which the
// tests use to prove interoperability both ways): its writer creates the file with default
// permissions and not atomically, and cannot carry the `veil` object; its reader panics on a
// short IV or `dklen` below 32, truncates a non-power-of-two `n` to another cost (reported as
// a MAC mismatch), puts no bound on the KDF's memory or time, does not accept ethers' `Crypto`
// spelling, and leaves the derived key and plaintext in unwiped buffers.

/// A v3 keystore's `crypto` object.
#[derive(Serialize, Deserialize)]
pub(super) struct CryptoJson {
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

/// A v3 keystore's checked cipher and KDF parameters.
pub(super) struct Sealed {
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
pub(super) struct Opened {
    pub(super) dk: Zeroizing<[u8; 32]>,
    pub(super) plaintext: Zeroizing<Vec<u8>>,
}

/// Encrypts `plaintext` under `passphrase` with scrypt at `kdf`'s cost (`r` and `p` as geth's)
/// and AES-128-CTR, with the given salt and IV: the `crypto` object, and the derived key (for
/// the MACs).
pub(super) fn encrypt(
    plaintext: &[u8],
    passphrase: &[u8],
    kdf: Kdf,
    salt: [u8; 32],
    iv: [u8; 16],
) -> (CryptoJson, Zeroizing<[u8; 32]>) {
    let params = scrypt::Params::new(kdf.log_n(), SCRYPT_R, SCRYPT_P).expect("valid scrypt parameters");
    let mut dk = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(passphrase, &salt, &params, &mut dk[..]).expect("32 bytes is a valid scrypt output length");
    let mut ciphertext = plaintext.to_vec();
    Aes128Ctr::new_from_slices(&dk[..16], &iv).expect("16-byte key and IV").apply_keystream(&mut ciphertext);
    let mac = v3_mac(&dk, &ciphertext);
    let crypto = CryptoJson {
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
    };
    (crypto, dk)
}

/// Checks a v3 keystore's `version` and its cipher and KDF fields (`plaintext_len`: what the
/// plaintext must be, if known), before any KDF work; errors name `file`.
pub(super) fn check_v3(
    file: &FileText,
    version: u32,
    c: &CryptoJson,
    plaintext_len: Option<usize>,
) -> Result<Sealed, KeyError> {
    if version != 3 {
        return Err(file.unsupported("version", format!("keystore version {version}")));
    }
    if c.cipher != "aes-128-ctr" {
        return Err(file.unsupported("crypto.cipher", format!("{:?}", c.cipher)));
    }
    let bytes = |field: &'static str, s: &str, len: Option<usize>| -> Result<Vec<u8>, KeyError> {
        let b = unhex(s).ok_or_else(|| file.corrupt(field, "not hexadecimal".into()))?;
        match len {
            Some(n) if b.len() != n => Err(file.corrupt(field, format!("{} bytes, expected {n}", b.len()))),
            None if b.is_empty() || b.len() > MAX_KEY_LEN => {
                Err(file.corrupt(field, format!("{} bytes, expected 1 to {MAX_KEY_LEN}", b.len())))
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
        return Err(file.unsupported("crypto.kdfparams.dklen", kp.dklen.to_string()));
    }
    let kdf = match c.kdf.as_str() {
        "scrypt" => {
            let field = |name: &'static str, v: Option<u64>| v.ok_or_else(|| file.corrupt(name, "missing".into()));
            let n = field("crypto.kdfparams.n", kp.n)?;
            let r = field("crypto.kdfparams.r", kp.r.map(u64::from))?;
            let p = field("crypto.kdfparams.p", kp.p.map(u64::from))?;
            if n < 2 || !n.is_power_of_two() {
                return Err(file.corrupt("crypto.kdfparams.n", format!("{n} is not a power of two above 1")));
            }
            if r == 0 || p == 0 {
                return Err(file.corrupt("crypto.kdfparams.r", "r and p must be positive".into()));
            }
            if 128u128 * u128::from(r) * u128::from(n) > u128::from(MAX_SCRYPT_MEMORY) {
                return Err(file.unsupported(
                    "crypto.kdfparams.n",
                    format!("n = {n}, r = {r} (more than {} MiB of scrypt memory)", MAX_SCRYPT_MEMORY >> 20),
                ));
            }
            if p > u64::from(MAX_SCRYPT_P) {
                return Err(file.unsupported("crypto.kdfparams.p", format!("p = {p} (above {MAX_SCRYPT_P})")));
            }
            let (r, p) = (u32::try_from(r).expect("bounded"), u32::try_from(p).expect("bounded"));
            let log_n = u8::try_from(n.trailing_zeros()).expect("below 64");
            scrypt::Params::new(log_n, r, p)
                .map_err(|_| file.unsupported("crypto.kdfparams.n", format!("scrypt n = {n}, r = {r}, p = {p}")))?;
            KdfParams::Scrypt { log_n, r, p }
        }
        "pbkdf2" => {
            match kp.prf.as_deref() {
                Some("hmac-sha256") => {}
                Some(other) => return Err(file.unsupported("crypto.kdfparams.prf", format!("{other:?}"))),
                None => return Err(file.corrupt("crypto.kdfparams.prf", "missing".into())),
            }
            let c = kp.c.ok_or_else(|| file.corrupt("crypto.kdfparams.c", "missing".into()))?;
            if c == 0 {
                return Err(file.corrupt("crypto.kdfparams.c", "0 iterations".into()));
            }
            if c > MAX_PBKDF2_ROUNDS {
                return Err(
                    file.unsupported("crypto.kdfparams.c", format!("{c} iterations (above {MAX_PBKDF2_ROUNDS})"))
                );
            }
            KdfParams::Pbkdf2 { c }
        }
        other => return Err(file.unsupported("crypto.kdf", format!("{other:?}"))),
    };
    Ok(Sealed { kdf, salt, iv, ciphertext, mac })
}

/// Derives the key, checks the MAC (in constant time) and decrypts; errors name `file`.
pub(super) fn open(file: &FileText, s: &Sealed, passphrase: &[u8]) -> Result<Opened, KeyError> {
    let mut dk = Zeroizing::new([0u8; 32]);
    match s.kdf {
        KdfParams::Scrypt { log_n, r, p } => {
            let params = scrypt::Params::new(log_n, r, p).expect("checked in check_v3");
            scrypt::scrypt(passphrase, &s.salt, &params, &mut dk[..])
                .expect("32 bytes is a valid scrypt output length");
        }
        KdfParams::Pbkdf2 { c } => pbkdf2::pbkdf2::<Hmac<Sha256>>(passphrase, &s.salt, c, &mut dk[..]),
    }
    let mac_matches: bool = v3_mac(&dk, &s.ciphertext)[..].ct_eq(&s.mac[..]).into();
    if !mac_matches {
        return Err(KeyError::WrongPassphrase { path: file.path.clone() });
    }
    let mut plaintext = Zeroizing::new(s.ciphertext.clone());
    Aes128Ctr::new_from_slices(&dk[..16], &s.iv).expect("16-byte key and IV").apply_keystream(&mut plaintext);
    Ok(Opened { dk, plaintext })
}

/// Web3 Secret Storage's MAC: `keccak256(dk[16..32] ‖ ciphertext)`.
fn v3_mac(dk: &[u8; 32], ciphertext: &[u8]) -> [u8; 32] {
    let mut input = Zeroizing::new(Vec::with_capacity(16 + ciphertext.len()));
    input.extend_from_slice(&dk[16..]);
    input.extend_from_slice(ciphertext);
    keccak256(&input[..]).0
}

/// Hex with an optional `0x`, either case.
pub(super) fn unhex(s: &str) -> Option<Vec<u8>> {
    hex::decode(s.strip_prefix("0x").unwrap_or(s)).ok()
}
