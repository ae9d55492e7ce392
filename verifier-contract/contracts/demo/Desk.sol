// SPDX-License-Identifier: MIT OR Apache-2.0
pragma solidity ^0.8.24;

/// Mocks for the derivatives-desk example (`veil demo --scenario desk`, the policy EVM tests):
/// a 6-decimal token, a margin contract holding collateral per depositor, and a lending pool
/// whose liquidations are only recorded. Not for real funds.

/// A minimal ERC-20 with 6 decimals; anyone may mint (a mock).
contract MockUSDC {
    string public constant name = "Mock USDC";
    string public constant symbol = "mUSDC";
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    error InsufficientBalance(address from, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);

    function mint(address to, uint256 amount) external {
        totalSupply += amount;
        balanceOf[to] += amount;
        emit Transfer(address(0), to, amount);
    }

    function approve(address spender, uint256 amount) external returns (bool) {
        allowance[msg.sender][spender] = amount;
        emit Approval(msg.sender, spender, amount);
        return true;
    }

    function transfer(address to, uint256 amount) external returns (bool) {
        _move(msg.sender, to, amount);
        return true;
    }

    function transferFrom(address from, address to, uint256 amount) external returns (bool) {
        uint256 allowed = allowance[from][msg.sender];
        if (allowed < amount) revert InsufficientAllowance(msg.sender, allowed, amount);
        if (allowed != type(uint256).max) allowance[from][msg.sender] = allowed - amount;
        _move(from, to, amount);
        return true;
    }

    function _move(address from, address to, uint256 amount) internal {
        uint256 balance = balanceOf[from];
        if (balance < amount) revert InsufficientBalance(from, balance, amount);
        balanceOf[from] = balance - amount;
        balanceOf[to] += amount;
        emit Transfer(from, to, amount);
    }
}

/// Collateral per depositor: `deposit` pulls the token (the depositor approves first),
/// `withdraw` sends it back.
contract MockMargin {
    MockUSDC public immutable token;
    mapping(address => uint256) public collateral;

    event Deposited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);

    error InsufficientCollateral(uint256 collateral, uint256 amount);

    constructor(MockUSDC token_) {
        token = token_;
    }

    function deposit(uint256 amount) external {
        token.transferFrom(msg.sender, address(this), amount);
        collateral[msg.sender] += amount;
        emit Deposited(msg.sender, amount);
    }

    function withdraw(uint256 amount) external {
        uint256 held = collateral[msg.sender];
        if (held < amount) revert InsufficientCollateral(held, amount);
        collateral[msg.sender] = held - amount;
        token.transfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }
}

/// A lending pool whose liquidations are recorded, nothing more.
contract MockPool {
    uint256 public liquidations;

    event Liquidated(address indexed liquidator, address indexed borrower, uint256 repayAmount);

    function liquidate(address borrower, uint256 repayAmount) external {
        liquidations += 1;
        emit Liquidated(msg.sender, borrower, repayAmount);
    }
}
