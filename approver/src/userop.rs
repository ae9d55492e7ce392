//! ERC-4337 user operations for `VeilValidator` (DESIGN §6.7): the operation an ERC-7579
//! account sends through the EntryPoint 0.8, its `userOpHash`, what a veil Threshold proof
//! signs for it, and the user-operation file (`userop.json`).
//!
//! The members sign the field element of
//! `keccak256(abi.encode(USEROP_TAG, userOpHash, uint48 validAfter, uint48 validUntil))`
//! ([`hash_to_field`]), with `USEROP_TAG = keccak256("veil.userop.v1")`: the EntryPoint's
//! `userOpHash` binds the operation, the EntryPoint and the chain; the window is the
//! signers' own, so whoever relays the operation cannot widen it. `userOp.signature` is
//! `abi.encode(uint256 signers, uint48 validAfter, uint48 validUntil, uint256[8] proof)`.
//!
//! The `userOpHash` is the EntryPoint 0.8's: the EIP-712 hash of `PackedUserOperation`
//! (without its signature) under the domain `{name: "ERC4337", version: "1", chainId,
//! verifyingContract: entryPoint}`; tested against the EntryPoint's own `getUserOpHash`.

use std::path::Path;

use alloy_primitives::{keccak256, Address, Bytes, B256, U256};
use alloy_sol_types::{Eip712Domain, SolStruct, SolValue};
use serde::{Deserialize, Serialize};
use veil_circuits::{field, Fr};

use crate::{
    document,
    intent::{checksummed, hash_to_field, hex_bytes, hex_word},
    DocumentError,
};

/// The EntryPoint 0.8's EIP-712 struct (its field names and order are the type hash's).
mod sol {
    #![allow(missing_docs)]
    alloy_sol_types::sol! {
        #[derive(Debug, PartialEq, Eq)]
        struct PackedUserOperation {
            address sender;
            uint256 nonce;
            bytes initCode;
            bytes callData;
            bytes32 accountGasLimits;
            uint256 preVerificationGas;
            bytes32 gasFees;
            bytes paymasterAndData;
        }
    }
}

pub use sol::PackedUserOperation;

/// The tag hashed with a user operation's hash and window (`VeilValidator.USEROP_TAG`).
pub const USEROP_TAG: &str = "veil.userop.v1";
/// The largest `validAfter`/`validUntil`: ERC-4337 packs them in 48 bits.
pub const MAX_TIME: u64 = (1 << 48) - 1;

const KIND: document::Kind = document::Kind { format: "veil-userop", version: 1, noun: "a user-operation file" };

/// A user operation of the EntryPoint 0.8 (ERC-4337 v0.7+ in its JSON-RPC form: factory,
/// paymaster and gas fields unpacked), the window its signers choose, and, once proven, its
/// signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserOperation {
    /// The chain id (in the EntryPoint's EIP-712 domain).
    pub chain_id: u64,
    /// The EntryPoint.
    pub entry_point: Address,
    /// The account.
    pub sender: Address,
    /// The EntryPoint's nonce for the sender (192-bit key ‖ 64-bit sequence; an ERC-7579
    /// account reads the validator from the key's top 20 bytes).
    pub nonce: U256,
    /// The factory deploying the account with this operation, if any.
    pub factory: Option<Address>,
    /// The factory's calldata.
    pub factory_data: Bytes,
    /// The call the EntryPoint makes on the account.
    pub call_data: Bytes,
    /// Gas for the account's execution.
    pub call_gas_limit: u128,
    /// Gas for the account's validation.
    pub verification_gas_limit: u128,
    /// Gas paid to the bundler for what the EntryPoint cannot meter.
    pub pre_verification_gas: U256,
    /// EIP-1559 fee cap.
    pub max_fee_per_gas: u128,
    /// EIP-1559 tip.
    pub max_priority_fee_per_gas: u128,
    /// The paymaster, if any.
    pub paymaster: Option<Address>,
    /// The paymaster's validation gas.
    pub paymaster_verification_gas_limit: u128,
    /// The paymaster's post-operation gas.
    pub paymaster_post_op_gas_limit: u128,
    /// The paymaster's data.
    pub paymaster_data: Bytes,
    /// First valid second (unix time, < 2^48); 0 for at once.
    pub valid_after: u64,
    /// Last valid second (unix time, < 2^48); 0 for no expiry.
    pub valid_until: u64,
    /// `userOp.signature`, once proven.
    pub signature: Option<Bytes>,
}

