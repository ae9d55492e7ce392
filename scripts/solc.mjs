// Compiles Solidity with the pinned npm package `solc` (solcjs): standard JSON on stdin,
// standard JSON on stdout. `solcjs --standard-json` prints a banner line before its JSON, so
// veil calls the compiler through this script instead (NOTES: Solidity and the EVM).
// SPDX-License-Identifier: MIT OR Apache-2.0
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";

const require = createRequire(import.meta.url);
const solc = require("solc");

if (process.argv.includes("--version")) {
  process.stdout.write(solc.version() + "\n");
  process.exit(0);
}
const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input));
