// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// The verifier `veil export verifier` renders for a Threshold key (public inputs: root,
/// intent, k).
interface IThresholdVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[3] calldata input) external view;
}

/// The verifier rendered for an Approval key (public inputs: root, nullifier, intent, scope).
interface IApprovalVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[4] calldata input) external view;
}

/// What the module needs of a Safe (1.4.1 and 1.5.0: `ModuleManager`), declared here.
interface ISafe {
    function execTransactionFromModuleReturnData(address to, uint256 value, bytes calldata data, uint8 operation)
        external
        returns (bool success, bytes memory returnData);
}

/// @title VeilSafeModule
/// @notice A Safe module that moves the Safe's funds on veil proofs: one Threshold proof that
/// enough members of a committed approver set signed an intent, or that many Approval proofs
/// with distinct nullifiers; the members, the signers and how many keys anyone holds stay
/// hidden. The same rules as `VeilAccount`: validity window, nonce, time-lock, cancellation,
/// and a set change that voids every queued intent.
/// @dev One module per Safe (`safe` is immutable). An intent is the EIP-712 struct
/// `VeilIntent` (`VeilAccount`'s type) under the domain {name "veil", version "1", chainId,
/// verifyingContract: this module}, so it is bound to the chain, this module and so to its
/// Safe, and carries the module's own nonce (module transactions do not use the Safe's). The
/// module makes CALLs (`execTransactionFromModuleReturnData` with operation 0). A
/// DELEGATECALL, which runs foreign code in the Safe's own storage, is made only by a module
/// deployed with `allowDelegateCall`, and only for an intent that asks for it explicitly: its
/// call targets this module with `delegate(to, data)` and no value (so the signers sign the
/// delegatecall itself); any other module refuses such an intent (`DelegateCallRefused`).
/// The Safe's owners enable the module (`enableModule`, a Safe transaction); the constructor
/// fixes the set, threshold and delay they enable. From then on the set's proofs suffice;
/// `changeSet`, `changeDelay` and `cancel` are callable by the Safe alone: through an
/// intent whose call targets this module (the Safe makes the call), or by the owners.
contract VeilSafeModule {
    struct Intent {
        address target;
        uint256 value;
        bytes data;
        uint256 nonce;
        uint64 validAfter;
        uint64 validUntil;
    }

    bytes32 public constant INTENT_TYPEHASH = keccak256(
        "VeilIntent(address target,uint256 value,bytes data,uint256 nonce,uint64 validAfter,uint64 validUntil)"
    );
    bytes32 internal constant DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
    bytes32 internal constant NAME_HASH = keccak256("veil");
    bytes32 internal constant VERSION_HASH = keccak256("1");
    uint8 internal constant CALL = 0;
    uint8 internal constant DELEGATECALL = 1;

    ISafe public immutable safe;
    /// Whether intents may make the Safe DELEGATECALL (fixed at deployment).
    bool public immutable allowDelegateCall;
    IThresholdVerifier public immutable thresholdVerifier;
    IApprovalVerifier public immutable approvalVerifier;

    uint256 public root;
    uint256 public threshold;
    uint256 public nonce;
    uint64 public delay;
    uint256 public epoch;
    mapping(bytes32 digest => uint256 eta) public queued;
    mapping(bytes32 digest => uint256 epoch) public queuedEpoch;
    mapping(bytes32 key => uint256) internal approvalCount;
    mapping(bytes32 key => bool) internal nullifierSeen;
    uint256 private locked = 1;

    event Approved(bytes32 indexed digest, uint256 nullifier, uint256 count, uint256 threshold);
    event Authorized(bytes32 indexed digest, uint256 nonce);
    event Queued(bytes32 indexed digest, uint256 eta, uint256 epoch);
    event Executed(bytes32 indexed digest, address indexed target, uint256 value, bytes data);
    event Cancelled(bytes32 indexed digest);
    event SetChanged(uint256 root, uint256 threshold, uint256 epoch);
    event DelayChanged(uint64 delay);

    error NonceMismatch(uint256 expected, uint256 got);
    error NotYetValid(uint64 validAfter);
    error Expired(uint64 validUntil);
    error BelowThreshold(uint256 signers, uint256 threshold);
    error NullifierUsed(uint256 nullifier);
    error NotQueued(bytes32 digest);
    error QueuedBeforeSetChange(bytes32 digest, uint256 queuedEpoch, uint256 epoch);
    error TimelockActive(uint256 eta);
    error OnlySafe();
    error Reentrancy();
    error ZeroThreshold();
    error CallFailed(bytes reason);
    error DelegateCallRefused();

    modifier nonReentrant() {
        if (locked != 1) revert Reentrancy();
        locked = 2;
        _;
        locked = 1;
    }

    modifier onlySafe() {
        if (msg.sender != address(safe)) revert OnlySafe();
        _;
    }

    constructor(
        ISafe safe_,
        IThresholdVerifier thresholdVerifier_,
        IApprovalVerifier approvalVerifier_,
        uint256 root_,
        uint256 threshold_,
        uint64 delay_,
        bool allowDelegateCall_
    ) {
        if (threshold_ == 0) revert ZeroThreshold();
        safe = safe_;
        allowDelegateCall = allowDelegateCall_;
        thresholdVerifier = thresholdVerifier_;
        approvalVerifier = approvalVerifier_;
        root = root_;
        threshold = threshold_;
        delay = delay_;
        emit SetChanged(root_, threshold_, 0);
        emit DelayChanged(delay_);
    }

    /// The EIP-712 domain separator (computed each time, so it follows a chain fork).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// The EIP-712 digest of `intent` for this module.
    function intentDigest(Intent calldata intent) public view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                INTENT_TYPEHASH,
                intent.target,
                intent.value,
                keccak256(intent.data),
                intent.nonce,
                intent.validAfter,
                intent.validUntil
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domainSeparator(), structHash));
    }

    /// Executes (or queues) `intent` from the Safe on a Threshold proof that `signers`
    /// distinct members of the set signed it; `signers` must reach `threshold`.
    function execute(Intent calldata intent, uint256 signers, uint256[8] calldata proof) external nonReentrant {
        _checkCurrent(intent);
        if (signers < threshold) revert BelowThreshold(signers, threshold);
        bytes32 digest = intentDigest(intent);
        thresholdVerifier.verifyProof(proof, [root, uint256(digest) >> 8, signers]);
        _authorized(intent, digest);
    }

    /// Counts one member's Approval proof for `intent` (scope = the intent's field element);
    /// the approval that reaches `threshold` executes (or queues) the intent.
    function approve(Intent calldata intent, uint256 nullifier, uint256[8] calldata proof) external nonReentrant {
        _checkCurrent(intent);
        bytes32 digest = intentDigest(intent);
        bytes32 seenKey = keccak256(abi.encode(digest, epoch, nullifier));
        if (nullifierSeen[seenKey]) revert NullifierUsed(nullifier);
        uint256 field = uint256(digest) >> 8;
        approvalVerifier.verifyProof(proof, [root, nullifier, field, field]);
        nullifierSeen[seenKey] = true;
        uint256 count = ++approvalCount[keccak256(abi.encode(digest, epoch))];
        emit Approved(digest, nullifier, count, threshold);
        if (count >= threshold) _authorized(intent, digest);
    }

    /// Executes a queued intent once its delay has passed (anyone may call it).
    function executeQueued(Intent calldata intent) external nonReentrant {
        bytes32 digest = intentDigest(intent);
        uint256 eta = queued[digest];
        if (eta == 0) revert NotQueued(digest);
        uint256 authorizedIn = queuedEpoch[digest];
        if (authorizedIn != epoch) revert QueuedBeforeSetChange(digest, authorizedIn, epoch);
        if (block.timestamp < eta) revert TimelockActive(eta);
        _checkWindow(intent);
        delete queued[digest];
        delete queuedEpoch[digest];
        _call(intent, digest);
    }

    /// Cancels a queued intent. Only by the Safe (an intent of the set, or its owners).
    function cancel(bytes32 digest) external onlySafe {
        if (queued[digest] == 0) revert NotQueued(digest);
        delete queued[digest];
        delete queuedEpoch[digest];
        emit Cancelled(digest);
    }

    /// Replaces the approver set and threshold. Only by the Safe; voids every queued intent.
    function changeSet(uint256 newRoot, uint256 newThreshold) external onlySafe {
        if (newThreshold == 0) revert ZeroThreshold();
        root = newRoot;
        threshold = newThreshold;
        uint256 newEpoch = ++epoch;
        emit SetChanged(newRoot, newThreshold, newEpoch);
    }

    /// The marker of a delegatecall intent: its call targets this module with
    /// `delegate(to, data)` and no value, and the Safe then DELEGATECALLs `to` with `data`
    /// (when `allowDelegateCall`). Called directly, it refuses.
    function delegate(address, bytes calldata) external pure {
        revert DelegateCallRefused();
    }

    /// Sets the execution delay. Only by the Safe.
    function changeDelay(uint64 newDelay) external onlySafe {
        delay = newDelay;
        emit DelayChanged(newDelay);
    }

    function _checkCurrent(Intent calldata intent) internal view {
        if (intent.nonce != nonce) revert NonceMismatch(nonce, intent.nonce);
        _checkWindow(intent);
    }

    function _checkWindow(Intent calldata intent) internal view {
        if (block.timestamp < intent.validAfter) revert NotYetValid(intent.validAfter);
        if (intent.validUntil != 0 && block.timestamp > intent.validUntil) revert Expired(intent.validUntil);
    }

    function _authorized(Intent calldata intent, bytes32 digest) internal {
        emit Authorized(digest, nonce);
        nonce += 1;
        if (delay == 0 || _isCancellation(intent)) {
            _call(intent, digest);
        } else {
            uint256 eta = block.timestamp + delay;
            queued[digest] = eta;
            queuedEpoch[digest] = epoch;
            emit Queued(digest, eta, epoch);
        }
    }

    function _isCancellation(Intent calldata intent) internal view returns (bool) {
        return intent.target == address(this) && intent.value == 0 && intent.data.length == 36
            && bytes4(intent.data[:4]) == this.cancel.selector;
    }

    /// The Safe makes the call: a CALL, or for a delegatecall intent (`delegate(to, data)` on
    /// this module, no value) a DELEGATECALL when the module allows them; a failure reverts
    /// everything.
    function _call(Intent calldata intent, bytes32 digest) internal {
        emit Executed(digest, intent.target, intent.value, intent.data);
        bool ok;
        bytes memory reason;
        if (
            intent.target == address(this) && intent.data.length >= 4
                && bytes4(intent.data[:4]) == this.delegate.selector
        ) {
            if (!allowDelegateCall || intent.value != 0) revert DelegateCallRefused();
            (address to, bytes memory data) = abi.decode(intent.data[4:], (address, bytes));
            (ok, reason) = safe.execTransactionFromModuleReturnData(to, 0, data, DELEGATECALL);
        } else {
            (ok, reason) = safe.execTransactionFromModuleReturnData(intent.target, intent.value, intent.data, CALL);
        }
        if (!ok) revert CallFailed(reason);
    }
}
