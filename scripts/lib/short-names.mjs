// Gives the wasm's imports and exports one- and two-letter names and renames them in wasm-bindgen's glue to match
// (release builds; README "Size history": the glue's 50-odd `__wbg_<name>_<hash>` imports and the exports' names
// were written twice, in the .wasm and in the JS, and the hashes do not compress).
//
//   node scripts/lib/short-names.mjs DIR [web]
//
// DIR is a wasm-pack output folder (`--out-name spa_auth_core`). Binaryen's `--minify-imports-and-exports-and-modules`
// renames inside the .wasm and prints the map. The bundler build's import module ("./spa_auth_core_bg.js") keeps
// its name, which bundlers resolve; the web build's is only a key of the imports object its glue passes to
// `WebAssembly.instantiate`, so it becomes "a" there too (`web`). Every import must be found in the glue and the glue
// may read no export the .wasm lacks, or the build fails.
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { assemble, disassemble, optimize } from "./binaryen.mjs";

const [dir, target] = process.argv.slice(2);
const wasm = join(dir, "spa_auth_core_bg.wasm");
const out = optimize(wasm, ["--minify-imports-and-exports-and-modules"]);
const map = JSON.parse(out.slice(out.indexOf("{")));
// Binaryen names every import module "a".
const modules = new Set(map.imports.map(([module]) => module));
if (modules.size !== 1) throw new Error(`short-names: expected one import module, found ${[...modules].join(", ")}`);
const [module] = modules;
const glue = ["spa_auth_core.js", "spa_auth_core_bg.js"].map((f) => join(dir, f)).filter(existsSync);
const types = ["spa_auth_core.d.ts", "spa_auth_core_bg.wasm.d.ts"].map((f) => join(dir, f)).filter(existsSync);
const texts = new Map([...glue, ...types].map((f) => [f, readFileSync(f, "utf8")]));

const key = `${JSON.stringify(module)}: import0,`;
if (target === "web" && rename(key, "a: import0,", glue) !== 1) {
  throw new Error(`short-names: the glue's imports object has no key ${module}`);
}
// Through Binaryen's text form and back (wasm-dis, wasm-as), with the bundler build's module name put back. Both
// builds take the trip: the module wasm-as writes compresses 103 B smaller than the minifying pass's own output
// (web build, gzip -9, 2026-12-01).
const text = disassemble(wasm);
const imports = text.match(/^ \(import "a" /gm)?.length ?? 0;
if (imports !== map.imports.length) throw new Error(`short-names: ${imports} of ${map.imports.length} imports found`);
const name = target === "web" ? "a" : module;
assemble(text.replace(/^ \(import "a" /gm, ` (import ${JSON.stringify(name)} `), wasm);

// A new import name must not be a name the glue declares (the bundler build exports imports as top-level functions).
const declared = new Set([...glue].flatMap((f) =>
  [...texts.get(f).matchAll(/^(?:export )?(?:async )?(?:function\*?|const|let|var|class) ([\w$]+)/gm)].map((m) => m[1])));
for (const [, , to] of map.imports) {
  if (declared.has(to)) throw new Error(`short-names: the new import name ${to} is already declared in the glue`);
}

const escape = (s) => s.replace(/[$]/g, "\\$&");
/** Replaces `pattern` by `to` in `files`; the name must occur at least once. */
function rename(pattern, to, files) {
  let found = 0;
  for (const f of files) texts.set(f, texts.get(f).replace(pattern, () => (found++, to)));
  return found;
}

// Imports: `__wbg_<name>_<hash>` and `__wbindgen_<name>` are unique words of the glue (a key of the imports object
// in the web build, an exported function in the bundler build) and its types.
for (const [, from, to] of map.imports) {
  const found = rename(new RegExp(`(?<![\\w$])${escape(from)}(?![\\w$])`, "g"), to, [...glue, ...types]);
  if (found === 0) throw new Error(`short-names: the import ${from} is not in the glue`);
}
const unused = []; // exports the glue never reads (e.g. the abort handler of the immediate-abort std)
// Exports: read as `wasm.<name>` in the glue, declared as `readonly <name>:` (InitOutput) or `export const <name>:`.
for (const [from, to] of map.exports) {
  if (rename(new RegExp(`(?<=\\bwasm\\.)${escape(from)}(?![\\w$])`, "g"), to, glue) === 0) unused.push(from);
  const declared = new RegExp(`(?<=^\\s*(?:readonly|export const) )${escape(from)}(?=:)`, "gm");
  for (const f of types) texts.set(f, texts.get(f).replace(declared, to));
}

const renamed = new Set(map.exports.map(([, to]) => to));
for (const f of glue) {
  for (const [, name] of texts.get(f).matchAll(/\bwasm\.([\w$]+)/g)) {
    if (!renamed.has(name)) throw new Error(`short-names: ${f} reads wasm.${name}, which the .wasm does not export`);
  }
}
for (const [f, text] of texts) writeFileSync(f, text);
console.log(`short-names: ${map.imports.length} imports, ${map.exports.length} exports renamed in ${dir}`
  + (unused.length ? ` (not read by the glue: ${unused.join(", ")})` : ""));
