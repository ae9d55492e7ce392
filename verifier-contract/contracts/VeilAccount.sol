// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// The verifier `veil export verifier` renders for a Threshold key (public inputs: root,
/// intent, k). It returns nothing for a valid proof and reverts otherwise.
interface IThresholdVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[3] calldata input) external view;
}

/// The verifier rendered for an Approval key (public inputs: root, nullifier, intent, scope).
interface IApprovalVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[4] calldata input) external view;
}

/// @title VeilAccount
/// @notice An account whose calls are authorized by zero-knowledge proofs that members of a
/// committed approver set approved them, revealing neither which members nor how many keys
/// anyone holds.
/// @dev The approver set is the root of a Lean IMT of identity commitments; `threshold`
/// members must approve an intent. An intent is the EIP-712 struct `VeilIntent` under the
/// domain {name: "veil", version: "1", chainId, verifyingContract: this account}; its field
/// element, `uint256(digest) >> 8`, is the statements' public input `intent`. Authorization
/// takes either one Threshold proof (`execute`) or `threshold` Approval proofs with distinct
/// nullifiers (`approve`). Nullifiers, not proof bytes, are counted: a Groth16 proof can be
/// re-randomized by anyone, its nullifier cannot change. Each intent consumes the account's
/// nonce, so it executes at most once, on this chain and account only.
///
/// With a non-zero `delay`, an authorized intent is queued and executes (by anyone, through
/// `executeQueued`) once the delay has passed; until then the set can cancel it with an
/// intent calling `cancel`, which itself executes at once. The set changes its root,
/// threshold and delay only through intents calling this account itself; a set change
/// discards every approval collected so far and voids every intent still queued (each
/// records the epoch that authorized it), so removed members lose their voice at once, over
/// what they had already queued too.
contract VeilAccount {
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

    IThresholdVerifier public immutable thresholdVerifier;
    IApprovalVerifier public immutable approvalVerifier;

    /// The root of the approver set.
    uint256 public root;
    /// How many distinct members must approve.
    uint256 public threshold;
    /// The nonce the next intent must carry.
    uint256 public nonce;
    /// Seconds between authorization and execution (0: execute at once).
    uint64 public delay;
    /// Increases with every change of the set; approvals count only within one epoch.
    uint256 public epoch;
    /// When each queued intent (by EIP-712 digest) may execute; 0 when not queued.
    mapping(bytes32 digest => uint256 eta) public queued;
    /// The epoch of the set that authorized each queued intent: it executes only in that epoch.
    mapping(bytes32 digest => uint256 epoch) public queuedEpoch;

    /// Approvals counted per (digest, epoch), and the nullifiers seen per (digest, epoch).
    mapping(bytes32 key => uint256) internal approvalCount;
    mapping(bytes32 key => bool) internal nullifierSeen;
    uint256 private locked = 1;

    event Received(address indexed from, uint256 value);
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
    error OnlySelf();
    error Reentrancy();
    error ZeroThreshold();
    error CallFailed(bytes reason);

    modifier nonReentrant() {
        if (locked != 1) revert Reentrancy();
        locked = 2;
        _;
        locked = 1;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert OnlySelf();
        _;
    }

    constructor(
        IThresholdVerifier thresholdVerifier_,
        IApprovalVerifier approvalVerifier_,
        uint256 root_,
        uint256 threshold_,
        uint64 delay_
    ) payable {
        if (threshold_ == 0) revert ZeroThreshold();
        thresholdVerifier = thresholdVerifier_;
        approvalVerifier = approvalVerifier_;
        root = root_;
        threshold = threshold_;
        delay = delay_;
        emit SetChanged(root_, threshold_, 0);
        emit DelayChanged(delay_);
    }

    receive() external payable {
        emit Received(msg.sender, msg.value);
    }

    /// The EIP-712 domain separator (computed each time, so it follows a chain fork).
    function domainSeparator() public view returns (bytes32) {
        return keccak256(abi.encode(DOMAIN_TYPEHASH, NAME_HASH, VERSION_HASH, block.chainid, address(this)));
    }

    /// The EIP-712 digest of `intent` for this account.
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

    /// The statements' public input `intent`: the digest's first 31 bytes.
    function intentField(Intent calldata intent) public view returns (uint256) {
        return uint256(intentDigest(intent)) >> 8;
    }

    /// Executes (or queues) `intent` on a Threshold proof that `signers` distinct members of
    /// the set signed it; `signers` must reach `threshold`.
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

    /// The number of approvals `intent` has under the current set.
    function approvals(Intent calldata intent) external view returns (uint256) {
        return approvalCount[keccak256(abi.encode(intentDigest(intent), epoch))];
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

    /// Cancels a queued intent. Only through an intent of the set (which executes at once).
    function cancel(bytes32 digest) external onlySelf {
        if (queued[digest] == 0) revert NotQueued(digest);
        delete queued[digest];
        delete queuedEpoch[digest];
        emit Cancelled(digest);
    }

    /// Replaces the approver set and threshold. Only through an intent of the set.
    function changeSet(uint256 newRoot, uint256 newThreshold) external onlySelf {
        if (newThreshold == 0) revert ZeroThreshold();
        root = newRoot;
        threshold = newThreshold;
        uint256 newEpoch = ++epoch;
        emit SetChanged(newRoot, newThreshold, newEpoch);
    }

    /// Sets the execution delay. Only through an intent of the set.
    function changeDelay(uint64 newDelay) external onlySelf {
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

    function _call(Intent calldata intent, bytes32 digest) internal {
        emit Executed(digest, intent.target, intent.value, intent.data);
        (bool ok, bytes memory reason) = intent.target.call{value: intent.value}(intent.data);
        if (!ok) revert CallFailed(reason);
    }
}
