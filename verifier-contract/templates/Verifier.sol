// SPDX-License-Identifier: MIT OR Apache-2.0
// Rendered by veil {{ veil_version }} (`veil export verifier`) from a Groth16 verifying key over
// BN254 with {{ n }} public inputs. Do not edit: render again from the key instead.
pragma solidity ^0.8.24;

/// @title {{ contract_name }}
/// @notice Verifies Groth16 proofs over BN254 for one verifying key{% if !description.is_empty() %} ({{ description }}){% endif %}.
{%- for line in provenance %}
/// {{ line }}
{%- endfor %}
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
contract {{ contract_name }} {
    /// A public input is not below the scalar field modulus r.
    error PublicInputNotInField(uint256 index);
    /// A proof word is not below the base field modulus p.
    error ProofCoordinateNotInField(uint256 index);
    /// A (0), B (1) or C (2) is not a point of its curve (the point at infinity included).
    error ProofPointNotOnCurve(uint256 point);
    /// The pairing equation does not hold.
    error ProofInvalid();

    /// The base field modulus p of BN254.
    uint256 internal constant P = {{ p }};
    /// The scalar field modulus r of BN254.
    uint256 internal constant R = {{ r }};
    /// The coefficient b' = 3 / (9 + u) of the G2 twist y² = x³ + b' (real, imaginary parts).
    uint256 internal constant TWIST_B_RE = {{ twist_b_re }};
    uint256 internal constant TWIST_B_IM = {{ twist_b_im }};

    uint256 internal constant ALPHA_X = {{ alpha.x }};
    uint256 internal constant ALPHA_Y = {{ alpha.y }};
    uint256 internal constant BETA_NEG_X_IM = {{ beta_neg.x_im }};
    uint256 internal constant BETA_NEG_X_RE = {{ beta_neg.x_re }};
    uint256 internal constant BETA_NEG_Y_IM = {{ beta_neg.y_im }};
    uint256 internal constant BETA_NEG_Y_RE = {{ beta_neg.y_re }};
    uint256 internal constant GAMMA_NEG_X_IM = {{ gamma_neg.x_im }};
    uint256 internal constant GAMMA_NEG_X_RE = {{ gamma_neg.x_re }};
    uint256 internal constant GAMMA_NEG_Y_IM = {{ gamma_neg.y_im }};
    uint256 internal constant GAMMA_NEG_Y_RE = {{ gamma_neg.y_re }};
    uint256 internal constant DELTA_NEG_X_IM = {{ delta_neg.x_im }};
    uint256 internal constant DELTA_NEG_X_RE = {{ delta_neg.x_re }};
    uint256 internal constant DELTA_NEG_Y_IM = {{ delta_neg.y_im }};
    uint256 internal constant DELTA_NEG_Y_RE = {{ delta_neg.y_re }};
{% for ic in ics %}
    uint256 internal constant IC{{ loop.index0 }}_X = {{ ic.x }};
    uint256 internal constant IC{{ loop.index0 }}_Y = {{ ic.y }};
{%- endfor %}

    /// Reverts unless `proof` is a valid proof for `input` under this contract's key.
    /// @dev The arguments sit at fixed calldata offsets (static ABI types): proof word i at
    /// 0x04 + 32·i, input j at 0x104 + 32·j. The assembly ends the call itself (`return`), so
    /// it uses memory from 0 without regard for Solidity's layout.
    function verifyProof(uint256[8] calldata /* proof */, uint256[{{ n }}] calldata /* input */) external view {
        assembly {
            // Every word in its field; one branch on the happy path.
            let ok := lt(calldataload(0x04), P)
{%- for i in proof_words_after_first %}
            ok := and(ok, lt(calldataload({{ "{:#x}"|format(4 + i * 32) }}), P))
{%- endfor %}
{%- for i in input_words %}
            ok := and(ok, lt(calldataload({{ "{:#x}"|format(0x104 + i * 32) }}), R))
{%- endfor %}
            if iszero(ok) {
                for { let i := 0 } lt(i, 8) { i := add(i, 1) } {
                    if iszero(lt(calldataload(add(0x04, shl(5, i))), P)) {
                        mstore(0, {{ selector_coordinate }}) // ProofCoordinateNotInField(uint256)
                        mstore(4, i)
                        revert(0, 0x24)
                    }
                }
                for { let i := 0 } 1 { i := add(i, 1) } {
                    if iszero(lt(calldataload(add(0x104, shl(5, i))), R)) {
                        mstore(0, {{ selector_input }}) // PublicInputNotInField(uint256)
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
                mstore(0, {{ selector_curve }}) // ProofPointNotOnCurve(uint256)
                mstore(4, point)
                revert(0, 0x24)
            }

            // vk_x = IC_0 + Σ input_i · IC_i, accumulated at 0x180 (its slot in the pairing
            // input); each product is formed at 0x1c0, where −γ goes afterwards.
            mstore(0x180, IC0_X)
            mstore(0x1a0, IC0_Y)
            let success := 1
{%- for i in input_words %}
            mstore(0x1c0, IC{{ i + 1 }}_X)
            mstore(0x1e0, IC{{ i + 1 }}_Y)
            mstore(0x200, calldataload({{ "{:#x}"|format(0x104 + i * 32) }}))
            success := and(success, staticcall(gas(), 0x07, 0x1c0, 0x60, 0x1c0, 0x40))
            success := and(success, staticcall(gas(), 0x06, 0x180, 0x80, 0x180, 0x40))
{%- endfor %}

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
                mstore(0, {{ selector_invalid }}) // ProofInvalid()
                revert(0, 4)
            }
            return(0, 0)
        }
    }
}
