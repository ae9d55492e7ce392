#!/usr/bin/env node
// SPDX-License-Identifier: MIT OR Apache-2.0
//
// Generates the JSON reference vectors in tests/vectors/ from pinned npm
// reference implementations (see scripts/package.json / package-lock.json).
//
//   cd scripts && npm ci
//   node scripts/gen-vectors.mjs           # (re)write tests/vectors/*.json
//   node scripts/gen-vectors.mjs --check   # exit 1 if a committed file differs
//
// Nothing in the output is typed by hand: every value is computed by the
// reference packages. All "random" inputs come from a deterministic PRNG:
//   bytes32(label, i) = SHA-256(utf8("veil-vectors/<label>/<i>"))
// and a "random field element" is big-endian(bytes32) mod r.
// No Date, no Math.random: the output is byte-for-byte reproducible.

import { createCipheriv, createHash, pbkdf2Sync } from "node:crypto"
import { readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join, relative } from "node:path"
import { fileURLToPath } from "node:url"
import assert from "node:assert/strict"

import {
    buildPoseidon,
    buildPoseidonReference,
    buildPoseidonOpt,
    buildBabyjub,
    buildEddsa
} from "circomlibjs"
import { Base8, subOrder, r as bjjBaseField, addPoint, inCurve } from "@zk-kit/baby-jubjub"
import * as poseidonLite from "poseidon-lite"
import { LeanIMT } from "@zk-kit/lean-imt"
import { Identity } from "@semaphore-protocol/identity"
import { Group } from "@semaphore-protocol/group"
import {
    AbiCoder,
    HDNodeWallet,
    Interface,
    Mnemonic,
    TypedDataEncoder,
    Wallet,
    computeAddress,
    concat,
    decryptKeystoreJsonSync,
    encryptKeystoreJsonSync,
    getAddress,
    hexlify,
    keccak256,
    toUtf8Bytes,
    uuidV4
} from "ethers"

const SCRIPT_DIR = dirname(fileURLToPath(import.meta.url))
const REPO_ROOT = dirname(SCRIPT_DIR)
const OUT_DIR = join(REPO_ROOT, "tests", "vectors")
const GENERATOR = "scripts/gen-vectors.mjs"

// BN254 scalar field modulus (= Baby JubJub base field).
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n

// ---------------------------------------------------------------------------
// Installed package versions (read from each package's own package.json).
// ---------------------------------------------------------------------------

const requireHere = createRequire(join(SCRIPT_DIR, "package.json"))

// @zk-kit/eddsa-poseidon 1.1.0's ESM build does `import { blake2bInit, ... } from "blakejs"`,
// which Node's ESM loader rejects (blakejs is CommonJS without detectable named exports).
// Its CommonJS build (dist/index.cjs, same source, same default = BLAKE1 factory) works.
const { deriveSecretScalar, derivePublicKey, signMessage, verifySignature } = requireHere("@zk-kit/eddsa-poseidon")
const PINNED = JSON.parse(readFileSync(join(SCRIPT_DIR, "package.json"), "utf8")).dependencies

/** Finds the package.json of `name` as resolved from `fromFile` (walks up from the entry point). */
function installedVersion(name, fromFile = join(SCRIPT_DIR, "package.json")) {
    const req = createRequire(fromFile)
    let entry
    try {
        entry = req.resolve(name)
    } catch {
        // Packages without a JavaScript entry point (circom sources: circomlib,
        // @semaphore-protocol/circuits; the solc and circom2 CLIs) resolve by their package.json.
        entry = req.resolve(`${name}/package.json`)
    }
    let dir = dirname(entry)
    for (;;) {
        const p = join(dir, "package.json")
        if (existsSync(p)) {
            const pkg = JSON.parse(readFileSync(p, "utf8"))
            if (pkg.name === name) return { version: pkg.version, path: p }
        }
        const up = dirname(dir)
        if (up === dir) throw new Error(`cannot find package.json of ${name}`)
        dir = up
    }
}

const VERSIONS = {}
for (const name of Object.keys(PINNED)) {
    VERSIONS[name] = installedVersion(name).version
    assert.equal(
        VERSIONS[name],
        PINNED[name],
        `installed ${name}@${VERSIONS[name]} != pinned ${PINNED[name]}; run 'npm ci' in scripts/`
    )
}
// @semaphore-protocol/identity 4.14.3 depends on its own (nested) @zk-kit/eddsa-poseidon.
const IDENTITY_PKG = installedVersion("@semaphore-protocol/identity").path
const IDENTITY_EDDSA = "@semaphore-protocol/identity>@zk-kit/eddsa-poseidon"
VERSIONS[IDENTITY_EDDSA] = installedVersion("@zk-kit/eddsa-poseidon", IDENTITY_PKG).version
const GROUP_PKG = installedVersion("@semaphore-protocol/group").path
const GROUP_LEAN_IMT = installedVersion("@zk-kit/lean-imt", GROUP_PKG)
assert.equal(
    GROUP_LEAN_IMT.path,
    installedVersion("@zk-kit/lean-imt").path,
    "@semaphore-protocol/group must use the same @zk-kit/lean-imt as this script"
)

function source(...names) {
    const out = {}
    for (const n of names) out[n] = VERSIONS[n]
    return out
}

// ---------------------------------------------------------------------------
// Deterministic PRNG.
// ---------------------------------------------------------------------------

class Rng {
    constructor(label) {
        this.label = label
        this.counter = 0
    }

    /** 32 bytes: SHA-256("veil-vectors/<label>/<counter>"). */
    bytes32() {
        const h = createHash("sha256").update(`veil-vectors/${this.label}/${this.counter}`, "utf8").digest()
        this.counter += 1
        return h
    }

    /** big-endian(bytes32) mod r. */
    field() {
        return BigInt(`0x${this.bytes32().toString("hex")}`) % R
    }

    /** Uniform-enough integer in [0, n) (n small). */
    below(n) {
        return Number(BigInt(`0x${this.bytes32().toString("hex")}`) % BigInt(n))
    }
}

// ---------------------------------------------------------------------------
// JSON helpers.
// ---------------------------------------------------------------------------

