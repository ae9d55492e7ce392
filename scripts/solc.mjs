// Compiles Solidity with the pinned npm package `solc` (solcjs): standard JSON on stdin,
// standard JSON on stdout. `solcjs --standard-json` prints a banner line before its JSON, so
// veil calls the compiler through this script instead (NOTES: Solidity and the EVM).
// SPDX-License-Identifier: MIT OR Apache-2.0
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");

if (process.argv.includes("--version")) {
  process.stdout.write(solc.version() + "\n");
  process.exit(0);
}
// Imports of installed packages (`@openzeppelin/contracts/…`, `@account-abstraction/contracts/…`)
// resolve to this folder's node_modules, pinned by package-lock.json; nothing else is read.
const modules = join(dirname(fileURLToPath(import.meta.url)), "node_modules");
function findImports(path) {
  const file = normalize(join(modules, path));
  if (!path.startsWith("@") || !file.startsWith(modules + "/")) {
    return { error: `import ${path}: only installed packages (@scope/package/...) resolve` };
  }
  try {
    return { contents: readFileSync(file, "utf8") };
  } catch (e) {
    return { error: `import ${path}: ${e.message}` };
  }
}
const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
