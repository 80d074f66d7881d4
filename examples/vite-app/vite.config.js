import { defineConfig } from "vite";
import wasm from "vite-plugin-wasm";

// spa-auth's main entry is wasm-pack's "bundler" build: it imports its .wasm file as an ES module
// (WebAssembly ESM integration). vite-plugin-wasm teaches Vite that import. Its output uses top-level
// await, which every browser of Vite 7's default target supports; "es2022" says so explicitly, so no
// vite-plugin-top-level-await is needed.
export default defineConfig({
  plugins: [wasm()],
  build: { target: "es2022" },
  // The dev server's dependency pre-bundling (esbuild) does not understand the .wasm import: let the
  // package through untouched.
  optimizeDeps: { exclude: ["spa-auth"] },
});