/**
 * An integer written as a bare JSON number, even above 2^53 (JSON.stringify cannot write a
 * BigInt as a number, and a JS number above 2^53 is not exact). Plain bigints are written as
 * decimal strings.
 */
class RawNumber {
    constructor(value) {
        assert.ok(typeof value === "bigint" && value >= 0n)
        this.value = value
    }
}
const RAW_NUMBER = "@@veil-raw-number@@"

function toJson(obj) {
    const text = JSON.stringify(
        obj,
        (_k, v) => {
            if (typeof v === "bigint") return v.toString(10)
            if (v instanceof RawNumber) return `${RAW_NUMBER}${v.value.toString(10)}`
            return v
        },
        1
    )
    return `${text.replace(new RegExp(`"${RAW_NUMBER}(\\d+)"`, "g"), "$1")}\n`
}

const hex = (buf) => Buffer.from(buf).toString("hex")
const dec = (x) => BigInt(x).toString(10)
const point = (p) => [dec(p[0]), dec(p[1])]

// ---------------------------------------------------------------------------
// poseidon.json
// ---------------------------------------------------------------------------

async function genPoseidon() {
    const poseidonWasm = await buildPoseidon()
    const poseidonRef = await buildPoseidonReference()
    const poseidonOpt = await buildPoseidonOpt()
    const F = poseidonWasm.F

    const lite = [null, ...Array.from({ length: 16 }, (_, i) => poseidonLite[`poseidon${i + 1}`])]

    const hash = (inputs) => {
        const ref = poseidonRef.F.toObject(poseidonRef(inputs))
        const wasm = F.toObject(poseidonWasm(inputs))
        const opt = poseidonOpt.F.toObject(poseidonOpt(inputs))
        const pl = lite[inputs.length](inputs)
        assert.equal(wasm, ref, "circomlibjs buildPoseidon != buildPoseidonReference")
        assert.equal(opt, ref, "circomlibjs buildPoseidonOpt != buildPoseidonReference")
        assert.equal(pl, ref, "poseidon-lite != circomlibjs")
        return ref
    }

    // Sanity check against the well-known value.
    assert.equal(hash([1n, 2n]), 0x115cc0f5e7d690413df64c6b9662e9cf2a3617f2743245519e19607a4417189an)

    const rng = new Rng("poseidon")
    const vectors = []
    // Widths 1..6 get the full set; 7..16 (circomlib's maximum) a smaller one.
    for (let n = 1; n <= 16; n += 1) {
        const cases = [
            Array(n).fill(0n),
            Array(n).fill(R - 1n),
            Array.from({ length: n }, (_, i) => BigInt(i + 1))
        ]
        for (let k = 0; k < (n <= 6 ? 4 : 2); k += 1) cases.push(Array.from({ length: n }, () => rng.field()))
        for (const inputs of cases) {
            vectors.push({ inputs: inputs.map(dec), output: dec(hash(inputs)) })
        }
    }

    return {
        generator: GENERATOR,
        source: source("circomlibjs", "poseidon-lite"),
        notes:
            "Poseidon over the BN254 scalar field (circomlibjs buildPoseidonReference, cross-checked against buildPoseidon (wasm), buildPoseidonOpt and poseidon-lite poseidonN). Width t = n+1, initial state 0, output = state[0]. Field elements are canonical decimal strings (< r); 'inputs' has n = 1..16 elements (7 vectors each for n <= 6, 5 for n = 7..16).",
        vectors
    }
}

// ---------------------------------------------------------------------------
// eddsa.json
// ---------------------------------------------------------------------------

async function genEddsa() {
    const babyjub = await buildBabyjub()
    const eddsaC = await buildEddsa()
    const Fb = babyjub.F

    // Library constants, cross-checked between @zk-kit/baby-jubjub and circomlibjs.
    assert.equal(Fb.toObject(babyjub.Base8[0]), Base8[0])
    assert.equal(Fb.toObject(babyjub.Base8[1]), Base8[1])
    assert.equal(BigInt(babyjub.subOrder), subOrder)
    assert.equal(bjjBaseField, R)

    // circomlibjs cross-check helpers (circomlibjs works with Montgomery field elements).
    const cPub = (sk) => eddsaC.prv2pub(sk).map((c) => Fb.toObject(c))
    const cSign = (sk, msg) => {
        const sig = eddsaC.signPoseidon(sk, Fb.e(msg))
        return { R8: sig.R8.map((c) => Fb.toObject(c)), S: BigInt(sig.S) }
    }
    const cVerify = (msg, sig, pub) =>
        eddsaC.verifyPoseidon(Fb.e(msg), { R8: sig.R8.map((c) => Fb.e(c)), S: sig.S }, pub.map((c) => Fb.e(c)))

    const rng = new Rng("eddsa")
    const vectors = []
    const negatives = []
    const N = 14
    for (let i = 0; i < N; i += 1) {
        const sk = rng.bytes32()
        let message
        if (i === 0) message = 0n
        else if (i === 1) message = R - 1n
        else if (i === 2) message = 1n
        else message = rng.field()

        const secretScalar = deriveSecretScalar(sk)
        const publicKey = derivePublicKey(sk)
        const signature = signMessage(sk, message)
        const valid = verifySignature(message, signature, publicKey)
        assert.equal(valid, true, "library rejected its own signature")

        // Cross-check with circomlibjs (the iden3 reference).
        assert.deepEqual(cPub(sk), publicKey, "circomlibjs prv2pub mismatch")
        assert.deepEqual(cSign(sk, message), signature, "circomlibjs signPoseidon mismatch")
        assert.equal(cVerify(message, signature, publicKey), true)
        assert.ok(secretScalar < subOrder)

        vectors.push({
            private_key: hex(sk),
            secret_scalar: dec(secretScalar),
            public_key: point(publicKey),
            message: dec(message),
            signature: { r8: point(signature.R8), s: dec(signature.S) },
            valid
        })

        // Negative vectors (computed by the library's verifySignature) for a few keys.
        if (i === 0 || i === 3 || i === 4) {
            const tampered = []
            tampered.push({ tamper: "message+1", message: message + 1n, sig: signature })
            tampered.push({ tamper: "s+1", message, sig: { R8: signature.R8, S: signature.S + 1n } })
            tampered.push({ tamper: "s+l", message, sig: { R8: signature.R8, S: signature.S + subOrder } })
            // R8 + (0, -1): adding the order-2 torsion point (stays on the curve).
            const t2 = [0n, R - 1n]
            assert.ok(inCurve(t2))
            tampered.push({ tamper: "r8+t2", message, sig: { R8: addPoint(signature.R8, t2), S: signature.S } })
            for (const t of tampered) {
                let result
                try {
                    result = verifySignature(t.message, t.sig, publicKey)
                } catch (e) {
                    // Library threw: skip (documented in notes).
                    continue
                }
                assert.equal(result, false, `tampered signature (${t.tamper}) was accepted`)
                assert.equal(cVerify(t.message, t.sig, publicKey), false)
                negatives.push({
                    private_key: hex(sk),
                    secret_scalar: dec(secretScalar),
                    public_key: point(publicKey),
                    message: dec(t.message),
                    signature: { r8: point(t.sig.R8), s: dec(t.sig.S) },
                    valid: result,
                    tamper: t.tamper
                })
            }
        }
    }

    return {
        generator: GENERATOR,
        source: source("@zk-kit/eddsa-poseidon", "@zk-kit/baby-jubjub", "circomlibjs"),
        notes:
            "EdDSA-Poseidon on Baby JubJub, default export of @zk-kit/eddsa-poseidon = BLAKE1 variant (hash = BLAKE-512 / blake-1, as circomlibjs; cross-checked with circomlibjs eddsa prv2pub/signPoseidon/verifyPoseidon). private_key: raw key bytes, lowercase hex. secret_scalar = (LE(prune(blake512(sk)[0..32])) >> 3) mod l. public_key, signature.r8: affine [x, y] decimal. message, s: decimal. 'tamper' (negatives only): message+1 | s+1 | s+l (rejected by the S < l check) | r8+t2 (R8 plus the order-2 point (0, r-1)). No tampered case threw.",
        base8: point(Base8),
        sub_order: dec(subOrder),
        vectors: [...vectors, ...negatives]
    }
}

