// Takes out of wasm-bindgen's glue what no page of this package can reach (release builds; README "Size history"):
//   - `Symbol.dispose` aliases of `free` on the core's classes, which the package never exports (the driver wraps
//     them and frees them itself);
//   - the `TextEncoder.encodeInto` fallback and the `FinalizationRegistry` stand-ins: every browser that runs the
//     driver (private methods, `WeakRef`) has both;
//   - `passStringToWasm0`'s branch for a call without `realloc`, which no call makes (checked below);
//   - the module and instance kept in variables nothing reads.
//
//   node scripts/lib/trim-glue.mjs FILE
//
// Every edit must match exactly as often as expected, or the build fails: a new wasm-bindgen is then looked at again
// rather than trimmed blindly.
import { readFileSync, writeFileSync } from "node:fs";

const [file] = process.argv.slice(2);
let glue = readFileSync(file, "utf8");

/** Replaces `pattern` (a string or a global RegExp) by `by`, expecting `count` matches (`"some"`: one or more). */
function cut(what, pattern, by, count) {
  const found = typeof pattern === "string" ? glue.split(pattern).length - 1 : (glue.match(pattern) ?? []).length;
  if (count === "some" ? found === 0 : found !== count) {
    throw new Error(`trim-glue: ${what}: ${found} matches in ${file}, expected ${count}`);
  }
  glue = typeof pattern === "string" ? glue.split(pattern).join(by) : glue.replace(pattern, by);
}

cut("Symbol.dispose aliases", /^if \(Symbol\.dispose\) \w+\.prototype\[Symbol\.dispose\] = \w+\.prototype\.free;\n/gm, "", "some");
cut("encodeInto fallback", /^if \(!\('encodeInto' in cachedTextEncoder\)\) \{\n[\s\S]*?\n\}\n/gm, "", 1);
cut("FinalizationRegistry stand-ins",
  /\(typeof FinalizationRegistry === 'undefined'\)\n\s*\? \{ register: \(\) => \{\}, unregister: \(\) => \{\} \}\n\s*: /g, "", "some");
const twoArguments = glue.match(/passStringToWasm0\([^,()]+, [^,()]+\)/g) ?? [];
if (twoArguments.length) throw new Error(`trim-glue: passStringToWasm0 called without realloc: ${twoArguments[0]}`);
cut("passStringToWasm0 without realloc", /^    if \(realloc === undefined\) \{\n[\s\S]*?\n    \}\n/gm, "", 1);
if (glue.includes("wasmModule, wasmInstance")) {
  cut("unread module and instance", "let wasmModule, wasmInstance, wasm;", "let wasm;", 1);
  cut("unread instance", /^\s*wasmInstance = instance;\n/gm, "", 1);
  cut("unread module", /^\s*wasmModule = module;\n/gm, "", 1);
}
writeFileSync(file, glue);
