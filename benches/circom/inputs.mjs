// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Circuit inputs for the circom references of benches/compare.sh, built from veil's own
// files so that both provers prove the same statement (the script then checks that both
// public.json files are equal). Packages come from scripts/node_modules (pinned in
// scripts/package-lock.json).
//
//   node inputs.mjs approval  MNEMONIC_FILE PATH SET_JSON INTENT_JSON MAX_DEPTH
//   node inputs.mjs threshold SET_JSON INTENT_JSON MAX_DEPTH K_MAX SIG_JSON...
//
// Approval: the secret scalar is the one veil derives from the mnemonic
// (veil private key = SHA-256("veil/identity/v1/secp256k1\0" ‖ BIP-32 child key), then
// Semaphore v4's Identity), so the identity is refused unless its commitment is in the set.
// Scope = intent's field element (veil's default). Siblings padded with 0 as Semaphore's
// generateProof does. Threshold: signers sorted by commitment, as veil does; dummy slots
// (A = R8 = Base8, S = 0, empty path) as veil's SlotWitness::dummy.
import { createHash } from "node:crypto"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

const require = createRequire(fileURLToPath(new URL("../../scripts/package.json", import.meta.url)))
const { HDNodeWallet } = require("ethers")
const { Identity } = require("@semaphore-protocol/identity")
const { LeanIMT } = require("@zk-kit/lean-imt")
const { poseidon2 } = require("poseidon-lite")

const BASE8 = [
    "5299619240641551281634865583518297030282874472190772894086521144482721001553",
    "16950150798460657717958625567821834550301663161624707787222815936182638968203"
]

const readJson = (p) => JSON.parse(readFileSync(p, "utf8"))
const fail = (msg) => {
    console.error(`inputs.mjs: ${msg}`)
    process.exit(1)
}

function tree(setFile) {
    const set = readJson(setFile)
    const t = new LeanIMT((a, b) => poseidon2([a, b]), set.members.map(BigInt))
    if (t.root.toString() !== set.root) fail(`${setFile}: root ${set.root}, but its members give ${t.root}`)
    return t
}

function path(t, leaf, maxDepth) {
    const index = t.indexOf(leaf)
    if (index < 0) fail(`commitment ${leaf} is not in the set`)
    const p = t.generateProof(index)
    if (p.siblings.length > maxDepth) fail(`the set is deeper than ${maxDepth}`)
    const siblings = p.siblings.map(String)
    while (siblings.length < maxDepth) siblings.push("0")
    return { length: String(p.siblings.length), index: String(p.index), siblings }
}

function approval([mnemonicFile, hdPath, setFile, intentFile, depth]) {
    const phrase = readFileSync(mnemonicFile, "utf8").trim()
    const child = HDNodeWallet.fromPhrase(phrase, undefined, hdPath)
    const privateKey = createHash("sha256")
        .update(Buffer.from("veil/identity/v1/secp256k1\0", "utf8"))
        .update(Buffer.from(child.privateKey.slice(2), "hex"))
        .digest()
    const id = new Identity(privateKey)
    const p = path(tree(setFile), id.commitment, Number(depth))
    const intent = readJson(intentFile).field
    return {
        secret: id.secretScalar.toString(),
        merkleProofLength: p.length,
        merkleProofIndex: p.index,
        merkleProofSiblings: p.siblings,
        message: intent,
        scope: intent
    }
}

function threshold([setFile, intentFile, depth, kMax, ...sigFiles]) {
    const [d, k] = [Number(depth), Number(kMax)]
    if (sigFiles.length < 1 || sigFiles.length > k) fail(`need 1..=${k} signature files, got ${sigFiles.length}`)
    const t = tree(setFile)
    const intent = readJson(intentFile).field
    const sigs = sigFiles
        .map(readJson)
        .map((s) => ({ ...s, leaf: poseidon2(s.public_key.map(BigInt)) }))
        .sort((a, b) => (a.leaf < b.leaf ? -1 : a.leaf > b.leaf ? 1 : 0))
    const input = { root: t.root.toString(), intent, k: String(sigs.length) }
    const slot = (key, fn) => (input[key] = Array.from({ length: k }, (_, i) => fn(sigs[i], i)))
    const paths = sigs.map((s) => {
        if (s.commitment !== s.leaf.toString()) fail(`a signature file's commitment is not Poseidon(public_key)`)
        if (s.intent.field !== intent) fail(`a signature file signs another intent`)
        return path(t, s.leaf, d)
    })
    const empty = { length: "0", index: "0", siblings: Array(d).fill("0") }
    slot("enabled", (s) => (s ? "1" : "0"))
    slot("Ax", (s) => (s ? s.public_key[0] : BASE8[0]))
    slot("Ay", (s) => (s ? s.public_key[1] : BASE8[1]))
    slot("R8x", (s) => (s ? s.signature.r8[0] : BASE8[0]))
    slot("R8y", (s) => (s ? s.signature.r8[1] : BASE8[1]))
    slot("S", (s) => (s ? s.signature.s : "0"))
    slot("merkleProofLength", (s, i) => (paths[i] ?? empty).length)
    slot("merkleProofIndex", (s, i) => (paths[i] ?? empty).index)
    slot("merkleProofSiblings", (s, i) => (paths[i] ?? empty).siblings)
    return input
}

const [cmd, ...args] = process.argv.slice(2)
const make = { approval, threshold }[cmd]
if (!make) fail("usage: inputs.mjs approval|threshold ARGS…")
process.stdout.write(`${JSON.stringify(make(args), null, 1)}\n`)