// ---------------------------------------------------------------------------
// identity.json
// ---------------------------------------------------------------------------

function genIdentity() {
    const rng = new Rng("identity")
    const vectors = []

    const entry = (id, extra) => {
        // Cross-check: the identity must equal the top-level eddsa-poseidon derivation
        // and the commitment must be poseidon2(public key).
        const sk = extra.private_key_utf8 !== undefined ? extra.private_key_utf8 : Buffer.from(extra.private_key, "hex")
        assert.equal(id.secretScalar, deriveSecretScalar(sk))
        assert.deepEqual(id.publicKey, derivePublicKey(sk))
        assert.equal(id.commitment, poseidonLite.poseidon2(id.publicKey))
        return {
            ...extra,
            secret_scalar: dec(id.secretScalar),
            public_key: point(id.publicKey),
            commitment: dec(id.commitment)
        }
    }

    for (let i = 0; i < 14; i += 1) {
        const sk = rng.bytes32()
        const id = new Identity(sk)
        // Uint8Array and Buffer are the same input.
        const idU8 = new Identity(new Uint8Array(sk))
        assert.equal(idU8.commitment, id.commitment)
        vectors.push(entry(id, { private_key: hex(sk) }))
    }

    // String private keys: the library uses Buffer.from(string) (UTF-8 bytes);
    // verify this against the Buffer path, and only then record the hex too.
    for (const text of ["veil-test-1", "veil-test-2 \u00e9\u20ac", "0x0102030405060708090a0b0c0d0e0f10"]) {
        const id = new Identity(text)
        const bytes = Buffer.from(text, "utf8")
        const idBytes = new Identity(bytes)
        assert.equal(id.commitment, idBytes.commitment, "string key is not its utf8 bytes")
        assert.equal(id.secretScalar, idBytes.secretScalar)
        vectors.push(entry(id, { private_key_utf8: text, private_key: hex(bytes) }))
    }

    return {
        generator: GENERATOR,
        source: source("@semaphore-protocol/identity", IDENTITY_EDDSA, "@zk-kit/eddsa-poseidon", "poseidon-lite"),
        notes:
            "Semaphore v4 Identity: new Identity(privateKey) with a Buffer (private_key = lowercase hex of the raw bytes) or a JS string (private_key_utf8; the library hashes Buffer.from(string) i.e. its UTF-8 bytes, so private_key = hex of those bytes; a '0x..' string is NOT hex-decoded). secret_scalar/public_key as in eddsa.json (BLAKE-512 variant), commitment = poseidon2([pk.x, pk.y]). Decimal strings.",
        vectors
    }
}

// ---------------------------------------------------------------------------
// lean_imt.json
// ---------------------------------------------------------------------------

