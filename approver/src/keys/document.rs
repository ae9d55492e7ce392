//! The key file as a JSON document: a v3 keystore with veil's `veil` object, its `source` and `source_mac`.

use std::{io, path::Path};

use alloy_primitives::{keccak256, Address};
use rand::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use veil_circuits::{
    babyjubjub::{point_on_curve, Point},
    eddsa::PrivateKey,
    Fr,
};
use zeroize::Zeroizing;

use super::{
    derivation::{check_source_path, eth_address},
    keystore::{self, unhex, CryptoJson},
    legacy, Kdf, Key, KeyError, KeySource, PublicInfo, SourceKind,
};

/// The domain separator of the key file's `source_mac`.
const SOURCE_MAC_DOMAIN: &[u8] = b"veil/keyfile/v2/source\0";

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
#[serde(deny_unknown_fields)]
struct VeilJson {
    format: String,
    version: u32,
    commitment: String,
    public_key: [String; 2],
    source: Option<SourceJson>,
    source_mac: String,
}

/// Field order is part of `source_mac`'s definition; `path` and `address` are written as
/// `null` when the kind has none.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SourceJson {
    kind: String,
    path: Option<String>,
    address: Option<String>,
}

impl From<&KeySource> for SourceJson {
    fn from(s: &KeySource) -> Self {
        Self {
            kind: s.kind.as_str().into(),
            path: s.path.clone(),
            address: s.address.as_ref().map(|a| a.to_checksum(None)),
        }
    }
}

/// Whether a source of `kind` may record an address (`present`): [`SourceKind::has_address`].
fn check_source_address(kind: SourceKind, present: bool) -> Result<(), &'static str> {
    match (kind.has_address(), present) {
        (true, false) => Err("missing: a wallet source records its Ethereum address"),
        (false, true) => Err("set for a Semaphore source, which has none"),
        _ => Ok(()),
    }
}

/// Just enough of a file to tell version 1 (top-level `format`) from a v3 keystore.
#[derive(Deserialize)]
pub(super) struct Probe {
    #[serde(default)]
    pub(super) format: Option<String>,
}

impl Probe {
    fn is_v1(&self) -> bool {
        self.format.is_some()
    }
}

/// A key file's text (wiped on drop: a version 1 file holds the key in clear) and its name
/// for messages.
pub(super) struct FileText {
    pub(super) path: String,
    pub(super) text: Zeroizing<String>,
}

impl FileText {
    fn read(path: &Path) -> Result<Self, KeyError> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KeyError::Io { path: p.clone(), source })?;
        Ok(Self { path: p, text: Zeroizing::new(text) })
    }

    pub(super) fn corrupt(&self, field: &'static str, reason: String) -> KeyError {
        KeyError::Corrupt { path: self.path.clone(), field, reason }
    }

    pub(super) fn unsupported(&self, field: &'static str, found: String) -> KeyError {
        KeyError::Unsupported { path: self.path.clone(), field, found }
    }

    /// A JSON error with its position only: serde's message may quote a value, and a version 1
    /// file holds the key in clear.
    pub(super) fn json_error(&self, e: &serde_json::Error) -> KeyError {
        let reason = if e.is_eof() {
            format!("truncated: the JSON ends early (line {}, column {})", e.line(), e.column())
        } else if e.is_syntax() {
            format!("not valid JSON (line {}, column {})", e.line(), e.column())
        } else {
            format!("not a key file of the expected shape (line {}, column {})", e.line(), e.column())
        };
        self.corrupt("(file)", reason)
    }

    pub(super) fn probe(&self) -> Result<Probe, KeyError> {
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

    /// A canonical decimal field element.
    pub(super) fn fr(&self, field: &'static str, s: &str) -> Result<Fr, KeyError> {
        veil_circuits::field::parse(s)
            .map_err(|e| self.corrupt(field, format!("not a canonical decimal field element: {e}")))
    }

    pub(super) fn point(&self, field: &'static str, xy: &[String; 2]) -> Result<Point, KeyError> {
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
                let kind = SourceKind::from_name(&s.kind)
                    .ok_or_else(|| self.unsupported("veil.source.kind", format!("{:?}", s.kind)))?;
                check_source_path(kind, s.path.as_deref())
                    .map_err(|reason| self.corrupt("veil.source.path", reason.into()))?;
                let path = s.path.clone();
                check_source_address(kind, s.address.is_some())
                    .map_err(|reason| self.corrupt("veil.source.address", reason.into()))?;
                let address = match &s.address {
                    None => None,
                    Some(a) => Some(Address::parse_checksummed(a, None).map_err(|_| {
                        self.corrupt("veil.source.address", "not an EIP-55 checksummed address".into())
                    })?),
                };
                Some(KeySource { kind, path, address })
            }
        };
        Ok(PublicInfo { public_key, commitment, source, encrypted: true })
    }
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