fn pack(high: u128, low: u128) -> B256 {
    B256::from((U256::from(high) << 128) | U256::from(low))
}

impl UserOperation {
    /// The operation as the EntryPoint hashes and receives it (without its signature).
    #[must_use]
    pub fn packed(&self) -> PackedUserOperation {
        let mut init_code = Vec::new();
        if let Some(factory) = self.factory {
            init_code.extend_from_slice(factory.as_slice());
            init_code.extend_from_slice(&self.factory_data);
        }
        let mut paymaster_and_data = Vec::new();
        if let Some(paymaster) = self.paymaster {
            paymaster_and_data.extend_from_slice(paymaster.as_slice());
            paymaster_and_data.extend_from_slice(&self.paymaster_verification_gas_limit.to_be_bytes());
            paymaster_and_data.extend_from_slice(&self.paymaster_post_op_gas_limit.to_be_bytes());
            paymaster_and_data.extend_from_slice(&self.paymaster_data);
        }
        PackedUserOperation {
            sender: self.sender,
            nonce: self.nonce,
            initCode: init_code.into(),
            callData: self.call_data.clone(),
            accountGasLimits: pack(self.verification_gas_limit, self.call_gas_limit),
            preVerificationGas: self.pre_verification_gas,
            gasFees: pack(self.max_priority_fee_per_gas, self.max_fee_per_gas),
            paymasterAndData: paymaster_and_data.into(),
        }
    }

    /// The EntryPoint 0.8's domain `{name: "ERC4337", version: "1", chainId, entryPoint}`.
    #[must_use]
    pub fn domain(&self) -> Eip712Domain {
        Eip712Domain::new(
            Some("ERC4337".into()),
            Some("1".into()),
            Some(U256::from(self.chain_id)),
            Some(self.entry_point),
            None,
        )
    }

    /// The EntryPoint's `getUserOpHash`.
    #[must_use]
    pub fn user_op_hash(&self) -> B256 {
        self.packed().eip712_signing_hash(&self.domain())
    }

    /// `keccak256(abi.encode(USEROP_TAG, userOpHash, validAfter, validUntil))`: what the
    /// members sign, hashed (`VeilValidator.userOpIntent` before its shift).
    #[must_use]
    pub fn signing_hash(&self) -> B256 {
        let tag = keccak256(USEROP_TAG);
        keccak256((tag, self.user_op_hash(), U256::from(self.valid_after), U256::from(self.valid_until)).abi_encode())
    }

    /// The public input `intent` of the Threshold proof: [`Self::signing_hash`] >> 8.
    #[must_use]
    pub fn field_element(&self) -> Fr {
        hash_to_field(&self.signing_hash())
    }

    /// `userOp.signature` for `VeilValidator`: the proven threshold, the window, the proof.
    #[must_use]
    pub fn encode_signature(&self, signers: U256, proof: [U256; 8]) -> Bytes {
        (signers, U256::from(self.valid_after), U256::from(self.valid_until), proof).abi_encode_params().into()
    }