async function genLeanImt() {
    const poseidon = await buildPoseidon()
    const F = poseidon.F
    const hash = (a, b) => F.toObject(poseidon([a, b]))
    // Same hash as @semaphore-protocol/group ((a, b) => poseidon2([a, b]) from poseidon-lite).
    assert.equal(hash(1n, 2n), poseidonLite.poseidon2([1n, 2n]))

    const proofJson = (p) => ({ index: p.index, leaf: dec(p.leaf), siblings: p.siblings.map(dec), root: dec(p.root) })

    const rng = new Rng("lean_imt")
    const NLEAVES = 40
    const leaves = Array.from({ length: NLEAVES }, () => rng.field())
    for (const l of leaves) assert.notEqual(l, 0n)

    const vectors = []
    const tree = new LeanIMT(hash)
    for (let n = 1; n <= NLEAVES; n += 1) {
        tree.insert(leaves[n - 1])
        const group = new Group(leaves.slice(0, n))
        assert.equal(group.root, tree.root, `Group root != LeanIMT root at size ${n}`)
        assert.equal(group.depth, tree.depth)
        const proofs = []
        for (let i = 0; i < n; i += 1) {
            const p = tree.generateProof(i)
            assert.ok(LeanIMT.verifyProof(p, hash))
            assert.deepEqual(group.generateMerkleProof(i), p)
            proofs.push(proofJson(p))
        }
        vectors.push({ size: tree.size, depth: tree.depth, root: dec(tree.root), group_root: dec(group.root), proofs })
    }

    const many = new LeanIMT(hash)
    many.insertMany(leaves)
    assert.equal(many.root, tree.root, "insertMany root != insert root")
    const chunked = new LeanIMT(hash)
    chunked.insertMany(leaves.slice(0, 13))
    chunked.insertMany(leaves.slice(13))
    assert.equal(chunked.root, tree.root, "chunked insertMany root != insert root")

    const indexOf = []
    for (const leaf of [leaves[0], leaves[17], leaves[NLEAVES - 1], rng.field()]) {
        indexOf.push({ leaf: dec(leaf), index: tree.indexOf(leaf) })
    }
    assert.equal(indexOf[indexOf.length - 1].index, -1)

    // Operations on a fresh 40-leaf tree, mirrored on a Semaphore Group
    // (Group.updateMember -> update(i, v), Group.removeMember -> update(i, 0n),
    // Group.addMember -> insert(v)).
    const opsTree = new LeanIMT(hash)
    for (const l of leaves) opsTree.insert(l)
    const opsGroup = new Group(leaves)
    const kinds = [...Array(8).fill("update"), ...Array(7).fill("remove"), ...Array(5).fill("insert")]
    // Deterministic Fisher-Yates shuffle.
    for (let i = kinds.length - 1; i > 0; i -= 1) {
        const j = rng.below(i + 1)
        ;[kinds[i], kinds[j]] = [kinds[j], kinds[i]]
    }
    const live = () => opsTree.leaves.map((l, i) => (l === 0n ? -1 : i)).filter((i) => i >= 0)
    const ops = []
    for (let k = 0; k < kinds.length; k += 1) {
        const op = kinds[k]
        const rec = { op }
        const candidates = live()
        if (op === "update") {
            // Make sure the right-most leaf (no right sibling on some levels) is exercised.
            const index = k === kinds.indexOf("update") ? candidates[candidates.length - 1] : candidates[rng.below(candidates.length)]
            const value = rng.field()
            opsTree.update(index, value)
            opsGroup.updateMember(index, value)
            rec.index = index
            rec.value = dec(value)
        } else if (op === "remove") {
            const index = k === kinds.indexOf("remove") ? candidates[candidates.length - 1] : candidates[rng.below(candidates.length)]
            opsTree.update(index, 0n)
            opsGroup.removeMember(index)
            rec.index = index
        } else {
            const value = rng.field()
            opsTree.insert(value)
            opsGroup.addMember(value)
            rec.value = dec(value)
        }
        assert.equal(opsGroup.root, opsTree.root)
        const liveNow = live()
        const j = liveNow[rng.below(liveNow.length)]
        const proof = opsTree.generateProof(j)
        assert.ok(LeanIMT.verifyProof(proof, hash))
        assert.deepEqual(opsGroup.generateMerkleProof(j), proof)
        rec.root = dec(opsTree.root)
        rec.size = opsTree.size
        rec.depth = opsTree.depth
        rec.proof_of = j
        rec.proof = proofJson(proof)
        ops.push(rec)
    }

    return {
        generator: GENERATOR,
        source: source("@zk-kit/lean-imt", "@semaphore-protocol/group", "circomlibjs", "poseidon-lite"),
        notes:
            "LeanIMT with hash(a, b) = poseidon2([a, b]) (circomlibjs; identical to @semaphore-protocol/group's poseidon-lite poseidon2). Leaves/roots/siblings: decimal strings. vectors[k]: tree of the first 'size' leaves inserted one by one with insert(); proofs[i] = generateProof(i) (index = compressed path bits, bit j = 1 iff the node is a right child at the j-th level that has a sibling; levels without sibling are omitted from 'siblings'). insert_many: insertMany(all leaves) and insertMany in chunks [13, 27]. ops start from the 40-leaf tree: update = update(index, value); remove = update(index, 0) exactly as Group.removeMember (lean-imt 2.2.5 has no remove()); insert = insert(value); proof = generateProof(proof_of) after the op. index_of is against the 40-leaf tree before ops (-1 = absent).",
        leaves: leaves.map(dec),
        vectors,
        insert_many: {
            size: many.size,
            depth: many.depth,
            root: dec(many.root),
            chunks: [13, NLEAVES - 13],
            chunked_root: dec(chunked.root)
        },
        index_of: indexOf,
        ops
    }
}

// ---------------------------------------------------------------------------
// intent.json
// ---------------------------------------------------------------------------

const INTENT_TYPE =
    "VeilIntent(address target,uint256 value,bytes data,uint256 nonce,uint64 validAfter,uint64 validUntil)"
const INTENT_TYPES = {
    VeilIntent: [
        { name: "target", type: "address" },
        { name: "value", type: "uint256" },
        { name: "data", type: "bytes" },
        { name: "nonce", type: "uint256" },
        { name: "validAfter", type: "uint64" },
        { name: "validUntil", type: "uint64" }
    ]
}
const DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
const U64_MAX = (1n << 64n) - 1n
const U256_MAX = (1n << 256n) - 1n

