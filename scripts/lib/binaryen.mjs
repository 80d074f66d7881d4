// Binaryen's command-line tools (npm binaryen, on PATH from node_modules/.bin) as the release build's scripts use
// them: the features they accept, and the trip through the text form and back (wasm-dis, wasm-as).
import { execFileSync } from "node:child_process";
import { writeFileSync, unlinkSync } from "node:fs";

/** The features every tool is told the .wasm may use. */
export const features = ["--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext",
  "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue"];

/** The text form of `wasm` (a path). */
export function disassemble(wasm) {
  return execFileSync("wasm-dis", [wasm, ...features], { encoding: "utf8", maxBuffer: 1 << 28 });
}

/** Writes `text` (the text form) as the binary `wasm` (a path). */
export function assemble(text, wasm) {
  const wat = `${wasm}.wat`;
  writeFileSync(wat, text);
  try {
    execFileSync("wasm-as", [wat, "-o", wasm, ...features]);
  } finally {
    unlinkSync(wat);
  }
}

/** Runs wasm-opt on `wasm` in place with `args`; returns what it printed. */
export function optimize(wasm, args) {
  return execFileSync("wasm-opt", [wasm, ...args, "-o", wasm, ...features], { encoding: "utf8" });
}
