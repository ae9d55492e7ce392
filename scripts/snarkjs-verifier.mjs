// Renders snarkjs's own Solidity verifier for a verification key, as
// `snarkjs zkey export solidityverifier` does (ejs over snarkjs's template), so veil can
// measure it side by side with its own verifier. The template is GPL-3.0 and stays in
// node_modules: veil never copies or commits its output.
// Usage: node scripts/snarkjs-verifier.mjs verification_key.json > Groth16Verifier.sol
// SPDX-License-Identifier: MIT OR Apache-2.0
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const ejs = require("ejs");
const here = dirname(new URL(import.meta.url).pathname);
const snarkjsDir = join(here, "node_modules", "snarkjs");
const template = readFileSync(join(snarkjsDir, "templates", "verifier_groth16.sol.ejs"), "utf8");
const vk = JSON.parse(readFileSync(process.argv[2], "utf8"));
process.stdout.write(ejs.render(template, vk));