function genIntent() {
    assert.equal(TypedDataEncoder.from(INTENT_TYPES).encodeType("VeilIntent"), INTENT_TYPE)
    const abi = AbiCoder.defaultAbiCoder()

    const rng = new Rng("intent")
    const bytes = (n) => {
        const chunks = []
        for (let have = 0; have < n; have += 32) chunks.push(rng.bytes32())
        return hexlify(Buffer.concat(chunks).subarray(0, n))
    }
    const address = () => getAddress(hexlify(rng.bytes32().subarray(0, 20)))
    const uint256 = () => BigInt(`0x${rng.bytes32().toString("hex")}`)
    // A timestamp in [2023-11-14, 2033-05-18), and a window of up to ~30 days after it.
    const timestamp = () => 1700000000n + BigInt(rng.below(300000000))
    const window = () => {
        const validAfter = timestamp()
        return { validAfter, validUntil: validAfter + BigInt(rng.below(2592000)) }
    }
    const erc20 = new Interface(["function transfer(address to, uint256 amount)"])

    // chainId 9223372036854775771 = floor(MAX_UINT64 / 2) - 36, EIP-2294's largest chain id.
    const BIG_CHAIN = 9223372036854775771n
    const cases = [
        { label: "all zero, no expiry", chainId: 1n, target: getAddress(`0x${"00".repeat(20)}`), value: 0n, data: "0x", nonce: 0n, validAfter: 0n, validUntil: 0n },
        { label: "1 byte of data", chainId: 1n, value: 10n ** 18n, data: 1, nonce: 1n, ...window() },
        { label: "31 bytes of data", chainId: 10n, data: 31, ...window() },
        { label: "32 bytes of data", chainId: 10n, data: 32, ...window() },
        { label: "33 bytes of data", chainId: 8453n, data: 33, ...window() },
        { label: "100 bytes of data", chainId: 8453n, data: 100, ...window() },
        { label: "ERC-20 transfer calldata", chainId: 31337n, value: 0n, data: "erc20", ...window() },
        { label: "maxima: value, nonce, validAfter = validUntil = 2^64-1", chainId: 31337n, value: U256_MAX, nonce: U256_MAX, data: 0, validAfter: U64_MAX, validUntil: U64_MAX },
        { label: "EIP-2294 largest chain id, validUntil = 2^64-1", chainId: BIG_CHAIN, data: 100, validAfter: 0n, validUntil: U64_MAX },
        { label: "EIP-2294 largest chain id", chainId: BIG_CHAIN, data: 32, ...window() },
        { label: "target = account (self call)", chainId: 1n, target: "account", data: 33, ...window() },
        { label: "validAfter = validUntil (one-second window)", chainId: 10n, data: 0, validAfter: 1750000000n, validUntil: 1750000000n },
        { label: "delayed start, no expiry", chainId: 8453n, data: 1, validAfter: 1800000000n, validUntil: 0n },
        { label: "expiry only", chainId: 31337n, data: 31, validAfter: 0n, validUntil: 1900000000n }
    ]
    const chains = [1n, 10n, 8453n, 31337n, BIG_CHAIN]
    const lengths = [0, 1, 31, 32, 33, 100]
    for (let i = 0; i < 6; i += 1) {
        cases.push({ label: `random ${i}`, chainId: chains[rng.below(chains.length)], data: lengths[rng.below(lengths.length)], ...window() })
    }

    const vectors = []
    for (const c of cases) {
        const account = address()
        const target = c.target === "account" ? account : (c.target ?? address())
        const value = c.value ?? uint256()
        const nonce = c.nonce ?? uint256() >> BigInt(rng.below(256))
        let data = c.data
        if (data === "erc20") data = erc20.encodeFunctionData("transfer", [address(), uint256() >> 128n])
        else if (typeof data === "number") data = bytes(data)
        const { chainId, validAfter, validUntil } = c
        assert.ok(validUntil === 0n || validAfter <= validUntil, "the generator makes valid intents only")

        const domain = { name: "veil", version: "1", chainId, verifyingContract: account }
        const message = { target, value, data, nonce, validAfter, validUntil }
        const signingHash = TypedDataEncoder.hash(domain, INTENT_TYPES, message)
        const domainSeparator = TypedDataEncoder.hashDomain(domain)
        const structHash = TypedDataEncoder.hashStruct("VeilIntent", INTENT_TYPES, message)

        // Cross-check: EIP-712 spelled out with ABI encoding and keccak256 (as a contract does it).
        const word = (types, values) => keccak256(abi.encode(types, values))
        const manualDomain = word(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [keccak256(toUtf8Bytes(DOMAIN_TYPE)), keccak256(toUtf8Bytes("veil")), keccak256(toUtf8Bytes("1")), chainId, account]
        )
        const manualStruct = word(
            ["bytes32", "address", "uint256", "bytes32", "uint256", "uint64", "uint64"],
            [keccak256(toUtf8Bytes(INTENT_TYPE)), target, value, keccak256(data), nonce, validAfter, validUntil]
        )
        assert.equal(manualDomain, domainSeparator, "domain separator: ethers != manual encoding")
        assert.equal(manualStruct, structHash, "struct hash: ethers != manual encoding")
        assert.equal(keccak256(concat(["0x1901", manualDomain, manualStruct])), signingHash, "signing hash: ethers != manual")

        const field = BigInt(signingHash) >> 8n
        assert.ok(field < R)
        vectors.push({
            label: c.label,
            intent: {
                format: "veil-intent",
                version: 1,
                chainId: new RawNumber(chainId),
                account,
                target,
                value: dec(value),
                data,
                nonce: dec(nonce),
                validAfter: new RawNumber(validAfter),
                validUntil: new RawNumber(validUntil),
                signing_hash: signingHash,
                field: dec(field)
            },
            domain_separator: domainSeparator,
            struct_hash: structHash
        })
    }
    for (const n of lengths) assert.ok(vectors.some((v) => (v.intent.data.length - 2) / 2 === n), `no vector with ${n} bytes of data`)
    for (const id of chains) assert.ok(vectors.some((v) => v.intent.chainId.value === id), `no vector on chain ${id}`)

    return {
        generator: GENERATOR,
        source: source("ethers"),
        notes:
            "EIP-712 signing hashes of veil intents (DESIGN §2): ethers TypedDataEncoder.hash(domain, types, value), cross-checked against the encoding spelled out with AbiCoder and keccak256. Domain {name: 'veil', version: '1', chainId, verifyingContract: account}. Each 'intent' is a complete intent file as veil reads and writes it: addresses EIP-55 checksummed (ethers getAddress), value/nonce decimal strings, data 0x-prefixed lowercase hex, chainId/validAfter/validUntil JSON numbers (exact u64; some exceed 2^53), signing_hash 0x-prefixed lowercase hex (the 32-byte digest keccak256(0x1901 || domain_separator || struct_hash)), field = uint256(signing_hash) >> 8 in decimal (the digest's first 31 bytes read big-endian, < 2^248 < r). validUntil = 0 means no expiry; otherwise validAfter <= validUntil. domain_separator, struct_hash: ethers hashDomain / hashStruct, for diagnosis.",
        type: INTENT_TYPE,
        type_hash: keccak256(toUtf8Bytes(INTENT_TYPE)),
        domain_type: DOMAIN_TYPE,
        vectors
    }
}

// ---------------------------------------------------------------------------
// hd.json
// ---------------------------------------------------------------------------

