// Empties the .wasm's function-table entries that only JavaScript could call, when JavaScript cannot reach the
// table (release builds, before wasm-opt; README "Size history": -398 B gzip, bundler build; the JSPI waker -124 B).
//
//   node scripts/lib/closed-table.mjs WASM
//
// WASM is wasm-bindgen's output, with its name section. wasm-bindgen's closure invokers
// (`wasm_bindgen::convert::closures::…::invoke`) exist so that the glue can call a Rust closure through the table.
// js-sys's imports declare about 40 of them (typed arrays, promises), and their addresses put them in the table,
// where wasm-opt must keep them and everything they call. The npm build passes no closure to JavaScript, and its
// table is not exported, so nothing can call them: each becomes one function that traps. The build fails if the
// table is exported or imported (then the glue could call them).
import { assemble, disassemble } from "./binaryen.mjs";

const [wasm] = process.argv.slice(2);
const text = disassemble(wasm);
if (/^ \((?:export "[^"]*" \(table|import "[^"]*" "[^"]*" \(table)/m.test(text)) {
  throw new Error("closed-table: the function table is shared with JavaScript; its entries must stay");
}
const segments = text.match(/^ \(elem .*$/gm) ?? [];
if (segments.length !== 1) throw new Error(`closed-table: expected one element segment, found ${segments.length}`);
// js-sys's JSPI task waker is in the table too (its vtable is static data); only a task spawned through
// js-sys's futures can make a waker of it, and the npm build spawns none: its own functions are the only ones of
// `js_sys::futures` in the module. When anything else of `js_sys::futures` is there, the waker stays.
const futures = text.match(/^ \(func \$"[^"]*js_sys\[[0-9a-f]+\]::futures::[^"]*"/gm) ?? [];
const spawns = futures.filter((f) => !/task_waker::raw_|jspi::SpawnedTask|__wbindgen_jspi_spawn_poll/.test(f));
const closures = String.raw`wasm_bindgen\[[0-9a-f]+\]::convert::closures::[^"]*invoke`;
const waker = String.raw`js_sys\[[0-9a-f]+\]::futures::jspi::task_waker::raw_`;
const invoker = new RegExp(String.raw`\$"(?:${spawns.length === 0 ? `${closures}|${waker}` : closures})[^"]*"`, "g");
const found = segments[0].match(invoker)?.length ?? 0;
if (found === 0 && !/\$"/.test(segments[0])) throw new Error("closed-table: the .wasm has no function names");
const trap = "$spa_auth_closed_table_entry";
const rewritten = text
  .replace(segments[0], segments[0].replace(invoker, trap))
  .replace(/^ \(elem /m, ` (func ${trap} (unreachable))\n (elem `);
assemble(rewritten, wasm);
console.log(`closed-table: ${found} closure invokers and wakers taken out of the table of ${wasm}`);
