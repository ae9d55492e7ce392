// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

import {AccountERC7579} from "@openzeppelin/contracts/account/extensions/draft-AccountERC7579.sol";
import {IEntryPoint} from "@openzeppelin/contracts/interfaces/IERC4337.sol";
import {MODULE_TYPE_VALIDATOR} from "@openzeppelin/contracts/interfaces/draft-IERC7579.sol";

/// OpenZeppelin's ERC-7579 account (`AccountERC7579`, from the pinned npm package) made
/// concrete for the tests, `veil gas` and examples: the EntryPoint given at construction, one
/// validator installed then, no signature scheme of its own (every user operation goes to a
/// validator module).
contract VeilTestAccount is AccountERC7579 {
    IEntryPoint private immutable _entryPoint;

    constructor(IEntryPoint entryPoint_, address validator, bytes memory validatorData) {
        _entryPoint = entryPoint_;
        _installModule(MODULE_TYPE_VALIDATOR, validator, validatorData);
    }

    function entryPoint() public view override returns (IEntryPoint) {
        return _entryPoint;
    }

    function _rawSignatureValidation(bytes32, bytes calldata) internal pure override returns (bool) {
        return false;
    }
}
