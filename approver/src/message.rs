//! ERC-1271 messages for `VeilValidator` (DESIGN §6.7): a hash an ERC-7579 account's set
//! signs off-chain (an EIP-712 order, a Permit2 transfer), what a veil Threshold proof
//! signs for it, and the message file (`message.json`).
//!
//! The members sign the field element of
//! `keccak256(abi.encode(MESSAGE_TAG, uint256 chainId, address account, bytes32 hash))`
//! ([`hash_to_field`]), with `MESSAGE_TAG = keccak256("veil.erc1271.v1")`: bound to the
//! account and the chain, so the set's signature for one account does not verify for
//! another, nor for the same address on another chain (counterfactual accounts share
//! addresses across chains). The account's validator receives `abi.encode(uint256 signers,
//! uint256[8] proof)`; an ERC-7579 account of OpenZeppelin's takes it behind the validator's
//! address.
//!
//! A message file keeps the typed data it was made from (`eth_signTypedData_v4`'s JSON), so
//! the members see what they sign; its hash is recomputed when the file is read.

use std::path::Path;

use alloy_dyn_abi::TypedData;
use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::SolValue;
use serde::{Deserialize, Serialize};
use veil_circuits::{field, Fr};

use crate::{
    document,
    intent::{checksummed, hash_to_field, hex_word},
    DocumentError,
};

/// The tag hashed with the chain, the account and the message hash (`VeilValidator.MESSAGE_TAG`).
pub const MESSAGE_TAG: &str = "veil.erc1271.v1";
/// ERC-1271's magic value for a valid signature.
pub const ERC1271_VALID: [u8; 4] = [0x16, 0x26, 0xba, 0x7e];

const KIND: document::Kind = document::Kind { format: "veil-message", version: 1, noun: "a message file" };

/// A hash an account's set signs for ERC-1271.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The chain the account is on.
    pub chain_id: u64,
    /// The account whose `isValidSignature` will be asked.
    pub account: Address,
    /// The account's `VeilValidator` (OpenZeppelin's ERC-7579 account reads it from the
    /// signature's first 20 bytes), when known.
    pub validator: Option<Address>,
    /// The hash asked about.
    pub hash: B256,
    /// The EIP-712 typed data whose signing hash `hash` is, when it is one.
    pub typed_data: Option<serde_json::Value>,
}

/// The EIP-712 signing hash of typed data in `eth_signTypedData_v4`'s JSON form.
///
/// # Errors
/// Why the JSON is not typed data or does not encode.
pub fn typed_data_hash(typed: &serde_json::Value) -> Result<B256, String> {
    let data: TypedData = serde_json::from_value(typed.clone()).map_err(|e| format!("not EIP-712 typed data: {e}"))?;
    data.eip712_signing_hash().map_err(|e| format!("does not encode: {e}"))
}

impl Message {
    /// A message of typed data: its hash computed here.
    ///
    /// # Errors
    /// As [`typed_data_hash`].
    pub fn typed(
        chain_id: u64,
        account: Address,
        validator: Option<Address>,
        typed: serde_json::Value,
    ) -> Result<Self, String> {
        let hash = typed_data_hash(&typed)?;
        Ok(Self { chain_id, account, validator, hash, typed_data: Some(typed) })
    }

    /// `keccak256(abi.encode(MESSAGE_TAG, chainId, account, hash))`: what the members sign,
    /// hashed (`VeilValidator.messageIntent` before its shift).
    #[must_use]
    pub fn signing_hash(&self) -> B256 {
        keccak256((keccak256(MESSAGE_TAG), U256::from(self.chain_id), self.account, self.hash).abi_encode())
    }

    /// The public input `intent` of the Threshold proof: [`Self::signing_hash`] >> 8.
    #[must_use]
    pub fn field_element(&self) -> Fr {
        hash_to_field(&self.signing_hash())
    }

    /// What the validator's `isValidSignatureWithSender` takes: `abi.encode(signers, proof)`.
    #[must_use]
    pub fn validator_signature(signers: U256, proof: [U256; 8]) -> Bytes {
        (signers, proof).abi_encode_params().into()
    }

