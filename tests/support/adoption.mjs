// Helpers for the adoption tests (tests/e2e/adoption-*.test.mjs): run an example's set-up script the
// way a new user would, and collect the "timing: <step> <seconds> s" lines it prints.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';

import { after, before } from 'node:test';

import { launchBrowser, onLoginForm, signIn } from './browser.mjs';
import { startStack } from './stack.mjs';
import { REPO_ROOT } from './static.mjs';
import { waitReady } from './world.mjs';

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

/**
 * An example's world for one test file: the stack serving `wwwDir` at `/`, the example's set-up script (run
 * after the stack starts, with `env(stack)` added to its environment), and a browser; all closed afterwards.
 * @param {{ wwwDir: string, setup: string, env?: (stack: object) => Record<string,string>, stack?: object }} o
 *   `stack`: more options of startStack (`dpop`, …)
 */
export function useExample({ wwwDir, setup, env = () => ({}), stack = {} }) {
  const world = {};
  before(async () => {
    world.stack = await startStack({ ...stack, wwwDir });
    world.timings = await runSetup(setup, env(world.stack));
    world.browser = await launchBrowser();
  });
  after(async () => {
    await world.browser?.close();
    await world.stack?.close();
  });
  return world;
}

/** Click the example's #login, sign in (and consent) at the provider, and wait for the logged-in state. */
export async function logInThroughExample(page, stack, login) {
  await page.click('#login');
  await page.waitForURL((u) => u.origin === stack.provider.issuer);
  if (!(await onLoginForm(page))) throw new Error(`expected the provider's login form at ${page.url()}`);
  await signIn(page, stack.www.origin, { login });
  await waitReady(page);
  await page.locator('#status[data-state="in"]').waitFor();
}

/**
 * In a logged-in example: "Call the API" reaches the protected API with a Bearer token and shows `sub`; "Log out"
 * goes through the provider's confirmation and back, logged out, with no token set or login left in sessionStorage
 * (only the cached discovery document may stay).
 */
export async function callApiAndLogOut(page, stack, sub) {
  const { api, www } = stack;
  api.resetRequests();
  await page.click('#call-api');
  await page.locator('#api-result[data-status]').waitFor();
  assert.equal(await page.locator('#api-result').getAttribute('data-status'), '200');
  assert.match(await page.locator('#api-result').textContent(), new RegExp(`"sub":"${sub}"`));
  assert.match(api.requests[0].authorization, /^Bearer \S+$/);

  await page.click('#logout');
  await page.getByRole('button', { name: 'Yes, sign me out' }).click();
  await page.waitForURL((u) => u.origin === www.origin);
  await waitReady(page);
  assert.equal(await page.locator('#status').getAttribute('data-state'), 'out');
  const left = await page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('spa-auth:')));
  // The discovery cache and when this tab last logged out (so tabs tell old sessions from new) stay.
  assert.deepEqual(left.filter((k) => !k.endsWith(':discovery') && !k.endsWith(':logged-out-at')), [],
    'no token set or login left after logout');
}
