//! Version 1 key files: the private key in clear, still read so that existing keys keep working.

use serde::Deserialize;
use veil_circuits::eddsa::PrivateKey;
use zeroize::Zeroizing;

use super::{document::FileText, Key, KeyError, PublicInfo};

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

fn parse(file: &FileText) -> Result<V1Json, KeyError> {
    let probe = file.probe()?;
    match probe.format.as_deref() {
        Some("veil-key") => {}
        Some(other) => return Err(file.unsupported("format", format!("{other:?}"))),
        None => return Err(file.corrupt("format", "missing".into())),
    }
    let v1: V1Json = serde_json::from_str(&file.text).map_err(|e| file.json_error(&e))?;
    if v1.format != "veil-key" {
        return Err(file.unsupported("format", format!("{:?}", v1.format)));
    }
    if v1.version != 1 {
        return Err(file.unsupported("version", format!("version {} of an unencrypted key file", v1.version)));
    }
    if v1.encryption != "none" {
        return Err(file.unsupported("encryption", format!("{:?}", v1.encryption)));
    }
    Ok(v1)
}

/// The key of a version 1 file, checked against its recorded public parts.
pub(super) fn load(file: &FileText) -> Result<Key, KeyError> {
    let v1 = parse(file)?;
    let bytes = Zeroizing::new(
        hex::decode(v1.private_key.as_str()).map_err(|_| file.corrupt("private_key", "not hexadecimal".into()))?,
    );
    if bytes.len() != 32 {
        return Err(file.corrupt("private_key", format!("{} bytes, expected 32", bytes.len())));
    }
    let key = Key::from_private(PrivateKey::from_bytes(&bytes));
    if v1.commitment != key.commitment.to_string() {
        return Err(file.corrupt("commitment", "does not match the private key".into()));
    }
    if v1.public_key != [key.public_key.x.to_string(), key.public_key.y.to_string()] {
        return Err(file.corrupt("public_key", "does not match the private key".into()));
    }
    Ok(key)
}

/// A version 1 file's public parts, as recorded (checked for form only).
pub(super) fn read_public(file: &FileText) -> Result<PublicInfo, KeyError> {
    let v1 = parse(file)?;
    Ok(PublicInfo {
        public_key: file.point("public_key", &v1.public_key)?,
        commitment: file.fr("commitment", &v1.commitment)?,
        source: None,
        encrypted: false,
    })
}