    /// Refuses what the EntryPoint cannot take or the signers cannot mean: a window beyond 48
    /// bits or empty, factory data without a factory, paymaster fields without a paymaster.
    ///
    /// # Errors
    /// The field at fault and why.
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        for (name, t) in [("validAfter", self.valid_after), ("validUntil", self.valid_until)] {
            if t > MAX_TIME {
                return Err((name, format!("{t} does not fit in 48 bits (ERC-4337's validationData)")));
            }
        }
        if self.valid_until != 0 && self.valid_until < self.valid_after {
            return Err((
                "validUntil",
                format!("{} is before validAfter {} (0 means no expiry)", self.valid_until, self.valid_after),
            ));
        }
        if self.factory.is_none() && !self.factory_data.is_empty() {
            return Err(("factoryData", "given without a factory".into()));
        }
        if self.paymaster.is_none()
            && (!self.paymaster_data.is_empty()
                || self.paymaster_verification_gas_limit != 0
                || self.paymaster_post_op_gas_limit != 0)
        {
            return Err(("paymasterData", "paymaster fields given without a paymaster".into()));
        }
        Ok(())
    }

    /// The operation in ERC-4337's JSON-RPC form (`eth_sendUserOperation`'s first parameter),
    /// with its signature (empty when not proven).
    #[must_use]
    pub fn to_rpc(&self) -> serde_json::Value {
        let file = UserOpFile::from(self);
        let mut v = serde_json::json!({
            "sender": file.sender,
            "nonce": file.nonce,
            "callData": file.call_data,
            "callGasLimit": file.call_gas_limit,
            "verificationGasLimit": file.verification_gas_limit,
            "preVerificationGas": file.pre_verification_gas,
            "maxFeePerGas": file.max_fee_per_gas,
            "maxPriorityFeePerGas": file.max_priority_fee_per_gas,
            "signature": file.signature.unwrap_or_else(|| "0x".into()),
        });
        if let Some(factory) = file.factory {
            v["factory"] = factory.into();
            v["factoryData"] = file.factory_data.into();
        }
        if let Some(paymaster) = file.paymaster {
            v["paymaster"] = paymaster.into();
            v["paymasterVerificationGasLimit"] = file.paymaster_verification_gas_limit.into();
            v["paymasterPostOpGasLimit"] = file.paymaster_post_op_gas_limit.into();
            v["paymasterData"] = file.paymaster_data.into();
        }
        v
    }

    /// Reads and checks a user-operation file: every field, the window, and the recorded
    /// `userOpHash`, `signing_hash` and `field` against the operation's own.
    ///
    /// # Errors
    /// [`DocumentError`] naming the file and the first bad field.
    pub fn load(path: &Path) -> Result<Self, DocumentError> {
        let file: UserOpFile = document::read(path, &KIND)?;
        Self::try_from(file).map_err(|(field, reason)| DocumentError::field(path, field, reason))
    }

    /// Writes the file atomically.
    ///
    /// # Errors
    /// [`DocumentError`] (nothing is written for an operation [`Self::check`] refuses).
    pub fn save(&self, path: &Path) -> Result<(), DocumentError> {
        self.check().map_err(|(field, reason)| DocumentError::field(path, field, reason))?;
        document::write(path, &UserOpFile::from(self))
    }
}

/// The user-operation file: the operation in ERC-4337's JSON-RPC form (hex quantities), the
/// window as JSON numbers, and the derived `userOpHash`, `signing_hash` and `field`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub(crate) struct UserOpFile {
    format: String,
    version: u64,
    chain_id: u64,
    entry_point: String,
    sender: String,
    nonce: String,
    factory: Option<String>,
    factory_data: String,
    call_data: String,
    call_gas_limit: String,
    verification_gas_limit: String,
    pre_verification_gas: String,
    max_fee_per_gas: String,
    max_priority_fee_per_gas: String,
    paymaster: Option<String>,
    paymaster_verification_gas_limit: String,
    paymaster_post_op_gas_limit: String,
    paymaster_data: String,
    valid_after: u64,
    valid_until: u64,
    user_op_hash: String,
    #[serde(rename = "signing_hash")]
    signing_hash: String,
    field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signature: Option<String>,
}

fn quantity(x: impl std::fmt::LowerHex) -> String {
    format!("{x:#x}")
}

