//! `VeilValidator` (`contracts/VeilValidator.sol`): the ERC-7579 validator module with
//! ERC-4337 user-operation validation and ERC-1271, and its Rust bindings.
#![allow(missing_docs)]

/// The validator's source.
pub const SOURCE: &str = include_str!("../contracts/VeilValidator.sol");
/// OpenZeppelin's ERC-7579 account made concrete (`VeilTestAccount`; it imports the pinned
/// `@openzeppelin/contracts`).
pub const ACCOUNT_SOURCE: &str = include_str!("../contracts/demo/Erc7579Account.sol");

alloy_sol_types::sol!(
    #![sol(all_derives)]
    "contracts/VeilValidator.sol"
);

/// The EntryPoint 0.8's creation code, from `@account-abstraction/contracts` (pinned).
///
/// # Errors
/// [`crate::safe::SafeError::Artifact`] when the package is not installed.
pub fn entry_point_code() -> Result<Vec<u8>, crate::safe::SafeError> {
    crate::safe::bytecode(&crate::safe::node_modules().join("@account-abstraction/contracts/artifacts/EntryPoint.json"))
}

/// What the tests and `veil gas` call on the EntryPoint 0.8 and an ERC-7579 account (their
/// own `PackedUserOperation`, the same ABI as the validator's).
pub mod aa {
    alloy_sol_types::sol! {
    #![sol(all_derives)]
    struct PackedUserOperation {
        address sender;
        uint256 nonce;
        bytes initCode;
        bytes callData;
        bytes32 accountGasLimits;
        uint256 preVerificationGas;
        bytes32 gasFees;
        bytes paymasterAndData;
        bytes signature;
    }

    interface IEntryPointV08 {
        function handleOps(PackedUserOperation[] ops, address beneficiary);
        function getUserOpHash(PackedUserOperation userOp) view returns (bytes32);
        function getNonce(address sender, uint192 key) view returns (uint256);
        error FailedOp(uint256 opIndex, string reason);
    }

    interface IErc7579Account {
        function execute(bytes32 mode, bytes executionCalldata);
        function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4);
    }
    }
}

/// Revert data in words: the validator's errors, else [`crate::policy::describe_revert`]
/// (the policy account's, the Safe module's, `VeilAccount`'s, the verifiers', the mocks').
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    use alloy_sol_types::SolInterface;
    match VeilValidator::VeilValidatorErrors::abi_decode(data) {
        Ok(e) => format!("{e:?}"),
        Err(_) => crate::policy::describe_revert(data),
    }
}