// The veil identity of a secp256k1 key (approver/src/keys/derivation.rs, normative there):
//   veil private key = SHA-256(utf8("veil/identity/v1/secp256k1\0") || secp256k1 secret, 32 bytes BE)
const VEIL_IDENTITY_DOMAIN = Buffer.from("veil/identity/v1/secp256k1\0", "utf8")
const ABANDON = `${"abandon ".repeat(11)}about`
const TEST_JUNK = `${"test ".repeat(11)}junk`

function veilIdentity(secp256k1Key) {
    const key = Buffer.from(secp256k1Key.slice(2), "hex")
    assert.equal(key.length, 32)
    const privateKey = createHash("sha256").update(VEIL_IDENTITY_DOMAIN).update(key).digest()
    const id = new Identity(privateKey)
    assert.equal(id.secretScalar, deriveSecretScalar(privateKey))
    assert.deepEqual(id.publicKey, derivePublicKey(privateKey))
    assert.equal(id.commitment, poseidonLite.poseidon2(id.publicKey))
    return {
        private_key: hex(privateKey),
        secret_scalar: dec(id.secretScalar),
        public_key: point(id.publicKey),
        commitment: dec(id.commitment)
    }
}

const strip0x = (h) => (h.startsWith("0x") ? h.slice(2) : h)

