//! Signature files (`sig.json`): an approver's EdDSA-Poseidon signature on what the set
//! authorizes (a [`Subject`]: an intent, a user operation or an ERC-1271 message), with the
//! public key and the subject itself; nothing secret. Any aggregator combines them into a
//! Threshold proof.
//!
//! ```json
//! { "format": "veil-signature", "version": 1,
//!   "public_key": ["<x>", "<y>"], "commitment": "<decimal>",
//!   "signature": { "r8": ["<x>", "<y>"], "s": "<decimal>" },
//!   "intent": { …the intent file… } }
//! ```
//! with `"userop": { …the user-operation file, unsigned… }` or `"message": { …the message
//! file… }` in place of `"intent"`: exactly one of the three. Reading checks the points, that
//! the commitment is the key's, the subject's own derived fields, and that the signature
//! verifies on the subject's field element.

use std::path::Path;

use serde::{Deserialize, Serialize};
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
    message::{Message, MessageFile},
    userop::{UserOpFile, UserOperation},
};

/// What a set's members sign: each has a field element, the Threshold statement's public
/// input `intent`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A transaction intent for a VeilAccount, a Safe module or a policy account.
    Intent(Intent),
    /// A user operation for an ERC-7579 account's `VeilValidator` (unsigned).
    UserOp(Box<UserOperation>),
    /// An ERC-1271 message for an ERC-7579 account's `VeilValidator`.
    Message(Message),
}

impl Subject {
    /// The field element the members sign.
    #[must_use]
    pub fn field_element(&self) -> Fr {
        match self {
            Self::Intent(i) => i.field_element(),
            Self::UserOp(u) => u.field_element(),
            Self::Message(m) => m.field_element(),
        }
    }

    /// The intent, for a signature on one.
    #[must_use]
    pub fn intent(&self) -> Option<&Intent> {
        match self {
            Self::Intent(i) => Some(i),
            _ => None,
        }
    }

    /// What it is, for messages: `"an intent"`, `"a user operation"`, `"a message"`.
    #[must_use]
    pub fn noun(&self) -> &'static str {
        match self {
            Self::Intent(_) => "an intent",
            Self::UserOp(_) => "a user operation",
            Self::Message(_) => "a message",
        }
    }
}

impl From<&Intent> for Subject {
    fn from(i: &Intent) -> Self {
        Self::Intent(i.clone())
    }
}

impl From<&UserOperation> for Subject {
    /// The operation without its signature (what the members sign does not include it).
    fn from(u: &UserOperation) -> Self {
        Self::UserOp(Box::new(UserOperation { signature: None, ..u.clone() }))
    }
}

impl From<&Message> for Subject {
    fn from(m: &Message) -> Self {
        Self::Message(m.clone())
    }
}

/// A signature file's header ([`document`]).
const KIND: document::Kind = document::Kind { format: "veil-signature", version: 1, noun: "a signature file" };

/// A subject (an intent, a user operation, a message) signed by one approver.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedIntent {
    /// The signer's public key.
    pub public_key: Point,
    /// The signature on the subject's field element.
    pub signature: Signature,
    /// What was signed.
    pub subject: Subject,
}

/// Why a signature file was refused: the file, and the field at fault.
pub type SignatureError = crate::DocumentError;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignatureJson {
    format: String,
    version: u64,
    public_key: [String; 2],
    commitment: String,
    signature: SigJson,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    intent: Option<IntentFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    userop: Option<UserOpFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<MessageFile>,
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
    /// Signs the subject's field element with `key`.
    #[cfg(feature = "keys")]
    #[must_use]
    pub fn sign(key: &Key, subject: impl Into<Subject>) -> Self {
        Self::sign_with(&key.private, subject)
    }

    /// Signs the subject's field element with an EdDSA-Poseidon private key.
    #[must_use]
    pub fn sign_with(private: &PrivateKey, subject: impl Into<Subject>) -> Self {
        let subject = subject.into();
        Self { public_key: private.public_key(), signature: private.sign(subject.field_element()), subject }
    }

    /// `Poseidon(A.x, A.y)` of the signer.
    #[must_use]
    pub fn commitment(&self) -> Fr {
        identity::commitment(&self.public_key)
    }

    /// Whether the signature verifies on the subject (zk-kit's rule).
    #[must_use]
    pub fn verifies(&self) -> bool {
        eddsa::verify(&self.public_key, self.subject.field_element(), &self.signature)
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
            intent: None,
            userop: None,
            message: None,
        };
        let json = match &self.subject {
            Subject::Intent(i) => SignatureJson { intent: Some(IntentFile::from(i)), ..json },
            Subject::UserOp(u) => SignatureJson { userop: Some(UserOpFile::from(&**u)), ..json },
            Subject::Message(m) => SignatureJson { message: Some(MessageFile::from(m)), ..json },
        };
        document::write(path, &json)
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
        let subject = match (json.intent, json.userop, json.message) {
            (Some(i), None, None) => {
                Subject::Intent(Intent::try_from(i).map_err(|e| field("intent", format!("{e:#}")))?)
            }
            (None, Some(u), None) => Subject::UserOp(Box::new(
                UserOperation::try_from(u).map_err(|(f, reason)| field("userop", format!("field `{f}`: {reason}")))?,
            )),
            (None, None, Some(m)) => Subject::Message(
                Message::try_from(m).map_err(|(f, reason)| field("message", format!("field `{f}`: {reason}")))?,
            ),
            _ => return Err(field("(file)", "needs exactly one of `intent`, `userop` and `message`".into())),
        };
        let signed = Self { public_key, signature: Signature { r8, s }, subject };
        if !signed.verifies() {
            return Err(field(
                "signature",
                format!("does not verify on the {}", signed.subject.noun().split_once(' ').map_or("", |(_, n)| n)),
            ));
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

        // A user operation (signed without its signature) and a message round-trip too; a
        // signature over one is not over the other.
        let mut op = crate::userop::tests::sample();
        op.signature = Some(alloy_primitives::Bytes::from_static(b"proof"));
        let on_op = SignedIntent::sign(&key, &op);
        assert_eq!(
            on_op.subject,
            Subject::UserOp(Box::new(crate::userop::UserOperation { signature: None, ..op.clone() }))
        );
        on_op.save(&path).unwrap();
        assert_eq!(SignedIntent::load(&path).unwrap(), on_op);
        let message = crate::message::Message {
            chain_id: 1,
            account: alloy_primitives::Address::repeat_byte(1),
            validator: None,
            hash: alloy_primitives::B256::repeat_byte(2),
            typed_data: None,
        };
        let on_message = SignedIntent::sign(&key, &message);
        on_message.save(&path).unwrap();
        assert_eq!(SignedIntent::load(&path).unwrap(), on_message);
        let text = std::fs::read_to_string(&path).unwrap();
        let swapped = text.replace(&on_message.signature.s.to_string(), &on_op.signature.s.to_string());
        std::fs::write(&path, swapped).unwrap();
        assert!(SignedIntent::load(&path).unwrap_err().to_string().contains("does not verify on the message"));
        let mut both: serde_json::Value = serde_json::from_str(&text).unwrap();
        both["intent"] = serde_json::to_value(IntentFile::from(&intent(1))).unwrap();
        std::fs::write(&path, both.to_string()).unwrap();
        assert!(SignedIntent::load(&path).unwrap_err().to_string().contains("exactly one of"));
        let off = text.replacen("0x0202", "0x0303", 1);
        std::fs::write(&path, off).unwrap();
        assert!(SignedIntent::load(&path).unwrap_err().to_string().contains("field `message`: field `signing_hash`"));
    }
}
