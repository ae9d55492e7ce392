// SPDX-License-Identifier: MIT OR Apache-2.0
//
// A circom reference for veil's Threshold statement (DESIGN §3), for the side-by-side
// comparison in benches/compare.sh; not used by veil itself. Built only from circomlib's
// EdDSAPoseidonVerifier and Poseidon and zk-kit's BinaryMerkleRoot (the circuit Semaphore v4
// uses for Lean IMT membership), wired the way veil's ThresholdCircuit is:
//
// Public: root, intent, k. Private, per slot i < K_MAX: enabled_i, the public key A_i, the
// signature (R8_i, S_i) on intent, a Lean IMT proof (length, index, siblings).
// Proves: the enabled bits are boolean, slot 0 is enabled and enabled slots come first;
// k = Σ enabled_i; every enabled slot holds a valid EdDSA-Poseidon signature on intent by
// A_i and Poseidon(A_i.x, A_i.y) is a leaf under root; enabled members are pairwise distinct:
// (leaf_i − leaf_j)·t_ij = enabled_j for i < j.
//
// Differences from veil's circuit, which make this one cheaper, not dearer: circomlib's
// verifier does not check that A and R8 are on the curve, and A is not forced into the
// prime-order subgroup (veil takes A = 8·A'); the key is only checked to be non-zero.
pragma circom 2.1.5;

include "eddsaposeidon.circom";
include "poseidon.circom";
include "binary-merkle-root.circom";

template Threshold(MAX_DEPTH, K_MAX) {
    // Declared first so that the public signals come in veil's order: root, intent, k.
    signal input root;
    signal input intent;
    signal input k;

    signal input enabled[K_MAX];
    signal input Ax[K_MAX], Ay[K_MAX];
    signal input R8x[K_MAX], R8y[K_MAX], S[K_MAX];
    signal input merkleProofLength[K_MAX], merkleProofIndex[K_MAX], merkleProofSiblings[K_MAX][MAX_DEPTH];

    signal leaf[K_MAX];
    signal slotRoot[K_MAX];
    var count = 0;

    enabled[0] === 1;
    for (var i = 0; i < K_MAX; i++) {
        enabled[i] * (enabled[i] - 1) === 0;
        if (i > 0) {
            enabled[i] * (1 - enabled[i - 1]) === 0;
        }
        count += enabled[i];

        EdDSAPoseidonVerifier()(enabled[i], Ax[i], Ay[i], S[i], R8x[i], R8y[i], intent);

        leaf[i] <== Poseidon(2)([Ax[i], Ay[i]]);
        slotRoot[i] <== BinaryMerkleRoot(MAX_DEPTH)(leaf[i], merkleProofLength[i], merkleProofIndex[i], merkleProofSiblings[i]);
        enabled[i] * (slotRoot[i] - root) === 0;
    }
    count === k;

    // Distinct members: for every pair i < j, (leaf_i − leaf_j)·t = enabled_j.
    signal t[K_MAX][K_MAX];
    for (var i = 0; i < K_MAX; i++) {
        for (var j = i + 1; j < K_MAX; j++) {
            t[i][j] <-- enabled[j] != 0 ? 1 / (leaf[i] - leaf[j]) : 0;
            (leaf[i] - leaf[j]) * t[i][j] === enabled[j];
        }
    }
}
