// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// The verifier `veil export verifier` renders for a Threshold key (public inputs: root,
/// intent, k). It returns nothing for a valid proof and reverts otherwise.
interface IThresholdVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[3] calldata input) external view;
}

/// ERC-4337 v0.7/v0.8's packed user operation (declared here, as the standard fixes it).
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

/// @title VeilValidator
/// @notice An ERC-7579 validator module: a smart account's user operations and ERC-1271
/// signatures are authorized by one veil Threshold proof that enough members of the
/// account's committed approver set signed them, revealing neither the members nor the
/// signers.
/// @dev One deployment serves every account; each account's set (root, threshold) is kept
/// under the account's address (ERC-7562: storage associated with the sender). Validation
/// reads no TIMESTAMP or other banned opcode: the validity window travels in the signature,
/// bound by the proof, and is returned packed in validationData for the EntryPoint to check.
///
/// What the members sign (the statement's public input `intent`, a field element):
/// - a user operation: `keccak256(abi.encode(USEROP_TAG, userOpHash, validAfter, validUntil)) >> 8`
///   with the EntryPoint's `userOpHash` (which binds the operation, the EntryPoint, the chain
///   and the nonce) and the window, so a relayer cannot widen the window the signers chose;
///   `userOp.signature` is `abi.encode(uint256 signers, uint48 validAfter, uint48 validUntil,
///   uint256[8] proof)`;
/// - an ERC-1271 message: `keccak256(abi.encode(MESSAGE_TAG, chainid, account, hash)) >> 8`,
///   bound to the account and the chain, so the same set's signature for one account does not
///   verify for another, nor for the same address on another chain;
///   the signature is `abi.encode(uint256 signers, uint256[8] proof)`.
/// A bad proof returns SIG_VALIDATION_FAILED (1) from `validateUserOp` and 0xffffffff from
/// `isValidSignatureWithSender`; neither reverts.
contract VeilValidator {
    uint256 internal constant MODULE_TYPE_VALIDATOR = 1;
    uint256 internal constant SIG_VALIDATION_FAILED = 1;
    bytes4 internal constant ERC1271_VALID = 0x1626ba7e;
    bytes4 internal constant ERC1271_INVALID = 0xffffffff;
    bytes32 public constant USEROP_TAG = keccak256("veil.userop.v1");
    bytes32 public constant MESSAGE_TAG = keccak256("veil.erc1271.v1");

    struct Set {
        uint256 root;
        uint256 threshold;
    }

    IThresholdVerifier public immutable verifier;
    /// Each account's approver set.
    mapping(address account => Set) public sets;

    event SetChanged(address indexed account, uint256 root, uint256 threshold);

    error AlreadyInstalled(address account);
    error NotInstalled(address account);
    error ZeroThreshold();

    constructor(IThresholdVerifier verifier_) {
        verifier = verifier_;
    }

    /// Installs the validator for the calling account: `data` is `abi.encode(root, threshold)`.
    function onInstall(bytes calldata data) external {
        if (sets[msg.sender].threshold != 0) revert AlreadyInstalled(msg.sender);
        (uint256 root, uint256 threshold) = abi.decode(data, (uint256, uint256));
        _set(root, threshold);
    }

    /// Removes the calling account's set.
    function onUninstall(bytes calldata) external {
        if (sets[msg.sender].threshold == 0) revert NotInstalled(msg.sender);
        delete sets[msg.sender];
        emit SetChanged(msg.sender, 0, 0);
    }

    /// Replaces the calling account's set (the account calls it: through a user operation
    /// its current set authorized).
    function changeSet(uint256 root, uint256 threshold) external {
        if (sets[msg.sender].threshold == 0) revert NotInstalled(msg.sender);
        _set(root, threshold);
    }

    function isModuleType(uint256 moduleTypeId) external pure returns (bool) {
        return moduleTypeId == MODULE_TYPE_VALIDATOR;
    }

    function isInitialized(address account) external view returns (bool) {
        return sets[account].threshold != 0;
    }

    /// The intent field the members sign for a user operation with this window.
    function userOpIntent(bytes32 userOpHash, uint48 validAfter, uint48 validUntil) public pure returns (uint256) {
        return uint256(keccak256(abi.encode(USEROP_TAG, userOpHash, validAfter, validUntil))) >> 8;
    }

    /// The intent field the members sign for an ERC-1271 message of `account` on this chain.
    function messageIntent(address account, bytes32 hash) public view returns (uint256) {
        return uint256(keccak256(abi.encode(MESSAGE_TAG, block.chainid, account, hash))) >> 8;
    }

    /// ERC-7579 / ERC-4337 validation for the calling account (the EntryPoint calls the
    /// account, the account calls this): 0 or the packed window when the proof holds,
    /// SIG_VALIDATION_FAILED otherwise.
    function validateUserOp(PackedUserOperation calldata userOp, bytes32 userOpHash)
        external
        view
        returns (uint256 validationData)
    {
        Set memory s = sets[msg.sender];
        if (s.threshold == 0 || userOp.signature.length != 11 * 32) return SIG_VALIDATION_FAILED;
        // Words, not uint48s: a malformed window fails validation instead of reverting.
        (uint256 signers, uint256 after_, uint256 until_, uint256[8] memory proof) =
            abi.decode(userOp.signature, (uint256, uint256, uint256, uint256[8]));
        if (signers < s.threshold || after_ > type(uint48).max || until_ > type(uint48).max) {
            return SIG_VALIDATION_FAILED;
        }
        (uint48 validAfter, uint48 validUntil) = (uint48(after_), uint48(until_));
        if (!_verifies(proof, s.root, userOpIntent(userOpHash, validAfter, validUntil), signers)) {
            return SIG_VALIDATION_FAILED;
        }
        // ERC-4337 validationData: aggregator (0: none) | validUntil << 160 | validAfter << 208.
        return (uint256(validUntil) << 160) | (uint256(validAfter) << 208);
    }

    /// ERC-1271 through ERC-7579 for the calling account: `hash` signed by its set.
    function isValidSignatureWithSender(address, bytes32 hash, bytes calldata signature)
        external
        view
        returns (bytes4)
    {
        Set memory s = sets[msg.sender];
        if (s.threshold == 0 || signature.length != 9 * 32) return ERC1271_INVALID;
        (uint256 signers, uint256[8] memory proof) = abi.decode(signature, (uint256, uint256[8]));
        if (signers < s.threshold) return ERC1271_INVALID;
        return _verifies(proof, s.root, messageIntent(msg.sender, hash), signers) ? ERC1271_VALID : ERC1271_INVALID;
    }

    /// Whether the verifier accepts the proof (it reverts on a bad one: caught here).
    function _verifies(uint256[8] memory proof, uint256 root, uint256 intent, uint256 signers)
        internal
        view
        returns (bool)
    {
        try verifier.verifyProof(proof, [root, intent, signers]) {
            return true;
        } catch {
            return false;
        }
    }

    function _set(uint256 root, uint256 threshold) internal {
        if (threshold == 0) revert ZeroThreshold();
        sets[msg.sender] = Set(root, threshold);
        emit SetChanged(msg.sender, root, threshold);
    }
}
