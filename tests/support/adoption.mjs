// Helpers for the adoption tests (tests/e2e/adoption-*.test.mjs): run an example's set-up script the
// way a new user would, and collect the "timing: <step> <seconds> s" lines it prints.
import { execFile } from 'node:child_process';
import path from 'node:path';

import { REPO_ROOT } from './static.mjs';

export const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/**
 * Run `bash <script>` (relative to the repo root) and resolve with its timings in seconds.
 * Rejects with the script's output when it fails.
 * @param {string} script
 * @param {Record<string,string>} [env] added to the environment
 * @returns {Promise<Record<string, number>>}
 */
export function runSetup(script, env = {}) {
  return new Promise((resolve, reject) => {
    execFile('bash', [path.join(REPO_ROOT, script)], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      timeout: 300_000,
      maxBuffer: 16 * 1024 * 1024,
    }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${script} failed (${err.code ?? err.signal}):\n${stdout}\n${stderr}`));
        return;
      }
      const timings = {};
      for (const m of stderr.matchAll(/^timing: (\S+) ([\d.]+) s$/gm)) timings[m[1]] = Number(m[2]);
      resolve(timings);
    });
  });
}

/** "npm-install 4.24 s, vite-build 1.52 s" */
export function formatTimings(timings) {
  return Object.entries(timings).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ');
}
