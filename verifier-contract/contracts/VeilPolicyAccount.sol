// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// The verifier `veil export verifier` renders for a Policy key (public inputs: authRoot,
/// intent, call, value, arg0, arg1). It returns nothing for a valid proof and reverts
/// otherwise.
interface IPolicyVerifier {
    function verifyProof(uint256[8] calldata proof, uint256[6] calldata input) external view;
}

/// @title VeilPolicyAccount
/// @notice An account whose calls are authorized by one zero-knowledge proof that a rule of
/// a hidden signing policy admits the call and that the rule's threshold of its role's
/// members signed it. The chain sees the call (it executes it) and one root; not the rules,
/// the roles, the members, the thresholds, nor who signed.
/// @dev The account holds `authRoot = Poseidon(grantRoot, policyRoot)` (veil's Policy
/// statement). Every public input but the root is derived here from the one intent this
/// account hashes and executes, never taken from the caller:
/// - `intent`: the EIP-712 digest's first 31 bytes, as `VeilAccount`'s (same type, same
///   domain {name "veil", version "1", chainId, this account}), so one intent file serves both;
/// - `call = tgt + 2^161·sel + 2^194·lead`: `tgt` the target, or 2^160 when the target is
///   this account; `sel` the first 4 bytes of the data, or 2^32 for empty data (1 to 3
///   bytes revert); `lead` the time-lock the proof claims, below 2^40;
/// - `value`, below 2^128 (above reverts);
/// - `arg0`, `arg1`: the static words 0 and 1 after the selector, or CLAMP = 2^253 − 1 when
///   a word is missing or not below CLAMP.
///
/// The time-lock: a proof with lead 0 executes at once (once `validAfter` has passed); a
/// proof with lead L > 0 requires `validAfter ≥ now + L` and queues the intent, which anyone
/// may then execute from `validAfter` on. So a rule's delay (the proof shows `lead ≥ delay`)
/// is enforced without the account knowing the rule. Each intent consumes the nonce: it is
/// authorized at most once. The root changes only through an intent calling `setAuthRoot`
/// on this account (a rule naming `self`; "any target" rules never reach the account), and
/// every change bumps `authEpoch`, voiding every intent still queued: a revoked key cannot
/// finish what it queued. `cancel` drops one queued intent, also only through an intent.
contract VeilPolicyAccount {
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

    /// `tgt` of a call to this account.
    uint256 public constant SELF = 1 << 160;
    /// `sel` of a call without data.
    uint256 public constant NO_DATA = 1 << 32;
    /// An argument word that is missing or not below it.
    uint256 public constant CLAMP = (1 << 253) - 1;
    /// Values and leads at or above these revert.
    uint256 public constant VALUE_LIMIT = 1 << 128;
    uint256 public constant LEAD_LIMIT = 1 << 40;

    IPolicyVerifier public immutable verifier;

    /// Poseidon(grantRoot, policyRoot).
    uint256 public authRoot;
    /// Increases with every root change; queued intents execute only in their epoch.
    uint256 public authEpoch;
    /// The nonce the next intent must carry.
    uint256 public nonce;
    /// When each queued intent (by EIP-712 digest) may execute (its validAfter); 0 when not queued.
    mapping(bytes32 digest => uint256 eta) public queued;
    /// The epoch that authorized each queued intent.
    mapping(bytes32 digest => uint256 epoch) public queuedEpoch;
    uint256 private locked = 1;

    event Received(address indexed from, uint256 value);
    event Authorized(bytes32 indexed digest, uint256 nonce, uint64 lead);
    event Queued(bytes32 indexed digest, uint256 eta, uint256 epoch);
    event Executed(bytes32 indexed digest, address indexed target, uint256 value, bytes data);
    event Cancelled(bytes32 indexed digest);
    event AuthRootChanged(uint256 authRoot, uint256 epoch);

    error NonceMismatch(uint256 expected, uint256 got);
    error NotYetValid(uint64 validAfter);
    error Expired(uint64 validUntil);
    error DataTooShort(uint256 length);
    error ValueTooLarge(uint256 value);
    error LeadTooLarge(uint64 lead);
    error LeadNotCovered(uint64 validAfter, uint256 earliest);
    error NotQueued(bytes32 digest);
    error QueuedBeforeRootChange(bytes32 digest, uint256 queuedEpoch, uint256 epoch);
    error OnlySelf();
    error Reentrancy();
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

    constructor(IPolicyVerifier verifier_, uint256 authRoot_) payable {
        verifier = verifier_;
        authRoot = authRoot_;
        emit AuthRootChanged(authRoot_, 0);
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

    /// The statement's public inputs for `intent` under `lead`, as `execute` verifies them.
    function publicInputs(Intent calldata intent, uint64 lead) public view returns (uint256[6] memory input) {
        uint256 length = intent.data.length;
        if (length != 0 && length < 4) revert DataTooShort(length);
        if (intent.value >= VALUE_LIMIT) revert ValueTooLarge(intent.value);
        if (lead >= LEAD_LIMIT) revert LeadTooLarge(lead);
        uint256 tgt = intent.target == address(this) ? SELF : uint256(uint160(intent.target));
        uint256 sel = length == 0 ? NO_DATA : uint256(uint32(bytes4(intent.data[:4])));
        input[0] = authRoot;
        input[1] = uint256(intentDigest(intent)) >> 8;
        input[2] = tgt | (sel << 161) | (uint256(lead) << 194);
        input[3] = intent.value;
        input[4] = _arg(intent.data, 0);
        input[5] = _arg(intent.data, 1);
    }

    /// Executes `intent` at once (lead 0) or queues it (lead > 0) on a Policy proof that a
    /// rule of the current policy admits its call under `lead` and that enough of the rule's
    /// role signed it.
    function execute(Intent calldata intent, uint64 lead, uint256[8] calldata proof) external nonReentrant {
        if (intent.nonce != nonce) revert NonceMismatch(nonce, intent.nonce);
        if (intent.validUntil != 0 && block.timestamp > intent.validUntil) revert Expired(intent.validUntil);
        if (lead == 0) {
            if (block.timestamp < intent.validAfter) revert NotYetValid(intent.validAfter);
        } else if (uint256(intent.validAfter) < block.timestamp + lead) {
            revert LeadNotCovered(intent.validAfter, block.timestamp + lead);
        }
        uint256[6] memory input = publicInputs(intent, lead);
        verifier.verifyProof(proof, input);
        bytes32 digest = intentDigest(intent);
        emit Authorized(digest, nonce, lead);
        nonce += 1;
        if (lead == 0) {
            _call(intent, digest);
        } else {
            queued[digest] = intent.validAfter;
            queuedEpoch[digest] = authEpoch;
            emit Queued(digest, intent.validAfter, authEpoch);
        }
    }

    /// Executes a queued intent from its validAfter on (anyone may call it), unless the root
    /// changed since it was queued.
    function executeQueued(Intent calldata intent) external nonReentrant {
        bytes32 digest = intentDigest(intent);
        uint256 eta = queued[digest];
        if (eta == 0) revert NotQueued(digest);
        uint256 authorizedIn = queuedEpoch[digest];
        if (authorizedIn != authEpoch) revert QueuedBeforeRootChange(digest, authorizedIn, authEpoch);
        if (block.timestamp < intent.validAfter) revert NotYetValid(intent.validAfter);
        if (intent.validUntil != 0 && block.timestamp > intent.validUntil) revert Expired(intent.validUntil);
        delete queued[digest];
        delete queuedEpoch[digest];
        _call(intent, digest);
    }

    /// Drops a queued intent. Only through an intent (a rule naming `self` and this function).
    function cancel(bytes32 digest) external onlySelf {
        if (queued[digest] == 0) revert NotQueued(digest);
        delete queued[digest];
        delete queuedEpoch[digest];
        emit Cancelled(digest);
    }

    /// Installs a new policy. Only through an intent; voids every queued intent.
    function setAuthRoot(uint256 newRoot) external onlySelf {
        authRoot = newRoot;
        uint256 epoch = ++authEpoch;
        emit AuthRootChanged(newRoot, epoch);
    }

    /// Static word `j` after the selector, or CLAMP when it is missing or not below CLAMP.
    function _arg(bytes calldata data, uint256 j) internal pure returns (uint256) {
        uint256 start = 4 + 32 * j;
        if (data.length < start + 32) return CLAMP;
        uint256 word = uint256(bytes32(data[start:start + 32]));
        return word < CLAMP ? word : CLAMP;
    }

    function _call(Intent calldata intent, bytes32 digest) internal {
        emit Executed(digest, intent.target, intent.value, intent.data);
        (bool ok, bytes memory reason) = intent.target.call{value: intent.value}(intent.data);
        if (!ok) revert CallFailed(reason);
    }
}
