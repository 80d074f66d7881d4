// TypeScript users of the packed package (tests/types/): a consumer that uses every option and result
// of the public contract must pass `tsc --noEmit --strict` under each module resolution, and a file of
// typical mistakes (a wrong option name such as `redirectUrl`, a wrong value type, …) must fail, with
// exactly the errors marked in it. Also: no `any` in the declarations users see.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { before, test } from 'node:test';

import { formatTimings, runSetup } from '../support/adoption.mjs';
import { REPO_ROOT } from '../support/static.mjs';

const TYPES_DIR = path.join(REPO_ROOT, 'tests', 'types');
const TSC = path.join(TYPES_DIR, 'node_modules', '.bin', 'tsc');

const PROJECTS = [
  ['tsconfig.json', 'moduleResolution bundler, skipLibCheck false'],
  ['tsconfig.nodenext.json', 'moduleResolution nodenext'],
  ['tsconfig.node10.json', 'moduleResolution node10 (typesVersions for spa-auth/web)'],
  ['tsconfig.vite-defaults.json', "Vite's template settings (lib ES2022 + DOM, skipLibCheck)"],
  ['tsconfig.wrong.json', 'the mistakes'],
];

let timings;
/** project -> Promise of its tsc result; all started at once (tsc is mostly single-threaded). */
const runs = new Map();
before(async () => {
  timings = await runSetup('tests/types/setup.sh');
  for (const [project] of PROJECTS) {
    const started = performance.now();
    runs.set(project, tsc(project).then((r) => ({ ...r, seconds: (performance.now() - started) / 1000 })));
  }
});

/** Run tsc on a tsconfig in tests/types; resolve with { code, errors: [{ file, line, code, text }] }. */
function tsc(project) {
  return new Promise((resolve) => {
    execFile(TSC, ['-p', project, '--pretty', 'false'], { cwd: TYPES_DIR, timeout: 120_000 }, (err, stdout) => {
      const errors = [...stdout.matchAll(/^(\S+?)\((\d+),\d+\): error (TS\d+): (.*)$/gm)]
        .map(([, file, line, code, text]) => ({ file, line: Number(line), code, text }));
      resolve({ code: err ? (err.code ?? 1) : 0, output: stdout, errors });
    });
  });
}

for (const [project, what] of PROJECTS.filter(([p]) => p !== 'tsconfig.wrong.json')) {
  test(`types: consumer.ts passes tsc --strict (${what})`, async (t) => {
    if (project === 'tsconfig.json') t.diagnostic(`set-up: ${formatTimings(timings)}`);
    const result = await runs.get(project);
    t.diagnostic(`tsc -p ${project}: ${result.seconds.toFixed(2)} s (run in parallel)`);
    assert.equal(result.code, 0, `tsc -p ${project} failed:\n${result.output}`);
  });
}

test('types: wrong.ts fails tsc with exactly the marked errors (wrong option names and value types)', async () => {
  const source = await fs.readFile(path.join(TYPES_DIR, 'wrong.ts'), 'utf8');
  const expected = source.split('\n').flatMap((text, i) => {
    const m = /\/\/ error (TS\d+)\s*$/.exec(text);
    return m ? [`${i + 1} ${m[1]}`] : [];
  });
  assert.ok(expected.length >= 10, 'wrong.ts marks its mistakes');
  assert.ok(source.includes('redirectUrl'), 'wrong.ts has the redirectUrl mistake');

  const result = await runs.get('tsconfig.wrong.json');
  assert.notEqual(result.code, 0, 'tsc must fail on wrong.ts');
  const actual = result.errors.filter((e) => e.file === 'wrong.ts').map((e) => `${e.line} ${e.code}`);
  assert.deepEqual(actual, expected, `the errors tsc reported:\n${result.output}`);
  assert.deepEqual(result.errors.filter((e) => e.file !== 'wrong.ts'), [], 'no errors elsewhere');
  const redirect = result.errors.find((e) => e.text.includes("'redirectUrl'"));
  assert.match(redirect.text, /Did you mean to write 'redirectUri'\?/);
});

test('types: no `any` in the declarations of options, results and classes', async () => {
  for (const build of ['bundler', 'web']) {
    const dts = await fs.readFile(path.join(TYPES_DIR, 'node_modules', 'spa-auth', build, 'spa_auth.d.ts'), 'utf8');
    // The web build's InitOutput lists the raw wasm exports (wasm-bindgen internals): not user-facing.
    const userFacing = dts.replace(/export interface InitOutput \{[\s\S]*?\n\}/, '');
    const anys = userFacing.split('\n').filter((l) => /\bany\b/.test(l.replace(/\/\*[\s\S]*?\*\/|\/\/.*$|\*.*$/g, '')));
    assert.deepEqual(anys, [], `${build}/spa_auth.d.ts uses any`);
  }
});

test('server-side rendering: Node imports the packed spa-auth (its "node" condition), and a client made there says why it cannot be', async () => {
  // What Next.js, Nuxt, SvelteKit and Astro do on the server, and Vitest in Node: import the package.
  const script = `
    const m = await import('spa-auth');
    const web = await import('spa-auth/web');
    let thrown;
    try { new m.AuthClient({ issuer: 'https://id.example.com', clientId: 'c', redirectUri: 'https://app.example/' }); }
    catch (e) { thrown = { isAuthError: e instanceof m.AuthError, code: e.code, message: e.message }; }
    const pkce = await m.createPkcePair().then(() => 'resolved', (e) => (e instanceof m.AuthError ? e.code : String(e)));
    console.log(JSON.stringify({ exports: typeof m.AuthClient + ' ' + typeof web.default, thrown, pkce }));`;
  const out = await new Promise((resolve, reject) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: TYPES_DIR, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`node could not import spa-auth: ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1)));
    });
  });
  assert.equal(out.exports, 'function function');
  assert.equal(out.thrown?.isAuthError, true, JSON.stringify(out));
  assert.equal(out.thrown.code, 'invalid_config');
  assert.match(out.thrown.message, /init\(\)/);
  assert.equal(out.pkce, 'invalid_config', 'createPkcePair rejects the same way');
});
