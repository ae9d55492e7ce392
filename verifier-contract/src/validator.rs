//! `VeilValidator` (`contracts/VeilValidator.sol`): the ERC-7579 validator module with
//! ERC-4337 user-operation validation and ERC-1271, and its Rust bindings.
#![allow(missing_docs)]

/// The validator's source.
pub const SOURCE: &str = include_str!("../contracts/VeilValidator.sol");

alloy_sol_types::sol!(
    #![sol(all_derives)]
    "contracts/VeilValidator.sol"
);

/// Revert data in words: the validator's errors, else [`crate::harness::describe_revert`].
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    use alloy_sol_types::SolInterface;
    match VeilValidator::VeilValidatorErrors::abi_decode(data) {
        Ok(e) => format!("{e:?}"),
        Err(_) => crate::harness::describe_revert(data),
    }
}
