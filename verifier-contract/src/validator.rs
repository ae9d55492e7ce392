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
        error FailedOpWithRevert(uint256 opIndex, string reason, bytes inner);
        event UserOperationEvent(bytes32 indexed userOpHash, address indexed sender, address indexed paymaster, uint256 nonce, bool success, uint256 actualGasCost, uint256 actualGasUsed);
        event UserOperationRevertReason(bytes32 indexed userOpHash, address indexed sender, uint256 nonce, bytes revertReason);
    }

    interface IErc7579Account {
        function execute(bytes32 mode, bytes executionCalldata);
        function installModule(uint256 moduleTypeId, address module, bytes initData);
        function isModuleInstalled(uint256 moduleTypeId, address module, bytes additionalContext) view returns (bool);
        function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4);
    }
    }
}

/// The calldata of an ERC-7579 account's `execute` for one call (mode 0: a single call,
/// reverting on failure; `executionCalldata = target ‖ value ‖ data`, ERC-7579's packing).
#[must_use]
pub fn execute_single(target: alloy_primitives::Address, value: alloy_primitives::U256, data: &[u8]) -> Vec<u8> {
    use alloy_sol_types::SolCall;
    let mut execution = target.to_vec();
    execution.extend_from_slice(&value.to_be_bytes::<32>());
    execution.extend_from_slice(data);
    aa::IErc7579Account::executeCall { mode: alloy_primitives::FixedBytes::ZERO, executionCalldata: execution.into() }
        .abi_encode()
}

/// The EntryPoint nonce key under which OpenZeppelin's ERC-7579 account (and the ERC-7579
/// convention it follows) routes a user operation to `validator`: the validator's address in
/// the key's top 20 bytes.
#[must_use]
pub fn nonce_key(validator: alloy_primitives::Address) -> alloy_primitives::Uint<192, 3> {
    alloy_primitives::Uint::<192, 3>::from(alloy_primitives::U256::from_be_slice(validator.as_slice()) << 32)
}

/// Revert data in words: the validator's errors, else [`crate::policy::describe_revert`]
/// (the policy account's, the Safe module's, `VeilAccount`'s, the verifiers', the mocks').
#[must_use]
pub fn describe_revert(data: &[u8]) -> String {
    use alloy_sol_types::SolInterface;
    if let Ok(e) = VeilValidator::VeilValidatorErrors::abi_decode(data) {
        return format!("{e:?}");
    }
    match aa::IEntryPointV08::IEntryPointV08Errors::abi_decode(data) {
        Ok(aa::IEntryPointV08::IEntryPointV08Errors::FailedOp(e)) => format!("FailedOp({:?})", e.reason),
        Ok(aa::IEntryPointV08::IEntryPointV08Errors::FailedOpWithRevert(e)) => {
            format!("FailedOpWithRevert({:?}, {})", e.reason, crate::policy::describe_revert(&e.inner))
        }
        Err(_) => crate::policy::describe_revert(data),
    }
}