fn hex(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

impl From<&UserOperation> for UserOpFile {
    fn from(op: &UserOperation) -> Self {
        Self {
            format: KIND.format.into(),
            version: KIND.version,
            chain_id: op.chain_id,
            entry_point: op.entry_point.to_checksum(None),
            sender: op.sender.to_checksum(None),
            nonce: quantity(op.nonce),
            factory: op.factory.map(|a| a.to_checksum(None)),
            factory_data: hex(&op.factory_data),
            call_data: hex(&op.call_data),
            call_gas_limit: quantity(op.call_gas_limit),
            verification_gas_limit: quantity(op.verification_gas_limit),
            pre_verification_gas: quantity(op.pre_verification_gas),
            max_fee_per_gas: quantity(op.max_fee_per_gas),
            max_priority_fee_per_gas: quantity(op.max_priority_fee_per_gas),
            paymaster: op.paymaster.map(|a| a.to_checksum(None)),
            paymaster_verification_gas_limit: quantity(op.paymaster_verification_gas_limit),
            paymaster_post_op_gas_limit: quantity(op.paymaster_post_op_gas_limit),
            paymaster_data: hex(&op.paymaster_data),
            valid_after: op.valid_after,
            valid_until: op.valid_until,
            user_op_hash: hex(op.user_op_hash().as_slice()),
            signing_hash: hex(op.signing_hash().as_slice()),
            field: field::to_decimal(&op.field_element()),
            signature: op.signature.as_ref().map(|s| hex(s)),
        }
    }
}

/// A hex quantity (`0x`-prefixed, as JSON-RPC writes numbers).
fn parse_quantity(s: &str) -> Result<U256, String> {
    let digits = s.strip_prefix("0x").filter(|d| !d.is_empty() && d.len() <= 64);
    digits
        .and_then(|d| U256::from_str_radix(d, 16).ok())
        .ok_or_else(|| format!("{s:?} is not a 0x-prefixed hex quantity below 2^256"))
}

fn parse_u128(s: &str) -> Result<u128, String> {
    let x = parse_quantity(s)?;
    u128::try_from(x).map_err(|_| format!("{s} does not fit in 128 bits"))
}

impl TryFrom<UserOpFile> for UserOperation {
    type Error = (&'static str, String);

    fn try_from(f: UserOpFile) -> Result<Self, Self::Error> {
        document::check(&f.format, f.version, &KIND).map_err(|e| (e.field, e.reason))?;
        let at = |name: &'static str| move |reason: String| (name, reason);
        let optional =
            |name: &'static str, a: &Option<String>| a.as_deref().map(checksummed).transpose().map_err(at(name));
        let op = Self {
            chain_id: f.chain_id,
            entry_point: checksummed(&f.entry_point).map_err(at("entryPoint"))?,
            sender: checksummed(&f.sender).map_err(at("sender"))?,
            nonce: parse_quantity(&f.nonce).map_err(at("nonce"))?,
            factory: optional("factory", &f.factory)?,
            factory_data: hex_bytes(&f.factory_data).map_err(at("factoryData"))?,
            call_data: hex_bytes(&f.call_data).map_err(at("callData"))?,
            call_gas_limit: parse_u128(&f.call_gas_limit).map_err(at("callGasLimit"))?,
            verification_gas_limit: parse_u128(&f.verification_gas_limit).map_err(at("verificationGasLimit"))?,
            pre_verification_gas: parse_quantity(&f.pre_verification_gas).map_err(at("preVerificationGas"))?,
            max_fee_per_gas: parse_u128(&f.max_fee_per_gas).map_err(at("maxFeePerGas"))?,
            max_priority_fee_per_gas: parse_u128(&f.max_priority_fee_per_gas).map_err(at("maxPriorityFeePerGas"))?,
            paymaster: optional("paymaster", &f.paymaster)?,
            paymaster_verification_gas_limit: parse_u128(&f.paymaster_verification_gas_limit)
                .map_err(at("paymasterVerificationGasLimit"))?,
            paymaster_post_op_gas_limit: parse_u128(&f.paymaster_post_op_gas_limit)
                .map_err(at("paymasterPostOpGasLimit"))?,
            paymaster_data: hex_bytes(&f.paymaster_data).map_err(at("paymasterData"))?,
            valid_after: f.valid_after,
            valid_until: f.valid_until,
            signature: f.signature.as_deref().map(hex_bytes).transpose().map_err(at("signature"))?,
        };
        op.check()?;
        let recorded = |name: &'static str, s: &str, computed: B256| {
            let value = hex_word(s).map_err(at(name))?;
            if value == computed {
                Ok(())
            } else {
                Err((name, format!("is {s} but the operation's fields give {computed}")))
            }
        };
        recorded("userOpHash", &f.user_op_hash, op.user_op_hash())?;
        recorded("signing_hash", &f.signing_hash, op.signing_hash())?;
        let computed = field::to_decimal(&op.field_element());
        if f.field != computed {
            return Err(("field", format!("is {} but the operation's fields give {computed}", f.field)));
        }
        Ok(op)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> UserOperation {
        UserOperation {
            chain_id: 31_337,
            entry_point: Address::repeat_byte(0xe1),
            sender: Address::repeat_byte(0xa1),
            nonce: U256::from(7) << 64,
            factory: None,
            factory_data: Bytes::new(),
            call_data: Bytes::from_static(b"\x12\x34"),
            call_gas_limit: 200_000,
            verification_gas_limit: 600_000,
            pre_verification_gas: U256::from(60_000),
            max_fee_per_gas: 3_000_000_000,
            max_priority_fee_per_gas: 1_000_000_000,
            paymaster: None,
            paymaster_verification_gas_limit: 0,
            paymaster_post_op_gas_limit: 0,
            paymaster_data: Bytes::new(),
            valid_after: 10,
            valid_until: 1_000,
            signature: None,
        }
    }

    #[test]
    fn a_file_round_trips_and_each_inconsistency_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("userop.json");
        let mut op = sample();
        op.paymaster = Some(Address::repeat_byte(0x99));
        op.paymaster_verification_gas_limit = 5;
        op.paymaster_data = Bytes::from_static(b"pm");
        op.save(&path).unwrap();
        assert_eq!(UserOperation::load(&path).unwrap(), op);
        let text = std::fs::read_to_string(&path).unwrap();
        let refused = |from: &str, to: &str, field: &str| {
            assert!(text.contains(from), "{from} in {text}");
            std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
            let e = UserOperation::load(&path).unwrap_err().to_string();
            assert!(e.contains(&format!("field `{field}`")), "{field}: {e}");
        };
        refused("\"callData\": \"0x1234\"", "\"callData\": \"0x1235\"", "userOpHash");
        refused("\"validUntil\": 1000", "\"validUntil\": 1001", "signing_hash");
        refused("\"validUntil\": 1000", "\"validUntil\": 5", "validUntil");
        refused("\"validAfter\": 10", "\"validAfter\": 281474976710656", "validAfter");
        refused("\"nonce\": \"0x7", "\"nonce\": \"7", "nonce");
        refused("\"format\": \"veil-userop\"", "\"format\": \"veil-intent\"", "format");
        let field = field::to_decimal(&op.field_element());
        refused(&field, "12", "field");
        op.paymaster = None;
        assert!(op.save(&path).unwrap_err().to_string().contains("paymasterData"));
    }

    #[test]
    fn the_signature_carries_the_window_and_changing_the_window_changes_what_is_signed() {
        let op = sample();
        let sig = op.encode_signature(U256::from(2), [U256::from(9); 8]);
        assert_eq!(sig.len(), 11 * 32);
        assert_eq!(U256::from_be_slice(&sig[32..64]), U256::from(10));
        assert_eq!(U256::from_be_slice(&sig[64..96]), U256::from(1_000));
        let wider = UserOperation { valid_until: 0, ..op.clone() };
        assert_eq!(wider.user_op_hash(), op.user_op_hash());
        assert_ne!(wider.field_element(), op.field_element());
    }
}
