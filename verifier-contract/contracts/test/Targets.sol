// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// A call target for the tests: when paid, calls back into the account with a payload set
/// beforehand (an `execute` or `executeQueued` of the very intent being executed) and
/// bubbles up the account's revert.
contract Reenter {
    address public account;
    bytes public payload;

    function arm(address account_, bytes calldata payload_) external {
        account = account_;
        payload = payload_;
    }

    receive() external payable {
        (bool ok, bytes memory reason) = account.call(payload);
        if (!ok) {
            assembly {
                revert(add(reason, 0x20), mload(reason))
            }
        }
    }
}