/// The secp256k1 key in an Ethereum keystore, checked against the keystore's recorded
/// address if it has one ([`Key::from_eth_keystore`]).
pub(super) fn read_eth_keystore(path: &Path, passphrase: &[u8]) -> Result<k256::SecretKey, KeyError> {
    let file = FileText::read(path)?;
    let ks = file.parse_v3()?;
    if ks.veil.is_some() {
        return Err(
            file.corrupt("veil", "this is a veil key file, not an Ethereum keystore (load it as a key instead)".into())
        );
    }
    let sealed = keystore::check_v3(&file, ks.version, &ks.crypto, Some(32))?;
    let opened = keystore::open(&file, &sealed, passphrase)?;
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
    Ok(secret)
}

/// Writes `key`'s file ([`Key::save_with_rng`]).
pub(super) fn save<R: RngCore + CryptoRng>(
    key: &Key,
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
    if let Some(source) = &key.source {
        check_source_path(source.kind, source.path.as_deref()).map_err(|reason| KeyError::Path {
            path_str: source.path.clone().unwrap_or_default(),
            reason: reason.into(),
        })?;
        check_source_address(source.kind, source.address.is_some())
            .map_err(|reason| KeyError::Source { kind: source.kind.as_str(), reason })?;
    }
    let mut salt = [0u8; 32];
    let mut iv = [0u8; 16];
    let mut id = [0u8; 16];
    rng.fill_bytes(&mut salt);
    rng.fill_bytes(&mut iv);
    rng.fill_bytes(&mut id);

    let (crypto, dk) = keystore::encrypt(key.private.as_bytes(), passphrase, kdf, salt, iv);

    let source = key.source.as_ref().map(SourceJson::from);
    let veil = VeilJson {
        format: "veil-key".into(),
        version: 2,
        commitment: key.commitment.to_string(),
        public_key: [key.public_key.x.to_string(), key.public_key.y.to_string()],
        source_mac: hex::encode(source_mac(&dk, source.as_ref())),
        source,
    };
    let file = V3Json {
        address: None,
        crypto,
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

/// Reads, decrypts and checks a key file ([`Key::load`]).
pub(super) fn load(path: &Path, passphrase: &[u8]) -> Result<Key, KeyError> {
    let file = FileText::read(path)?;
    if file.probe()?.is_v1() {
        return legacy::load(&file);
    }
    let ks = file.parse_v3()?;
    let Some(veil) = &ks.veil else {
        return Err(file.corrupt(
            "veil",
            "missing: this is an Ethereum keystore, not a veil key file (import it as a key source)".into(),
        ));
    };
    let recorded = file.check_veil(veil)?;
    let sealed = keystore::check_v3(&file, ks.version, &ks.crypto, None)?;
    let opened = keystore::open(&file, &sealed, passphrase)?;

    let mut key = Key::from_private(PrivateKey::from_bytes(&opened.plaintext[..]));
    if veil.commitment != key.commitment.to_string() {
        return Err(file.corrupt("veil.commitment", "does not match the private key".into()));
    }
    if veil.public_key != [key.public_key.x.to_string(), key.public_key.y.to_string()] {
        return Err(file.corrupt("veil.public_key", "does not match the private key".into()));
    }
    let mac = unhex(&veil.source_mac)
        .filter(|b| b.len() == 32)
        .ok_or_else(|| file.corrupt("veil.source_mac", "not 32 bytes of hexadecimal".into()))?;
    let mac_matches: bool = mac[..].ct_eq(&source_mac(&opened.dk, veil.source.as_ref())[..]).into();
    if !mac_matches {
        return Err(file.corrupt("veil.source", "was altered (its MAC does not match)".into()));
    }
    key.source = recorded.source;
    Ok(key)
}

/// A key file's public parts, without the passphrase: commitment, public key and source as
/// recorded (checked for form, not against the key: [`Key::load`] does that).
///
/// # Errors
/// [`KeyError::Io`]; [`KeyError::Corrupt`]; [`KeyError::Unsupported`].
pub fn read_public(path: &Path) -> Result<PublicInfo, KeyError> {
    let file = FileText::read(path)?;
    if file.probe()?.is_v1() {
        return legacy::read_public(&file);
    }
    let ks = file.parse_v3()?;
    let Some(veil) = &ks.veil else {
        return Err(file.corrupt("veil", "missing: this is an Ethereum keystore, not a veil key file".into()));
    };
    file.check_veil(veil)
}