    /// Reads and checks a message file: the typed data's hash, `signing_hash` and `field`.
    ///
    /// # Errors
    /// [`DocumentError`] naming the file and the first bad field.
    pub fn load(path: &Path) -> Result<Self, DocumentError> {
        let file: MessageFile = document::read(path, &KIND)?;
        Self::try_from(file).map_err(|(field, reason)| DocumentError::field(path, field, reason))
    }

    /// Writes the file atomically.
    ///
    /// # Errors
    /// [`DocumentError::Io`].
    pub fn save(&self, path: &Path) -> Result<(), DocumentError> {
        document::write(path, &MessageFile::from(self))
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct MessageFile {
    format: String,
    version: u64,
    chain_id: u64,
    account: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    validator: Option<String>,
    hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typed_data: Option<serde_json::Value>,
    #[serde(rename = "signing_hash")]
    signing_hash: String,
    field: String,
}

impl From<&Message> for MessageFile {
    fn from(m: &Message) -> Self {
        Self {
            format: KIND.format.into(),
            version: KIND.version,
            chain_id: m.chain_id,
            account: m.account.to_checksum(None),
            validator: m.validator.map(|v| v.to_checksum(None)),
            hash: format!("{}", m.hash),
            typed_data: m.typed_data.clone(),
            signing_hash: format!("{}", m.signing_hash()),
            field: field::to_decimal(&m.field_element()),
        }
    }
}

impl TryFrom<MessageFile> for Message {
    type Error = (&'static str, String);

    fn try_from(f: MessageFile) -> Result<Self, Self::Error> {
        document::check(&f.format, f.version, &KIND).map_err(|e| (e.field, e.reason))?;
        let m = Self {
            chain_id: f.chain_id,
            account: checksummed(&f.account).map_err(|e| ("account", e))?,
            validator: f.validator.as_deref().map(checksummed).transpose().map_err(|e| ("validator", e))?,
            hash: hex_word(&f.hash).map_err(|e| ("hash", e))?,
            typed_data: f.typed_data,
        };
        if let Some(typed) = &m.typed_data {
            let computed = typed_data_hash(typed).map_err(|e| ("typedData", e))?;
            if computed != m.hash {
                return Err(("hash", format!("is {} but the typed data's EIP-712 hash is {computed}", m.hash)));
            }
        }
        let signing = hex_word(&f.signing_hash).map_err(|e| ("signing_hash", e))?;
        if signing != m.signing_hash() {
            return Err(("signing_hash", format!("is {signing} but the message gives {}", m.signing_hash())));
        }
        let computed = field::to_decimal(&m.field_element());
        if f.field != computed {
            return Err(("field", format!("is {} but the message gives {computed}", f.field)));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// EIP-712's own example ("Mail"), whose signing hash the EIP gives.
    fn mail() -> serde_json::Value {
        json!({
            "types": {
                "EIP712Domain": [
                    {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                    {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}
                ],
                "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
                "Mail": [
                    {"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                    {"name": "contents", "type": "string"}
                ]
            },
            "primaryType": "Mail",
            "domain": {
                "name": "Ether Mail", "version": "1", "chainId": 1,
                "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
            },
            "message": {
                "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"
            }
        })
    }

    #[test]
    fn typed_data_hashes_as_eip712_says_and_a_tampered_file_is_refused() {
        // The signing hash EIP-712 states for its example.
        let hash = typed_data_hash(&mail()).unwrap();
        assert_eq!(hash, "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2".parse::<B256>().unwrap());
        let account = Address::repeat_byte(0xa1);
        let m = Message::typed(1, account, Some(Address::repeat_byte(0x11)), mail()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("message.json");
        m.save(&path).unwrap();
        assert_eq!(Message::load(&path).unwrap(), m);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace("Hello, Bob!", "Hello, Eve!")).unwrap();
        let e = Message::load(&path).unwrap_err().to_string();
        assert!(e.contains("field `hash`") && e.contains("typed data"), "{e}");
        // Bound to the chain and the account.
        let other_chain = Message { chain_id: 2, ..m.clone() };
        let other_account = Message { account: Address::repeat_byte(0xa2), ..m.clone() };
        assert_ne!(other_chain.field_element(), m.field_element());
        assert_ne!(other_account.field_element(), m.field_element());
    }
}
