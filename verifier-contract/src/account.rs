//! The settlement contract `VeilAccount` (`contracts/VeilAccount.sol`) and its Rust bindings.
#![allow(missing_docs)]

/// The contract's source.
pub const SOURCE: &str = include_str!("../contracts/VeilAccount.sol");

alloy_sol_types::sol!(
    #![sol(all_derives)]
    "contracts/VeilAccount.sol"
);
