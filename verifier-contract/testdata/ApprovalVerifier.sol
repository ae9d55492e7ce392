// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by veil VERSION (`veil export verifier`) from a Groth16 verifying key over
// BN254 with 4 public inputs. Do not edit: render again from the key instead.
pragma solidity ^0.8.24;

/// @title ApprovalVerifier
/// @notice Verifies Groth16 proofs over BN254 for one verifying key (veil Approval, depth 20).
/// DEVELOPMENT verifying key (one machine's randomness): whoever ran the setup can forge
/// proofs. Do not deploy where funds are at stake.
/// @dev The proof is `uint256[8]`: A.x, A.y, B.x.im, B.x.re, B.y.im, B.y.re, C.x, C.y (the
/// EIP-197 order of `veil export calldata`). `verifyProof` returns nothing when the proof is
/// valid and reverts otherwise; it accepts exactly one proof per (key, inputs) relation, but
/// Groth16 proofs are malleable: a third party can re-randomize a valid proof, so callers must
/// deduplicate by public inputs (a nullifier), never by proof bytes.
///
/// The check is e(A, B) · e(α, −β) · e(vk_x, −γ) · e(C, −δ) = 1, one EIP-197 pairing over four
/// pairs; β, γ and δ are negated when the contract is rendered, and
/// vk_x = IC_0 + Σ input_i · IC_i with the EIP-196 precompiles.
/// Malformed proofs revert before any pairing work: coordinates not below p, inputs not below
/// r, and A, B or C not on their curves each revert with their own error, spending a few
/// thousand gas. A B on the twist but outside the order-r subgroup is refused by the pairing
/// precompile itself, which consumes the gas forwarded to it.
contract ApprovalVerifier {
    /// A public input is not below the scalar field modulus r.
    error PublicInputNotInField(uint256 index);
    /// A proof word is not below the base field modulus p.
    error ProofCoordinateNotInField(uint256 index);
    /// A (0), B (1) or C (2) is not a point of its curve (the point at infinity included).
    error ProofPointNotOnCurve(uint256 point);
    /// The pairing equation does not hold.
    error ProofInvalid();

    /// The base field modulus p of BN254.
    uint256 internal constant P = 0x30644e72e131a029b85045b68181585d97816a916871ca8d3c208c16d87cfd47;
    /// The scalar field modulus r of BN254.
    uint256 internal constant R = 0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593f0000001;
    /// The coefficient b' = 3 / (9 + u) of the G2 twist y² = x³ + b' (real, imaginary parts).
    uint256 internal constant TWIST_B_RE = 0x2b149d40ceb8aaae81be18991be06ac3b5b4c5e559dbefa33267e6dc24a138e5;
    uint256 internal constant TWIST_B_IM = 0x009713b03af0fed4cd2cafadeed8fdf4a74fa084e52d1852e4a2bd0685c315d2;

    uint256 internal constant ALPHA_X = 0x2db31e9ae2d88a0fedd65317eef57df61390cb6cbea43e59e643847d72066c2c;
    uint256 internal constant ALPHA_Y = 0x2a9f85ac8e0b3e38f1042e41c7b5f3b022673ecf85bd7ab6342997b014be7102;
    uint256 internal constant BETA_NEG_X_IM = 0x18562aba3b5d0fc87ae9c06080306ac2aab35edcbbea0f333d8e395383e72a13;
    uint256 internal constant BETA_NEG_X_RE = 0x287f7c1a1ca6d022deda6c656f0c1541d6298d1e2a8a0bf76e9225f42c6430d1;
    uint256 internal constant BETA_NEG_Y_IM = 0x0ceb333a6ea5145d852aec8028caa44df6f71d9293e05654dcf452c229221390;
    uint256 internal constant BETA_NEG_Y_RE = 0x156f0908031058d0fdb302df33517bc91bf2a5e26b54495d2633ee1aaed39a36;
    uint256 internal constant GAMMA_NEG_X_IM = 0x2294b30b15b4d338913a4e965c3c049aa5e05b4b549ce7e9fa56710d88d5ead9;
    uint256 internal constant GAMMA_NEG_X_RE = 0x2fb484d3b68d35475b724437b4b84cc801e1ac7cf685140fb4eed6b5fb55c7ab;
    uint256 internal constant GAMMA_NEG_Y_IM = 0x02aaf08453490aac37ca26e84c0435c02fe62fd7297987281683496ce2337455;
    uint256 internal constant GAMMA_NEG_Y_RE = 0x2076cd997e401706c2d973e966430e4de3e683b36c324a223fa0a142405fddb5;
    uint256 internal constant DELTA_NEG_X_IM = 0x0d058b446bdba13e6fe61cf94e672d5df2724e25ae7dc99d2ee4ef19c863dbe8;
    uint256 internal constant DELTA_NEG_X_RE = 0x1167f3c8875d5af3b659b7f2c6479ceec0514cb8ffa64c9bd79c761d8b0783a5;
    uint256 internal constant DELTA_NEG_Y_IM = 0x1576b5f37e15eb425a1c28282d4f2ae1a780689fa4c6426395387a57dac2371e;
    uint256 internal constant DELTA_NEG_Y_RE = 0x1cb08985cfb8009bde58e77839e1daea0c45fe471911509697c9aac527011f33;

    uint256 internal constant IC0_X = 0x13d052bf6c7a426634a209987b5ae62eb46126b4dc013fe2b813961c83505ac6;
    uint256 internal constant IC0_Y = 0x2255e67ae8cfa41d312266b9bb9f1cd723175b41a9deb7f67a08daf4619db094;
    uint256 internal constant IC1_X = 0x2553a8ff3555b1ddb71cd6d62db12190a8c2ab1a68bf3bea508926ffcfd3b678;
    uint256 internal constant IC1_Y = 0x0d6de0a56f5b63b74d968255547d8423a09d4768b884b650f24e91b80384ad18;
    uint256 internal constant IC2_X = 0x119a45914bc37694b3d938141c60ab2799d38df2867600c4808c9fbc59d07991;
    uint256 internal constant IC2_Y = 0x10572115981e9cf70476671164380b63fc748871ee1c15b1d47762669d586df1;
    uint256 internal constant IC3_X = 0x0ad869bf9d6893fbb5ed93d4c30bc05f9bee98ac6f4117640317f1074a29ed1f;
    uint256 internal constant IC3_Y = 0x0684db5d2c449e25ec8b61e06b4a31fcfaf1db81477d71ecf5aaff976d0a4429;
    uint256 internal constant IC4_X = 0x13ba5c2f2e2c2699adb8ea0e4e01d32d74f8abb9c761c235847b81e7379bbae9;
    uint256 internal constant IC4_Y = 0x2a751103f27afd89155e9b5c791f75759e07573d7e86072a506fa95a1b7a5012;

    /// Reverts unless `proof` is a valid proof for `input` under this contract's key.
    /// @dev The arguments sit at fixed calldata offsets (static ABI types): proof word i at
    /// 0x04 + 32·i, input j at 0x104 + 32·j. The assembly ends the call itself (`return`), so
    /// it uses memory from 0 without regard for Solidity's layout.
    function verifyProof(uint256[8] calldata /* proof */, uint256[4] calldata /* input */) external view {
        assembly {
            // Every word in its field; one branch on the happy path.
            let ok := lt(calldataload(0x04), P)
            ok := and(ok, lt(calldataload(0x24), P))
            ok := and(ok, lt(calldataload(0x44), P))
            ok := and(ok, lt(calldataload(0x64), P))
            ok := and(ok, lt(calldataload(0x84), P))
            ok := and(ok, lt(calldataload(0xa4), P))
            ok := and(ok, lt(calldataload(0xc4), P))
            ok := and(ok, lt(calldataload(0xe4), P))
            ok := and(ok, lt(calldataload(0x104), R))
            ok := and(ok, lt(calldataload(0x124), R))
            ok := and(ok, lt(calldataload(0x144), R))
            ok := and(ok, lt(calldataload(0x164), R))
            if iszero(ok) {
                for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                    if iszero(lt(calldataload(add(0x04, shl(5, i))), P)) {
                        mstore(0, 0xc7c8d5ac00000000000000000000000000000000000000000000000000000000) // ProofCoordinateNotInField(uint256)
                        mstore(4, i)
                        revert(0, 0x24)
                    }
                }
                for { let i := 0 } 1 { i := add(i, 1) } {
                    if iszero(lt(calldataload(add(0x104, shl(5, i))), R)) {
                        mstore(0, 0x065fe5fc00000000000000000000000000000000000000000000000000000000) // PublicInputNotInField(uint256)
                        mstore(4, i)
                        revert(0, 0x24)
                    }
                }
            }

            // A and C on y² = x³ + 3; B on the twist y² = x³ + b' over Fp² (u² = −1).
            // `bad` collects bit 0 for A, bit 1 for B, bit 2 for C.
            let bad
            {
                let x := calldataload(0x04)
                let y := calldataload(0x24)
                bad := iszero(eq(mulmod(y, y, P), addmod(mulmod(x, mulmod(x, x, P), P), 3, P)))
                x := calldataload(0xc4)
                y := calldataload(0xe4)
                bad := or(bad, shl(2, iszero(eq(mulmod(y, y, P), addmod(mulmod(x, mulmod(x, x, P), P), 3, P)))))
            }
            {
                let x1 := calldataload(0x44)
                let x0 := calldataload(0x64)
                let y1 := calldataload(0x84)
                let y0 := calldataload(0xa4)
                // x² = (x0² − x1²) + 2·x0·x1·u, then x³ = x²·x.
                let t0 := addmod(mulmod(x0, x0, P), sub(P, mulmod(x1, x1, P)), P)
                let t1 := mulmod(add(x0, x0), x1, P)
                let onTwist := and(
                    eq(
                        addmod(mulmod(y0, y0, P), sub(P, mulmod(y1, y1, P)), P),
                        addmod(addmod(mulmod(t0, x0, P), sub(P, mulmod(t1, x1, P)), P), TWIST_B_RE, P)
                    ),
                    eq(
                        mulmod(add(y0, y0), y1, P),
                        addmod(addmod(mulmod(t0, x1, P), mulmod(t1, x0, P), P), TWIST_B_IM, P)
                    )
                )
                bad := or(bad, shl(1, iszero(onTwist)))
            }
            if bad {
                // Report the first bad point.
                let point := 0
                if iszero(and(bad, 1)) { point := 1 }
                if iszero(and(bad, 3)) { point := 2 }
                mstore(0, 0x23a1852e00000000000000000000000000000000000000000000000000000000) // ProofPointNotOnCurve(uint256)
                mstore(4, point)
                revert(0, 0x24)
            }

            // vk_x = IC_0 + Σ input_i · IC_i, accumulated at 0x180 (its slot in the pairing
            // input); each product is formed at 0x1c0, where −γ goes afterwards.
            mstore(0x180, IC0_X)
            mstore(0x1a0, IC0_Y)
            let success := 1
            mstore(0x1c0, IC1_X)
            mstore(0x1e0, IC1_Y)
            mstore(0x200, calldataload(0x104))
            success := and(success, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))
            success := and(success, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))
            mstore(0x1c0, IC2_X)
            mstore(0x1e0, IC2_Y)
            mstore(0x200, calldataload(0x124))
            success := and(success, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))
            success := and(success, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))
            mstore(0x1c0, IC3_X)
            mstore(0x1e0, IC3_Y)
            mstore(0x200, calldataload(0x144))
            success := and(success, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))
            success := and(success, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))
            mstore(0x1c0, IC4_X)
            mstore(0x1e0, IC4_Y)
            mstore(0x200, calldataload(0x164))
            success := and(success, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))
            success := and(success, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))

            // (A, B), (α, −β), (vk_x, −γ), (C, −δ).
            calldatacopy(0x000, 0x04, 0xc0)
            mstore(0x0c0, ALPHA_X)
            mstore(0x0e0, ALPHA_Y)
            mstore(0x100, BETA_NEG_X_IM)
            mstore(0x120, BETA_NEG_X_RE)
            mstore(0x140, BETA_NEG_Y_IM)
            mstore(0x160, BETA_NEG_Y_RE)
            mstore(0x1c0, GAMMA_NEG_X_IM)
            mstore(0x1e0, GAMMA_NEG_X_RE)
            mstore(0x200, GAMMA_NEG_Y_IM)
            mstore(0x220, GAMMA_NEG_Y_RE)
            calldatacopy(0x240, 0xc4, 0x40)
            mstore(0x280, DELTA_NEG_X_IM)
            mstore(0x2a0, DELTA_NEG_X_RE)
            mstore(0x2c0, DELTA_NEG_Y_IM)
            mstore(0x2e0, DELTA_NEG_Y_RE)
            success := and(success, staticcall(gas(), 0x08, 0, 0x300, 0, 0x20))
            if iszero(and(success, mload(0))) {
                mstore(0, 0x7fcdd1f400000000000000000000000000000000000000000000000000000000) // ProofInvalid()
                revert(0, 4)
            }
            return(0, 0)
        }
    }
}