function genHd() {
    const rng = new Rng("hd")

    // Sanity checks against well-known published values (BIP-39 "TREZOR" vector 1, Hardhat's
    // account #0, BIP-32 test vector 1's last key): ethers must agree before anything is written.
    assert.equal(
        Mnemonic.fromPhrase(ABANDON, "TREZOR").computeSeed(),
        "0xc55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04"
    )
    assert.equal(HDNodeWallet.fromPhrase(TEST_JUNK, "", "m/44'/60'/0'/0/0").address, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266")
    assert.equal(
        HDNodeWallet.fromSeed("0x000102030405060708090a0b0c0d0e0f").derivePath("m/0'/1/2'/2/1000000000").privateKey,
        "0x471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8"
    )

    // BIP-39: entropy -> phrase -> seed (Trezor's vectors use the patterns 00, 7f, 80, ff at
    // 16, 24 and 32 bytes with the passphrase "TREZOR"), plus seeded random entropy at every
    // length, an empty passphrase and a non-ASCII one (NFKD-normalised by both sides).
    const bip39 = []
    const mnemonicCase = (entropy, password) => {
        const m = Mnemonic.fromEntropy(entropy, password)
        assert.equal(Mnemonic.fromPhrase(m.phrase, password).computeSeed(), m.computeSeed())
        bip39.push({ entropy: hex(entropy), phrase: m.phrase, password, seed: strip0x(m.computeSeed()) })
    }
    for (const len of [16, 24, 32]) {
        for (const byte of [0x00, 0x7f, 0x80, 0xff]) mnemonicCase(Buffer.alloc(len, byte), "TREZOR")
    }
    for (const len of [16, 20, 24, 28, 32]) mnemonicCase(rng.bytes32().subarray(0, len), "TREZOR")
    mnemonicCase(Buffer.alloc(16, 0), "")
    mnemonicCase(rng.bytes32().subarray(0, 32), "p\u00e4ssw\u00f6rd \u00e9t\u00e9")
    assert.equal(bip39[0].phrase, ABANDON)
    // The Hardhat/Foundry test mnemonic.
    {
        const m = Mnemonic.fromPhrase(TEST_JUNK)
        bip39.push({ entropy: strip0x(m.entropy), phrase: m.phrase, password: "", seed: strip0x(m.computeSeed()) })
    }

    // BIP-32 test vectors 1 and 2 (seeds as in BIP-32: 00 01 .. 0f, and ff fc f9 .. 42).
    const bip32 = []
    const tv1 = Buffer.from(Array.from({ length: 16 }, (_, i) => i))
    const tv2 = Buffer.from(Array.from({ length: 64 }, (_, i) => 255 - 3 * i))
    const chains = [
        [tv1, ["m", "m/0'", "m/0'/1", "m/0'/1/2'", "m/0'/1/2'/2", "m/0'/1/2'/2/1000000000"]],
        [tv2, ["m", "m/0", "m/0/2147483647'", "m/0/2147483647'/1", "m/0/2147483647'/1/2147483646'", "m/0/2147483647'/1/2147483646'/2"]]
    ]
    for (const [seed, paths] of chains) {
        const master = HDNodeWallet.fromSeed(seed)
        for (const path of paths) {
            const node = master.derivePath(path)
            bip32.push({ seed: hex(seed), path, private_key: strip0x(node.privateKey), address: node.address })
        }
    }

    // Ethereum HD wallets (BIP-44 paths) and their veil identities.
    const vectors = []
    const paths = ["m/44'/60'/0'/0/0", "m/44'/60'/0'/0/1", "m/44'/60'/0'/0/2", "m/44'/60'/1'/0/0"]
    for (const [label, phrase, password] of [
        ["hardhat", TEST_JUNK, ""],
        ["abandon", ABANDON, ""],
        ["abandon+TREZOR", ABANDON, "TREZOR"]
    ]) {
        for (const path of paths) {
            const w = HDNodeWallet.fromPhrase(phrase, password, path)
            assert.equal(w.path, path)
            assert.equal(computeAddress(w.privateKey), w.address)
            vectors.push({
                label: `${label} ${path}`,
                phrase,
                password,
                path,
                private_key: strip0x(w.privateKey),
                address: w.address,
                veil: veilIdentity(w.privateKey)
            })
        }
    }
    const commitments = new Set(vectors.map((v) => v.veil.commitment))
    assert.equal(commitments.size, vectors.length, "two paths gave the same veil identity")

    // Ethereum keystores (Web3 Secret Storage v3) to import: one written by ethers (scrypt,
    // N = 1024 for speed; ethers spells the key "Crypto"), and one with PBKDF2-HMAC-SHA256
    // assembled here with node:crypto and ethers' keccak256, which ethers must decrypt.
    const keystores = []
    const keystoreCase = (label, json, passphrase, privateKey) => {
        const account = decryptKeystoreJsonSync(json, toUtf8Bytes(passphrase))
        assert.equal(account.privateKey, privateKey)
        keystores.push({
            label,
            json,
            passphrase,
            private_key: strip0x(privateKey),
            address: account.address,
            veil: veilIdentity(privateKey)
        })
    }
    {
        const w = HDNodeWallet.fromPhrase(TEST_JUNK, "", "m/44'/60'/0'/0/3")
        const account = { address: w.address, privateKey: w.privateKey }
        const passphrase = "veil-test-keystore"
        const json = encryptKeystoreJsonSync(account, toUtf8Bytes(passphrase), {
            scrypt: { N: 1024 },
            salt: rng.bytes32(),
            iv: rng.bytes32().subarray(0, 16),
            uuid: rng.bytes32().subarray(0, 16)
        })
        assert.ok(JSON.parse(json).Crypto, "ethers writes the key `Crypto`")
        keystoreCase("ethers scrypt N=1024", json, passphrase, w.privateKey)
    }
    {
        const w = new Wallet(hexlify(rng.bytes32()))
        const passphrase = "veil-test-pbkdf2 \u00e9"
        const salt = rng.bytes32()
        const iv = rng.bytes32().subarray(0, 16)
        const c = 4096
        const dk = pbkdf2Sync(Buffer.from(passphrase, "utf8"), salt, c, 32, "sha256")
        const cipher = createCipheriv("aes-128-ctr", dk.subarray(0, 16), iv)
        const ciphertext = Buffer.concat([cipher.update(Buffer.from(strip0x(w.privateKey), "hex")), cipher.final()])
        const json = JSON.stringify({
            address: strip0x(w.address).toLowerCase(),
            crypto: {
                cipher: "aes-128-ctr",
                cipherparams: { iv: hex(iv) },
                ciphertext: hex(ciphertext),
                kdf: "pbkdf2",
                kdfparams: { c, dklen: 32, prf: "hmac-sha256", salt: hex(salt) },
                mac: strip0x(keccak256(concat([dk.subarray(16, 32), ciphertext])))
            },
            id: uuidV4(rng.bytes32().subarray(0, 16)),
            version: 3
        })
        keystoreCase("pbkdf2 c=4096", json, passphrase, w.privateKey)
    }

    return {
        generator: GENERATOR,
        source: source("ethers", "@semaphore-protocol/identity", IDENTITY_EDDSA, "@zk-kit/eddsa-poseidon", "poseidon-lite"),
        notes:
            "Key derivation (approver/src/keys/derivation.rs). Hex: lowercase, no 0x; addresses EIP-55 (ethers). bip39: ethers Mnemonic.fromEntropy(entropy, password) -> phrase, computeSeed() = PBKDF2-HMAC-SHA512(NFKD(phrase), 'mnemonic' || NFKD(password), 2048, 64). bip32: HDNodeWallet.fromSeed(seed).derivePath(path) (BIP-32 test vectors 1 and 2). vectors: HDNodeWallet.fromPhrase(phrase, password, path) -> secp256k1 child private_key and address, and 'veil' = the veil identity of that child key: veil.private_key = SHA-256(utf8('veil/identity/v1/secp256k1\\0') || private_key bytes), then new Identity(Buffer(veil.private_key)) of @semaphore-protocol/identity (secret_scalar, public_key [x, y], commitment; decimal). keystores: 'json' is the keystore file's exact text, 'passphrase' its UTF-8 password, checked with ethers decryptKeystoreJsonSync; the ethers one comes from encryptKeystoreJsonSync (scrypt N = 1024, r = 8, p = 1), the pbkdf2 one is assembled with node:crypto (pbkdf2Sync sha256, aes-128-ctr) and ethers keccak256 for the MAC. All salts, IVs, uuids and random entropy come from the seeded generator.",
        identity_domain: hex(VEIL_IDENTITY_DOMAIN),
        bip39,
        bip32,
        vectors,
        keystores
    }
}

// ---------------------------------------------------------------------------
// semaphore.json
// ---------------------------------------------------------------------------

// The longest private key a veil key file holds (approver/src/keys/keystore.rs, MAX_KEY_LEN).
const VEIL_MAX_KEY_LEN = 1024

/** The identity as veil's key files record it, cross-checked against eddsa-poseidon 1.1.0. */
function semaphoreIdentity(id) {
    const bytes = Buffer.from(Identity.import(id.export()).privateKey)
    assert.equal(id.secretScalar, deriveSecretScalar(bytes))
    assert.deepEqual(id.publicKey, derivePublicKey(bytes))
    assert.equal(id.commitment, poseidonLite.poseidon2(id.publicKey))
    return {
        private_key: hex(bytes),
        secret_scalar: dec(id.secretScalar),
        public_key: point(id.publicKey),
        commitment: dec(id.commitment)
    }
}

function genSemaphore() {
    const rng = new Rng("semaphore")

    // new Identity() draws 32 random bytes (a Uint8Array): its export is 44 characters, one '='.
    // (A random identity is made only for these assertions; nothing of it is written.)
    {
        const fresh = new Identity()
        assert.ok(fresh.privateKey instanceof Uint8Array && fresh.privateKey.length === 32)
        assert.equal(fresh.export().length, 44)
    }

    // Identities from fixed private keys, as `new Identity(privateKey)` takes them: 32 bytes
    // (a Buffer and a Uint8Array: what new Identity() draws), and text keys, which the
    // library reads as their UTF-8 bytes and export() encodes the same way.
    const cases = []
    for (let i = 0; i < 6; i += 1) cases.push({ label: `32 bytes ${i}`, key: rng.bytes32() })
    cases.push({ label: "32 bytes (Uint8Array)", key: new Uint8Array(rng.bytes32()) })
    cases.push({ label: "24 bytes", key: rng.bytes32().subarray(0, 24) })
    cases.push({ label: "16 bytes", key: rng.bytes32().subarray(0, 16) })
    cases.push({ label: "1 byte", key: rng.bytes32().subarray(0, 1) })
    for (const text of ["veil-test-1", "veil semaphore \u00e9\u20ac \ud83d\udd11", "0x0102030405060708090a0b0c0d0e0f10"]) {
        cases.push({ label: `text ${JSON.stringify(text)}`, key: text })
    }
    cases.push({ label: `text of ${VEIL_MAX_KEY_LEN} bytes`, key: rng.bytes32().toString("hex").repeat(16) })

    const vectors = []
    for (const c of cases) {
        const id = new Identity(c.key)
        const exported = id.export()
        // export() is standard base64 (RFC 4648 §4, '=' padded) of the key's bytes ...
        const bytes = typeof c.key === "string" ? Buffer.from(c.key, "utf8") : Buffer.from(c.key)
        assert.equal(exported, bytes.toString("base64"))
        assert.match(exported, /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/)
        // ... and import() gives back the same identity, whatever the key's original type.
        const back = Identity.import(exported)
        assert.equal(back.commitment, id.commitment, `${c.label}: import(export()) is another identity`)
        assert.deepEqual(back.publicKey, id.publicKey)
        assert.ok(bytes.length >= 1 && bytes.length <= VEIL_MAX_KEY_LEN)
        const extra = typeof c.key === "string" ? { private_key_utf8: c.key } : {}
        vectors.push({ label: c.label, export: exported, ...extra, ...semaphoreIdentity(id) })
    }
    // Every shape of export: each padding, and both of the alphabet's non-alphanumeric characters.
    for (const [what, test] of [
        ["no padding", (e) => !e.endsWith("=")],
        ["'=' padding", (e) => e.endsWith("=") && !e.endsWith("==")],
        ["'==' padding", (e) => e.endsWith("==")],
        ["a '+'", (e) => e.includes("+")],
        ["a '/'", (e) => e.includes("/")]
    ]) {
        assert.ok(vectors.some((v) => test(v.export)), `no vector's export has ${what}`)
    }
    assert.equal(new Set(vectors.map((v) => v.commitment)).size, vectors.length)

    // Texts that Identity.import() also accepts (Node's base64 decoder skips what it does not
    // know and needs no padding) but that export() never writes, or keys longer than a veil
    // key file holds. veil refuses them rather than guess; semaphore_commitment is what
    // Identity.import(text) gives.
    const refused = []
    const refuse = (label, text) => {
        refused.push({ label, export: text, semaphore_commitment: dec(Identity.import(text).commitment) })
    }
    const withPlus = vectors.find((v) => v.export.includes("+") || v.export.includes("/"))
    const padded = vectors.find((v) => v.export.endsWith("="))
    const first = vectors[0].export
    refuse("empty", "")
    refuse("whitespace only", " \n")
    refuse("base64url alphabet", withPlus.export.replaceAll("+", "-").replaceAll("/", "_"))
    refuse("padding left out", padded.export.replace(/=+$/, ""))
    refuse("a line break inside", `${first.slice(0, 20)}\n${first.slice(20)}`)
    refuse("a space inside", `${first.slice(0, 20)} ${first.slice(20)}`)
    refuse("text after the padding", `${padded.export}AAAA`)
    {
        // The last character before '=' carries 2 unused bits, which export() writes as zeros.
        const e = padded.export
        const at = e.indexOf("=") - 1
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
        const nonCanonical = `${e.slice(0, at)}${alphabet[alphabet.indexOf(e[at]) | 1]}${e.slice(at + 1)}`
        assert.notEqual(nonCanonical, e)
        assert.equal(Identity.import(nonCanonical).commitment, Identity.import(e).commitment)
        refuse("unused bits set", nonCanonical)
    }
    refuse("hex private key", `0x${vectors[0].private_key}`)
    refuse(`${VEIL_MAX_KEY_LEN + 1} bytes`, new Identity(Buffer.concat([rng.bytes32(), Buffer.alloc(VEIL_MAX_KEY_LEN - 31, 7)])).export())

    return {
        generator: GENERATOR,
        source: source("@semaphore-protocol/identity", IDENTITY_EDDSA, "@zk-kit/eddsa-poseidon", "poseidon-lite"),
        notes:
            "Semaphore v4 identity exports, as `veil key new --from-semaphore FILE` imports them. export: Identity.export() of new Identity(key), i.e. standard base64 (alphabet A-Z a-z 0-9 + /, '=' padding, unused bits zero) of the private key's bytes: a Buffer or Uint8Array key as is, a text key (private_key_utf8) as its UTF-8 bytes; Identity.import(export) gives back the same identity. private_key: lowercase hex of those bytes (1 to 1024 of them: new Identity() draws 32). secret_scalar, public_key [x, y], commitment: decimal, of the Identity, cross-checked against @zk-kit/eddsa-poseidon 1.1.0 and poseidon-lite poseidon2. refused: texts that Identity.import() also reads (Node's lenient base64) but export() never writes, and a key longer than a veil key file holds; veil refuses each, and semaphore_commitment is what Identity.import(text) gives. Random keys come from the seeded generator.",
        vectors,
        refused
    }
}

// ---------------------------------------------------------------------------
// Main.
// ---------------------------------------------------------------------------

async function main() {
    const args = process.argv.slice(2)
    const check = args.includes("--check")
    for (const a of args) if (a !== "--check") throw new Error(`unknown argument ${a}`)

    const files = {
        "poseidon.json": await genPoseidon(),
        "eddsa.json": await genEddsa(),
        "identity.json": genIdentity(),
        "lean_imt.json": await genLeanImt(),
        "intent.json": genIntent(),
        "hd.json": genHd(),
        "semaphore.json": genSemaphore()
    }

    let differ = 0
    if (!check) mkdirSync(OUT_DIR, { recursive: true })
    for (const [name, obj] of Object.entries(files)) {
        const path = join(OUT_DIR, name)
        const text = toJson(obj)
        const rel = relative(REPO_ROOT, path)
        if (check) {
            if (!existsSync(path)) {
                console.error(`MISSING: ${rel}`)
                differ += 1
            } else if (!readFileSync(path).equals(Buffer.from(text, "utf8"))) {
                console.error(`DIFFERS: ${rel} (run: node scripts/gen-vectors.mjs)`)
                differ += 1
            } else {
                console.log(`ok: ${rel}`)
            }
        } else {
            writeFileSync(path, text)
            console.log(`wrote ${rel} (${Buffer.byteLength(text)} bytes, ${obj.vectors.length} vectors)`)
        }
    }
    return differ === 0 ? 0 : 1
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err)
        process.exit(2)
    }
)
