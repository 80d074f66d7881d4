#!/usr/bin/env node
// spa-auth measured side by side with the libraries users would pick instead: oidc-client-ts, auth0-spa-js,
// oauth4webapi and keycloak-js. One headless Chromium, one local oidc-provider (tests/support/provider.mjs) with a
// client per library, one static server on 127.0.0.1 (bench/pages/ at /, the libraries' bundles at /lib/, a
// snapshot of pkg/ at /pkg/); every other host is unresolvable in the browser.
//
//   node bench/run.mjs            (installs bench/package.json's dependencies into bench/node_modules when needed)
//
// Prints one table (each figure and its ratio to spa-auth) and writes the same as JSON to bench/results/latest.json.
// A measurement, not a test: it never fails on figures; a library that cannot do a task gets "n/a" and a note.
// Figures:
//   1. bytes shipped, gzip -9 (zlib level 9), per file, summed
//   2. time to a usable client in a fresh page: performance.now() when the client object exists (module load, wasm
//      instantiation, construction), a new browser context each time, median of RUNS
//   3. cached access-token calls per second in the page after a real login (keycloak-js: pre-seeded, see notes)
//   4. PKCE pairs per second
//   5. callback page: from the first byte of the ?code= document to the access token in hand, median of RUNS
//      (the provider session stays signed in and consented, so each authorize redirects straight back; a new tab
//      each run, so no tokens, transactions or cached discovery in sessionStorage)
//   6. HTTP requests one login makes to the provider (fetch/xhr, CORS preflights, navigations), seen through CDP
//   7. 2. and 5. again in a Chromium no DevTools client watches (bench/bare.mjs), without Playwright's per-request cost
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

import { bareReporter, launchBare } from './bare.mjs';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const REPO_ROOT = path.resolve(BENCH_DIR, '..');
const PKG_WEB = path.join(path.resolve(process.env.SPA_AUTH_PKG_DIR ?? path.join(REPO_ROOT, 'pkg')), 'web');
const WORK_DIR = path.join(BENCH_DIR, 'node_modules', '.spa-auth-bench'); // git-ignored with node_modules
const LIB_DIR = path.join(WORK_DIR, 'lib');
const PKG_SNAPSHOT = path.join(WORK_DIR, 'pkg');
const RESULTS = path.join(BENCH_DIR, 'results', 'latest.json');
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const RATE = { warmupMs: 300, windowMs: 400, windows: 5 };
const SCOPE = 'openid profile email offline_access';
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic',
  // Every host but 127.0.0.1 is unresolvable (no request interception, so no interception overhead).
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];
const LIBS = ['spa-auth', 'oidc-client-ts', 'auth0-spa-js', 'oauth4webapi', 'keycloak-js'];
const started = Date.now();
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(1)} s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------------------------
// Set-up: dependencies, bundles, a snapshot of the web build.

function ensureBenchDeps() {
  const pkg = JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'package.json'), 'utf8'));
  const missing = Object.entries(pkg.dependencies).filter(([name, version]) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(BENCH_DIR, 'node_modules', name, 'package.json'), 'utf8')).version !== version;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  log(`npm install in bench/ (${missing.map(([n, v]) => `${n}@${v}`).join(', ')})`);
  const r = spawnSync('npm', ['install', '--no-audit', '--no-fund'], { cwd: BENCH_DIR, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('npm install in bench/ failed');
}

function ensureRootDeps() {
  for (const dep of ['oidc-provider', 'playwright-core']) {
    if (!fs.existsSync(path.join(REPO_ROOT, 'node_modules', dep, 'package.json'))) {
      throw new Error(`${dep} is missing from the repository's node_modules: run npm install at the repository root`);
    }
  }
}

/** Wait (up to 3 minutes) for the lead's web build, then copy it, so a rebuild during the run changes nothing. */
async function snapshotWebBuild() {
  const needed = ['spa_auth.js', 'spa_auth_bg.wasm'].map((f) => path.join(PKG_WEB, f));
  for (let waited = 0; ; waited += 10) {
    if (needed.every((f) => fs.existsSync(f))) {
      await new Promise((r) => { setTimeout(r, 1000); }); // let a build that just finished settle
      try {
        fs.rmSync(PKG_SNAPSHOT, { recursive: true, force: true });
        fs.cpSync(PKG_WEB, path.join(PKG_SNAPSHOT, 'web'), { recursive: true });
        if (needed.every((f) => fs.existsSync(path.join(PKG_SNAPSHOT, 'web', path.basename(f))))) break;
      } catch { /* deleted while copying: a rebuild started; wait for it */ }
    }
    if (waited >= 180) throw new Error(`the web build is missing (${needed.join(', ')}): build the library first`);
    log('pkg/web is missing (being rebuilt?); waiting 10 s');
    await new Promise((r) => { setTimeout(r, 10_000); });
  }
  const wasm = fs.readFileSync(path.join(PKG_SNAPSHOT, 'web', 'spa_auth_bg.wasm'));
  return {
    wasmSha256: crypto.createHash('sha256').update(wasm).digest('hex').slice(0, 16),
    builtAt: fs.statSync(path.join(PKG_WEB, 'spa_auth_bg.wasm')).mtime.toISOString(),
  };
}

function filesUnder(dir, keep) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
}

async function buildBundles() {
  const esbuild = (await import(path.join(BENCH_DIR, 'node_modules', 'esbuild', 'lib', 'main.js'))).default;
  fs.rmSync(LIB_DIR, { recursive: true, force: true });
  fs.mkdirSync(LIB_DIR, { recursive: true });
  const nm = (...p) => path.join(BENCH_DIR, 'node_modules', ...p);
  fs.copyFileSync(nm('oidc-client-ts', 'dist', 'browser', 'oidc-client-ts.min.js'), path.join(LIB_DIR, 'oidc-client-ts.min.js'));
  fs.copyFileSync(nm('@auth0', 'auth0-spa-js', 'dist', 'auth0-spa-js.production.esm.js'), path.join(LIB_DIR, 'auth0-spa-js.production.esm.js'));
  for (const [name, entry] of [['oauth4webapi', nm('oauth4webapi', 'build', 'index.js')], ['keycloak-js', nm('keycloak-js', 'lib', 'keycloak.js')]]) {
    await esbuild.build({
      entryPoints: [entry], outfile: path.join(LIB_DIR, `${name}.js`), bundle: true, minify: true, format: 'esm',
      platform: 'browser', target: 'es2022', legalComments: 'none', logLevel: 'warning',
    });
  }
  const version = (name) => JSON.parse(fs.readFileSync(nm(name, 'package.json'), 'utf8')).version;
  return {
    versions: {
      'oidc-client-ts': version('oidc-client-ts'),
      'auth0-spa-js': version('@auth0/auth0-spa-js'),
      oauth4webapi: version('oauth4webapi'),
      'keycloak-js': version('keycloak-js'),
      esbuild: version('esbuild'),
    },
    files: {
      'spa-auth': filesUnder(path.join(PKG_SNAPSHOT, 'web'), (n) => n.endsWith('.wasm') || (n.endsWith('.js') && !n.endsWith('.d.ts'))),
      'oidc-client-ts': [path.join(LIB_DIR, 'oidc-client-ts.min.js')],
      'auth0-spa-js': [path.join(LIB_DIR, 'auth0-spa-js.production.esm.js')],
      oauth4webapi: [path.join(LIB_DIR, 'oauth4webapi.js')],
      'keycloak-js': [path.join(LIB_DIR, 'keycloak-js.js')],
    },
  };
}

function gzipSizes(files, base) {
  const perFile = {};
  let raw = 0;
  let gz = 0;
  for (const f of files) {
    const buf = fs.readFileSync(f);
    const size = zlib.gzipSync(buf, { level: 9 }).length;
    perFile[path.relative(base, f)] = { raw: buf.length, gzip9: size };
    raw += buf.length;
    gz += size;
  }
  return { gzip9: gz, raw, files: perFile };
}

// ---------------------------------------------------------------------------------------------------------------
// Servers.

const MIME = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm' };

async function startStatic() {
  const { listen, closeServer } = await import('../tests/support/net.mjs');
  const roots = [['/pkg/', PKG_SNAPSHOT], ['/lib/', LIB_DIR], ['/', path.join(BENCH_DIR, 'pages')]];
  const www = {
    /** A script for the head of every HTML page, or undefined (the bare Chromium's pages: see bench/bare.mjs). */
    inject: undefined,
    /** Called with each POST /report body, parsed (the bare Chromium's pages report there). */
    onReport: () => {},
  };
  const server = http.createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/report') {
      let body = '';
      req.on('data', (chunk) => { body += chunk; });
      req.on('end', () => {
        res.writeHead(204).end();
        try { www.onReport(JSON.parse(body)); } catch { /* a stray or broken report */ }
      });
      return;
    }
    const urlPath = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    const [prefix, dir] = roots.find(([p]) => urlPath.startsWith(p));
    const file = path.resolve(dir, `.${path.posix.sep}${urlPath.slice(prefix.length)}`);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    // no-store: every page load is a cold load, for every library alike.
    res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream', 'Cache-Control': 'no-store' });
    const body = fs.readFileSync(file);
    res.end(www.inject && file.endsWith('.html')
      ? body.toString('utf8').replace('<meta charset="utf-8">', (m) => `${m}<script>${www.inject}</script>`)
      : body);
  });
  const port = await listen(server, 0);
  return Object.assign(www, { origin: `http://127.0.0.1:${port}`, close: () => closeServer(server) });
}

// ---------------------------------------------------------------------------------------------------------------
// In the browser.

/** Runs before every page's scripts: window.bench with this page's configuration and the measuring helpers. */
function benchInitScript(configs) {
  const name = location.pathname.replace(/^\//, '').replace(/\.html$/, '');
  if (!(name in configs) || location.port !== configs[name].pagePort) return;
  window.bench = {
    config: configs[name],
    state: 'loading',
    /** performance.now() when the library's code is loaded and ready (spa-auth: after await init()). */
    libLoadedAt: undefined,
    /** Called by the page when it is done: with the access token (and/or a login error) on a callback. */
    finish(token, loginError) {
      if (token !== undefined || loginError !== undefined) {
        const t = performance.now();
        const nav = performance.getEntriesByType('navigation')[0];
        this.callback = {
          tokenAt: t,
          fromResponseStart: t - nav.responseStart,
          fromFetchStart: t - nav.fetchStart,
          libLoadedFromResponseStart: this.libLoadedAt - nav.responseStart,
          tokenType: typeof token,
          tokenLength: typeof token === 'string' ? token.length : undefined,
          error: loginError,
        };
      }
      this.state = 'ready';
    },
    fail(err) {
      this.error = String(err?.stack ?? err);
      this.state = 'error';
    },
    /** Sequential awaited calls of ops[name]: a warm-up, then `windows` windows; calls per second of each. */
    async rate(name, { warmupMs, windowMs, windows }) {
      const op = this.ops[name];
      const run = async (ms) => {
        let n = 0;
        const t0 = performance.now();
        let t = t0;
        while (t - t0 < ms) {
          await op();
          n += 1;
          t = performance.now();
        }
        return (n * 1000) / (t - t0);
      };
      await run(warmupMs);
      const rates = [];
      for (let i = 0; i < windows; i += 1) rates.push(await run(windowMs));
      return rates;
    },
  };
}

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });
const median = (xs) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** page.evaluate that survives navigations: retries until `fn` returns something truthy. */
async function poll(page, fn, arg, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const v = await page.evaluate(fn, arg);
      if (v) return v;
    } catch (err) {
      if (!/context was destroyed|navigat|Target closed|detached/i.test(String(err))) throw err;
    }
    if (Date.now() > deadline) throw new Error(`timed out at ${page.url()}`);
    await sleep(15);
  }
}

/** Wait until the page's script settled; throw its error if it failed. */
async function pageReady(page) {
  const state = await poll(page, () => window.bench && window.bench.state !== 'loading' && window.bench.state);
  if (state === 'error') throw new Error(`page failed: ${await page.evaluate(() => window.bench.error)}`);
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  ensureRootDeps();
  ensureBenchDeps();
  const build = await snapshotWebBuild();
  const bundles = await buildBundles();
  const sizes = Object.fromEntries(LIBS.map((lib) => [lib, gzipSizes(bundles.files[lib], lib === 'spa-auth' ? PKG_SNAPSHOT : LIB_DIR)]));
  log(`sizes: ${LIBS.map((l) => `${l} ${sizes[l].gzip9}`).join(', ')}`);

  const closers = [];
  try {
    await measure(build, bundles, sizes, closers);
  } finally {
    for (const close of closers.reverse()) await close();
  }
}

async function measure(build, bundles, sizes, closers) {
  const { chromium } = await import('playwright-core');
  const { startProvider } = await import('../tests/support/provider.mjs');
  const { onLoginForm, signIn, giveConsent } = await import('../tests/support/browser.mjs');
  const www = await startStatic();
  closers.push(www.close);
  const clientId = (lib) => `bench-${lib}`;
  const provider = await startProvider({
    clients: LIBS.map((lib) => ({ clientId: clientId(lib), redirectUris: [`${www.origin}/${lib}.html`] })),
  });
  closers.push(provider.close);
  const discovery = await (await fetch(`${provider.issuer}/.well-known/openid-configuration`)).json();
  const pagePort = new URL(www.origin).port;
  const configs = Object.fromEntries(LIBS.map((lib) => [lib, {
    pagePort,
    issuer: provider.issuer,
    clientId: clientId(lib),
    redirectUri: `${www.origin}/${lib}.html`,
    scope: SCOPE,
    authorizationEndpoint: discovery.authorization_endpoint,
    tokenEndpoint: discovery.token_endpoint,
  }]));

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  closers.push(() => browser.close());
  const offHost = [];
  const newContext = async () => {
    const context = await browser.newContext();
    await context.addInitScript(benchInitScript, configs);
    context.on('request', (r) => {
      const { hostname } = new URL(r.url());
      if (/^https?:$/.test(new URL(r.url()).protocol) && hostname !== '127.0.0.1') offHost.push(r.url());
    });
    return context;
  };
  const url = (lib) => `${www.origin}/${lib}.html`;

  const result = {
    date: new Date().toISOString(),
    environment: {
      node: process.version, chromium: browser.version(), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
      runs: RUNS, rateWindows: RATE, loadAverageAtStart: os.loadavg().map((x) => round(x, 2)),
    },
    versions: { 'spa-auth': { ...build, gitHead: gitHead() }, ...bundles.versions },
    metrics: {},
    notes: [],
    errors: [],
  };
  const M = result.metrics;
  M.bytes = Object.fromEntries(LIBS.map((l) => [l, { value: sizes[l].gzip9, raw: sizes[l].raw, files: sizes[l].files }]));

  try {
    // 2. Time to a usable client: a fresh context per page, libraries interleaved, one untimed warm-up round.
    log(`time to a usable client: ${RUNS} fresh pages per library`);
    const startup = Object.fromEntries(LIBS.map((l) => [l, []]));
    const startupFromFirstByte = Object.fromEntries(LIBS.map((l) => [l, []]));
    const startupLibLoaded = Object.fromEntries(LIBS.map((l) => [l, []]));
    /** spa-auth's start-up, split: JS modules loaded, .wasm fetched, compiled and instantiated, client built. */
    const split = { modules: [], wasmFetch: [], wasmCompile: [], construct: [] };
    for (let i = 0; i <= RUNS; i += 1) {
      for (const lib of LIBS) {
        const context = await newContext();
        try {
          const page = await context.newPage();
          await page.goto(url(lib));
          await pageReady(page);
          const t = await page.evaluate(() => {
            const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
            return {
              client: window.bench.clientAt,
              libLoaded: window.bench.libLoadedAt,
              initStarted: window.bench.initStartedAt,
              wasm: wasm && { startTime: wasm.startTime, responseEnd: wasm.responseEnd },
              responseStart: performance.getEntriesByType('navigation')[0].responseStart,
            };
          });
          if (i > 0 && lib === 'spa-auth' && t.wasm) {
            addSplit(split, t);
          }
          if (i > 0) {
            startup[lib].push(t.client);
            startupFromFirstByte[lib].push(t.client - t.responseStart);
            startupLibLoaded[lib].push(t.libLoaded);
          }
        } catch (err) {
          if (i === 0) result.errors.push(`${lib} start-up: ${err.message}`);
        } finally {
          await context.close();
        }
      }
    }
    M.startupMs = Object.fromEntries(LIBS.map((l) => [l, {
      ...stats(startup[l]),
      fromFirstByteMedian: round(median(startupFromFirstByte[l]), 2),
      libLoadedMedian: round(median(startupLibLoaded[l]), 2),
      ...(l === 'spa-auth' && split.construct.length ? {
        split: Object.fromEntries(Object.entries(split).map(([k, v]) => [k, round(median(v), 2)])),
      } : {}),
    }]));

    // One context for everything with a login: the provider session (signed in, consented per client) lives here.
    const ctx = await newContext();
    /** Pages that need auth0-spa-js's fixed Auth0 paths mapped onto oidc-provider's (see notes). */
    const auth0Paths = async (page) => {
      await page.route((u) => u.origin === provider.issuer && ['/authorize', '/oauth/token'].includes(u.pathname), (route) => {
        const u = new URL(route.request().url());
        u.pathname = u.pathname === '/authorize' ? new URL(discovery.authorization_endpoint).pathname : new URL(discovery.token_endpoint).pathname;
        return route.continue({ url: u.href });
      });
    };

    /** In `page` (loaded at lib's page): start a login, go through the provider's pages, wait for the callback. */
    const login = async (page, lib, known) => {
      await page.evaluate((k) => { window.bench.ops.login(k).catch((e) => window.bench.fail(e)); window.bench.leaving = true; }, known);
      for (const deadline = Date.now() + 30_000; ;) {
        if (Date.now() > deadline) throw new Error(`login did not come back (at ${page.url()})`);
        const at = new URL(page.url());
        if (at.origin === provider.issuer && at.pathname.startsWith('/interaction/')) {
          await page.waitForLoadState();
          if (await onLoginForm(page)) await signIn(page, www.origin);
          else await giveConsent(page, www.origin);
          continue;
        }
        const state = await page.evaluate(() => !window.bench?.leaving && window.bench?.state).catch(() => undefined);
        if (state === 'error') throw new Error(`page failed: ${await page.evaluate(() => window.bench.error)}`);
        if (state === 'ready') break;
        await sleep(15);
      }
      const cb = await page.evaluate(() => window.bench.callback);
      if (!cb) throw new Error('the page came back without a callback');
      return cb;
    };

    const openPage = async (lib) => {
      const page = await ctx.newPage();
      if (lib === 'auth0-spa-js') await auth0Paths(page);
      await page.goto(url(lib));
      await pageReady(page);
      return page;
    };

    // 3. and 4.: a real login per library (the first signs in; the others consent), then rates in that page.
    M.cachedTokenPerSec = {};
    M.pkcePerSec = {};
    const providerCalls = (page) => {
      const calls = [];
      page.on('request', (r) => { if (r.url().startsWith(provider.issuer)) calls.push(`${r.method()} ${new URL(r.url()).pathname}`); });
      return calls;
    };
    for (const lib of LIBS) {
      log(`${lib}: login, cached token and PKCE rates`);
      let page;
      try {
        page = await openPage(lib);
        const ops = await page.evaluate(() => Object.keys(window.bench.ops));
        if (ops.includes('login')) {
          M.cachedTokenPerSec[lib] = { realLogin: false };
          try {
            const cb = await login(page, lib, false);
            if (cb.error !== undefined || cb.tokenType !== 'string') throw new Error(cb.error ?? `no access token (${cb.tokenType})`);
            M.cachedTokenPerSec[lib].realLogin = true;
          } catch (err) {
            M.cachedTokenPerSec[lib].loginError = err.message;
            if (lib !== 'keycloak-js') throw err;
          }
        }
        if (lib === 'keycloak-js') {
          // See notes: the real login ends in an error; seed the instance as keycloak-js would have.
          await page.evaluate(async (t) => window.bench.ops.seed(t), seedTokens(configs[lib], provider.issuer));
          M.cachedTokenPerSec[lib].preSeeded = true;
        }
        if (ops.includes('token')) {
          const first = await page.evaluate(async () => { const t = await window.bench.ops.token(); return typeof t === 'string' && t.length > 0; });
          if (!first) throw new Error('the cached-token call did not return a token');
          const calls = providerCalls(page);
          const rates = await page.evaluate(([n, o]) => window.bench.rate(n, o), ['token', RATE]);
          Object.assign(M.cachedTokenPerSec[lib], stats(rates), { providerRequestsDuring: calls.length });
          if (ops.includes('tokenSync')) {
            M.cachedTokenPerSec[lib].getTokensMedian = stats(await page.evaluate(([n, o]) => window.bench.rate(n, o), ['tokenSync', RATE])).median;
          }
          if (calls.length) result.errors.push(`${lib}: ${calls.length} provider requests while measuring cached tokens (${calls[0]})`);
        }
        if (ops.includes('pkce')) {
          const pair = await page.evaluate(async () => window.bench.ops.pkce());
          const ok = /^[A-Za-z0-9._~-]{43,128}$/.test(pair.verifier) && /^[A-Za-z0-9_-]{43}$/.test(pair.challenge)
            && crypto.createHash('sha256').update(pair.verifier).digest('base64url') === pair.challenge;
          if (!ok) throw new Error(`a wrong PKCE pair: ${JSON.stringify(pair)}`);
          M.pkcePerSec[lib] = stats(await page.evaluate(([n, o]) => window.bench.rate(n, o), ['pkce', RATE]));
        }
      } catch (err) {
        result.errors.push(`${lib} login/rates: ${err.message}`);
      } finally {
        await page?.close();
      }
    }

    // 5. The callback page, median of RUNS; new tab each run, variants interleaved, one untimed warm-up round.
    const variants = [['spa-auth', false], ['oidc-client-ts', false], ['spa-auth', true], ['oidc-client-ts', true]];
    const key = (lib, known) => `${lib}${known ? ' (known endpoints)' : ''}`;
    log(`callback page: ${RUNS} logins per variant (${variants.map(([l, k]) => key(l, k)).join(', ')})`);
    const callbackTimes = Object.fromEntries(variants.map(([l, k]) => [key(l, k), []]));
    const callbackSecondary = Object.fromEntries(variants.map(([l, k]) => [key(l, k), []]));
    const callbackLibLoaded = Object.fromEntries(variants.map(([l, k]) => [key(l, k), []]));
    for (let i = 0; i <= RUNS; i += 1) {
      for (const [lib, known] of variants) {
        const page = await ctx.newPage();
        try {
          await page.goto(url(lib));
          await pageReady(page);
          const cb = await login(page, lib, known);
          if (cb.error || cb.tokenType !== 'string') throw new Error(cb.error ?? 'no access token');
          if (i > 0) {
            callbackTimes[key(lib, known)].push(cb.fromResponseStart);
            callbackSecondary[key(lib, known)].push(cb.tokenAt);
            callbackLibLoaded[key(lib, known)].push(cb.libLoadedFromResponseStart);
          }
        } catch (err) {
          if (i === 0 || callbackTimes[key(lib, known)].length === 0) result.errors.push(`${key(lib, known)} callback: ${err.message}`);
        } finally {
          await page.close();
        }
      }
    }
    M.callbackMs = Object.fromEntries(variants.map(([l, k]) => [key(l, k), {
      ...stats(callbackTimes[key(l, k)]),
      fromNavigationStartMedian: round(median(callbackSecondary[key(l, k)]), 2),
      libLoadedFromFirstByteMedian: round(median(callbackLibLoaded[key(l, k)]), 2),
    }]));

    // 6. Requests one login makes, from loading the app page to the token in hand (CDP sees CORS preflights too).
    log('requests per login');
    M.requestsPerLogin = {};
    for (const [lib, known] of [...variants, ['auth0-spa-js', false], ['keycloak-js', false]]) {
      const page = await ctx.newPage();
      try {
        const cdp = await ctx.newCDPSession(page);
        const seen = [];
        cdp.on('Network.requestWillBeSent', (e) => {
          if (e.request.url.startsWith(provider.issuer)) seen.push({ type: e.type, method: e.request.method, path: new URL(e.request.url).pathname });
        });
        await cdp.send('Network.enable');
        if (lib === 'auth0-spa-js') await auth0Paths(page);
        await page.goto(url(lib));
        await pageReady(page);
        const cb = await login(page, lib, known);
        // A CORS preflight shows as type Preflight, or as Other with method OPTIONS when Playwright routes the page.
        const kind = (s) => (s.method === 'OPTIONS' || s.type === 'Preflight' ? 'preflight'
          : ['Fetch', 'XHR'].includes(s.type) ? 'fetchXhr' : s.type === 'Document' ? 'navigation' : 'other');
        const count = (k) => seen.filter((s) => kind(s) === k).length;
        const entry = {
          total: seen.length,
          fetchXhr: count('fetchXhr'),
          preflight: count('preflight'),
          navigation: count('navigation'),
          other: count('other'),
          requests: seen.map((s) => `${s.type} ${s.method} ${s.path}`),
        };
        if (cb.error || cb.tokenType !== 'string') entry.loginError = cb.error ?? 'no access token';
        M.requestsPerLogin[lib === 'auth0-spa-js' ? key(lib, true) : key(lib, known)] = entry;
      } catch (err) {
        result.errors.push(`${key(lib, known)} requests: ${err.message}`);
      } finally {
        await page.close();
      }
    }
    await ctx.close();
    await browser.close(); // the bare Chromium below runs alone

    // 7.: time to a usable client and the callback page again, in a Chromium no DevTools client watches
    // (bench/bare.mjs): a new tab per page in one browser context, the pages report by POST /report.
    www.inject = `(${benchInitScript})(${JSON.stringify(configs)});(${bareReporter})();`;
    let bare;
    try {
      bare = await launchBare({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, profileDir: path.join(WORK_DIR, 'bare-profile') });
      // One login per library that has a callback figure, the only time a DevTools client is connected.
      const pw = await chromium.connectOverCDP(bare.endpoint);
      try {
        for (const lib of ['spa-auth', 'oidc-client-ts']) {
          const page = await pw.contexts()[0].newPage();
          await page.goto(url(lib));
          await pageReady(page);
          await login(page, lib, false);
          await page.close();
        }
      } finally {
        await pw.close();
      }
      let runs = 0;
      /** Opens `target` with a new run id, resolves with what the page (or its callback page) reported. */
      const visit = async (target) => {
        const run = `r${runs += 1}`;
        const reported = new Promise((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no report within 30 s from ${target}`)), 30_000);
          www.onReport = (r) => {
            if (r.run === run) {
              clearTimeout(timer);
              resolve(r);
            }
          };
        });
        reported.catch(() => {});
        const tab = await bare.open(`${target}${target.includes('?') ? '&' : '?'}bare=${run}`);
        try {
          const r = await reported;
          if (r.error) throw new Error(`page failed: ${r.error}`);
          return r;
        } finally {
          await bare.close(tab);
        }
      };

      log(`bare Chromium: time to a usable client, ${RUNS} fresh tabs per library`);
      const bareStartup = Object.fromEntries(LIBS.map((l) => [l, { client: [], fromFirstByte: [] }]));
      const bareSplit = { modules: [], wasmFetch: [], wasmCompile: [], construct: [] };
      for (let i = 0; i <= RUNS; i += 1) {
        for (const lib of LIBS) {
          try {
            const t = await visit(url(lib));
            if (i === 0) continue;
            bareStartup[lib].client.push(t.client);
            bareStartup[lib].fromFirstByte.push(t.client - t.responseStart);
            if (lib === 'spa-auth' && t.wasm) {
              addSplit(bareSplit, t);
            }
          } catch (err) {
            if (i === 0) result.errors.push(`${lib} bare start-up: ${err.message}`);
          }
        }
      }
      M.bareStartupMs = Object.fromEntries(LIBS.map((l) => [l, {
        ...stats(bareStartup[l].client),
        fromFirstByteMedian: round(median(bareStartup[l].fromFirstByte), 2),
        ...(l === 'spa-auth' ? { split: Object.fromEntries(Object.entries(bareSplit).map(([k, v]) => [k, round(median(v), 2)])) } : {}),
      }]));

      log(`bare Chromium: callback page, ${RUNS} logins per variant`);
      const bareCallback = Object.fromEntries(variants.map(([l, k]) => [key(l, k), []]));
      for (let i = 0; i <= RUNS; i += 1) {
        for (const [lib, known] of variants) {
          try {
            const cb = (await visit(`${url(lib)}?bare-login=${known ? 'known' : 'discovery'}`)).callback;
            if (!cb || cb.error || cb.tokenType !== 'string') throw new Error(cb?.error ?? 'no access token');
            if (i > 0) bareCallback[key(lib, known)].push(cb.fromResponseStart);
          } catch (err) {
            if (i === 0 || bareCallback[key(lib, known)].length === 0) result.errors.push(`${key(lib, known)} bare callback: ${err.message}`);
          }
        }
      }
      M.bareCallbackMs = Object.fromEntries(variants.map(([l, k]) => [key(l, k), stats(bareCallback[key(l, k)])]));
    } catch (err) {
      // The bare Chromium's figures are extra: without them the table shows "error" there, with the reason below.
      result.errors.push(`bare Chromium: ${err.message}`);
    } finally {
      www.inject = undefined;
      await bare?.kill();
    }
  } finally {
    await browser.close();
  }

  result.blockedOtherHosts = [...new Set(offHost)];
  result.durationSeconds = round((Date.now() - started) / 1000, 1);
  result.environment.loadAverageAtEnd = os.loadavg().map((x) => round(x, 2));
  result.notes = notes(result);
  result.table = table(result);
  fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
  fs.writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${result.table}\n`);
  log(`wrote ${path.relative(process.cwd(), RESULTS)} (${result.durationSeconds} s)`);
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * spa-auth's start-up split, from one page's timings: JS modules loaded (first byte to init()), the .wasm still
 * loading after init() (0 when the page's preload brought it in before), compiled and instantiated, client built.
 */
function addSplit(split, t) {
  const wasmThere = Math.max(t.wasm.responseEnd, t.initStarted);
  split.modules.push(t.initStarted - t.responseStart);
  split.wasmFetch.push(wasmThere - t.initStarted);
  split.wasmCompile.push(t.libLoaded - wasmThere);
  split.construct.push(t.client - t.libLoaded);
}

function round(x, digits) {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function stats(xs) {
  if (!xs.length) return { median: null, n: 0 };
  return { median: round(median(xs), 2), min: round(Math.min(...xs), 2), max: round(Math.max(...xs), 2), n: xs.length };
}

function gitHead() {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'Cargo.toml', 'Cargo.lock'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return r.status === 0 ? `${r.stdout.trim()}${dirty.stdout.trim() ? '+dirty' : ''}` : undefined;
}

/** JWT-shaped tokens (keycloak-js decodes access and refresh tokens; it never checks signatures). */
function seedTokens(config, issuer) {
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const jwt = (payload) => `${b64({ alg: 'RS256', typ: 'JWT', kid: 'bench' })}.${b64(payload)}.${crypto.randomBytes(256).toString('base64url')}`;
  const common = { iss: issuer, sub: 'alice', azp: config.clientId, sid: crypto.randomUUID(), iat: now };
  return {
    accessToken: jwt({ ...common, exp: now + 3600, typ: 'Bearer', scope: SCOPE, jti: crypto.randomUUID() }),
    refreshToken: jwt({ ...common, exp: now + 86400, typ: 'Refresh', jti: crypto.randomUUID() }),
    idToken: jwt({ ...common, exp: now + 3600, typ: 'ID', aud: config.clientId, name: 'Alice', email: 'alice@example.test' }),
  };
}

function notes(r) {
  const n = [];
  const kc = r.metrics.cachedTokenPerSec?.['keycloak-js'];
  n.push('Sizes: zlib level 9 (what gzip -9 produces, without a file name in the header), each shipped file compressed on its own and summed. '
    + 'spa-auth: spa_auth_bg.wasm + spa_auth.js + snippets/**.js of pkg/web. oidc-client-ts: dist/browser/oidc-client-ts.min.js. '
    + 'auth0-spa-js: dist/auth0-spa-js.production.esm.js. oauth4webapi, keycloak-js: bundled and minified with esbuild into one ESM file each.');
  n.push('Time to a usable client: a new browser context per page, everything served with Cache-Control: no-store (cold loads), '
    + 'performance.now() right after the constructor (spa-auth: after await init() and new AuthClient; oidc-client-ts: new UserManager; '
    + 'auth0-spa-js: new Auth0Client; keycloak-js: new Keycloak, before init(), which needs the network; oauth4webapi: module loaded and its '
    + 'plain-object client/metadata built). No client does network I/O in its constructor.');
  n.push('Cached token: spa-auth getAccessToken(); oidc-client-ts (await userManager.getUser()).access_token; auth0-spa-js getTokenSilently() '
    + '(in-memory cache, the default); keycloak-js await updateToken(30) then .token; sequential awaited calls, '
    + `${RATE.windows} windows of ${RATE.windowMs} ms after ${RATE.warmupMs} ms of warm-up, median; the provider saw no request during any of them. `
    + 'oauth4webapi: n/a, it keeps no tokens. For diagnosis the JSON also has spa-auth\'s synchronous getTokens().accessToken rate (getTokensMedian), '
    + 'measured the same way (awaited, so the loop overhead is the same).');
  if (kc) {
    n.push(`keycloak-js (generic OIDC mode, oidcProvider: issuer): its real login against oidc-provider ${kc.realLogin ? 'worked' : `fails ("${kc.loginError}")`}. `
      + 'keycloak-js posts the code exchange with credentials: "include", which a standard token endpoint does not allow over CORS (no '
      + 'Access-Control-Allow-Credentials), so the browser withholds the token response; and past that it decodes the access token and the '
      + 'refresh token as JWTs, which oidc-provider (like most servers but Keycloak) issues opaque. So its cached-token figure is measured on a '
      + 'pre-seeded instance: JWT-shaped tokens set on the public fields its private #setToken fills (token, tokenParsed, refreshToken, '
      + 'refreshTokenParsed, idToken, idTokenParsed, timeSkew, authenticated); init({ token, refreshToken }) was not usable, it forces a refresh '
      + 'first. Its requests per login are in the JSON (the same four as oidc-client-ts) but shown as n/a.');
  }
  n.push('auth0-spa-js: it only talks to Auth0-shaped paths ({domain}/authorize, {domain}/oauth/token); the bench maps those onto oidc-provider\'s '
    + '/auth and /token with Playwright request routing on its pages only (the page still sees its own URLs), and sets the instance\'s tokenIssuer '
    + 'to the provider\'s exact issuer (auth0-spa-js expects "https://{domain}/", and rewrites a non-https `issuer` option to that). '
    + 'Everything else is its own code path: PKCE, transaction, token exchange, ID token checks, cache. It never uses discovery (fixed paths), '
    + 'so it is listed under "known endpoints". Its token POST carries an Auth0-Client header, hence a CORS preflight (counted).');
  n.push('PKCE: spa-auth createPkcePair(); oauth4webapi generateRandomCodeVerifier() + calculatePKCECodeChallenge(); oidc-client-ts exports no PKCE '
    + 'helper, so its public SigninState.create({ code_verifier: true, … }) (which also draws a state id); auth0-spa-js and keycloak-js: n/a '
    + '(internal only). Each pair was checked once (challenge = BASE64URL(SHA-256(verifier))).');
  n.push('Callback page: a new tab per run in one browser context (the provider session stays signed in and consented), login started from the '
    + 'library\'s page, the provider redirects straight back; measured in the callback page from PerformanceNavigationTiming.responseStart (first '
    + 'byte of the ?code= document) to the access token in hand (spa-auth: handleRedirectCallback() then getAccessToken(); oidc-client-ts: '
    + 'signinRedirectCallback() then user.access_token). A new tab per run, but the login starts in it, so spa-auth\'s callback reuses the '
    + 'discovery document its login fetched (kept in sessionStorage, one discovery request per issuer per tab session) while oidc-client-ts '
    + 'fetches it again. "known endpoints": spa-auth with '
    + 'authorizationEndpoint + tokenEndpoint, oidc-client-ts with settings.metadata, so neither fetches discovery. '
    + 'fromNavigationStartMedian in the JSON includes the authorize redirect at the provider.');
  if (r.blockedOtherHosts?.length) {
    n.push(`Blocked as intended (other hosts are unresolvable in the browser): ${r.blockedOtherHosts.slice(0, 5).join(', ')} `
      + '(oidc-provider\'s sign-in pages load a web font).');
  }
  n.push('Bare Chromium: time to a usable client and the callback page measured again in a second headless Chromium that no DevTools '
    + 'client watches (bench/bare.mjs): pages opened and closed through its DevTools HTTP endpoint (/json/new, /json/close), one tab per page '
    + 'in one browser context (kept-alive connections are reused; Playwright\'s runs use a new context per page), figures POSTed back to the '
    + 'static server. Under Playwright\'s own DevTools session a request of a fresh page takes 10 to 15 ms on this machine (about 4 ms without), and spa-auth\'s page '
    + 'makes one request more (its .wasm). The spa-auth page preloads its .wasm (<link rel="preload" as="fetch" crossorigin>).');
  n.push('Requests per login: from loading the library\'s page to the access token in hand, every request to the provider seen by Chrome DevTools '
    + 'Protocol (fetch/xhr, CORS preflights, navigations); the provider session already exists, so no login or consent pages.');
  return n;
}

const busy = (r) => Math.max(r.environment.loadAverageAtStart[0], r.environment.loadAverageAtEnd[0]) > r.environment.cpus * 0.75;
const fmtInt = (x) => Math.round(x).toLocaleString('en-US');
function table(r) {
  const M = r.metrics;
  const cbLibs = ['spa-auth', 'oidc-client-ts'];
  const rows = [];
  // get(lib) -> number | { value, text } | string (shown as is: n/a, —) | undefined (error)
  const add = (label, better, get, fmt) => rows.push({ label, better, get, fmt });
  add('bytes shipped, gzip -9', 'lower', (l) => M.bytes[l]?.value, (v) => `${fmtInt(v)} B`);
  add(`time to a usable client, median of ${r.environment.runs} (ms)`, 'lower', (l) => M.startupMs?.[l]?.median, (v) => v.toFixed(1));
  add('  same, from the HTML\'s first byte (ms)', 'lower', (l) => M.startupMs?.[l]?.fromFirstByteMedian, (v) => v.toFixed(1));
  const split = (key) => (l) => (l === 'spa-auth' ? M.startupMs?.[l]?.split?.[key] : '—');
  add('    of which: JS modules loaded (ms)', 'lower', split('modules'), (v) => v.toFixed(1));
  add('    .wasm still loading after init() (ms)', 'lower', split('wasmFetch'), (v) => v.toFixed(1));
  add('    .wasm compiled and instantiated (ms)', 'lower', split('wasmCompile'), (v) => v.toFixed(1));
  add('    client constructed (ms)', 'lower', split('construct'), (v) => v.toFixed(1));
  add(`  same, bare Chromium (no DevTools on the page) (ms)`, 'lower', (l) => M.bareStartupMs?.[l]?.median, (v) => v.toFixed(1));
  const bareSplit = (k) => (l) => (l === 'spa-auth' ? M.bareStartupMs?.[l]?.split?.[k] : '—');
  add('    of which: JS modules loaded (ms)', 'lower', bareSplit('modules'), (v) => v.toFixed(1));
  add('    .wasm still loading after init() (ms)', 'lower', bareSplit('wasmFetch'), (v) => v.toFixed(1));
  add('    .wasm compiled and instantiated (ms)', 'lower', bareSplit('wasmCompile'), (v) => v.toFixed(1));
  add('    client constructed (ms)', 'lower', bareSplit('construct'), (v) => v.toFixed(1));
  add('cached access token (calls/s)', 'higher', (l) => (l === 'oauth4webapi' ? 'n/a: no cache' : M.cachedTokenPerSec?.[l]?.median),
    (v) => fmtInt(v));
  add('PKCE pairs (pairs/s)', 'higher', (l) => (['auth0-spa-js', 'keycloak-js'].includes(l) ? 'n/a: internal' : M.pkcePerSec?.[l]?.median), fmtInt);
  add(`callback ?code= -> token, median of ${r.environment.runs} (ms)`, 'lower', (l) => (cbLibs.includes(l) ? M.callbackMs?.[l]?.median : '—'),
    (v) => v.toFixed(1));
  add('  same, known endpoints (ms)', 'lower', (l) => (cbLibs.includes(l) ? M.callbackMs?.[`${l} (known endpoints)`]?.median : '—'),
    (v) => v.toFixed(1));
  add('  same, bare Chromium (ms)', 'lower', (l) => (cbLibs.includes(l) ? M.bareCallbackMs?.[l]?.median : '—'), (v) => v.toFixed(1));
  add('  same, known endpoints, bare Chromium (ms)', 'lower',
    (l) => (cbLibs.includes(l) ? M.bareCallbackMs?.[`${l} (known endpoints)`]?.median : '—'), (v) => v.toFixed(1));
  const req = (k) => {
    const e = M.requestsPerLogin?.[k];
    if (!e) return undefined;
    if (e.loginError) return 'n/a: login fails';
    const parts = [`${e.fetchXhr} fetch`, `${e.navigation} nav`, ...(e.preflight ? [`${e.preflight} preflight`] : []), ...(e.other ? [`${e.other} other`] : [])];
    return { value: e.total, text: `${e.total} = ${parts.join(' + ')}` };
  };
  add('requests to the provider per login', 'lower', (l) => (l === 'keycloak-js' || cbLibs.includes(l) ? req(l) : '—'), fmtInt);
  add('  same, known endpoints', 'lower', (l) => (l === 'auth0-spa-js' || cbLibs.includes(l) ? req(`${l} (known endpoints)`) : '—'), fmtInt);

  const value = (row, lib) => {
    const v = row.get(lib);
    return v && typeof v === 'object' ? v : { value: v };
  };
  const cell = (row, lib) => {
    const { value: v, text } = value(row, lib);
    if (typeof v === 'string') return v;
    if (typeof v !== 'number' || Number.isNaN(v)) return 'error';
    const shown = text ?? row.fmt(v);
    const base = value(row, 'spa-auth').value;
    if (lib === 'spa-auth' || typeof base !== 'number' || !(base > 0)) return shown;
    return `${shown} (${(v / base).toFixed(2)}x)`;
  };
  const head = ['', 'better', ...LIBS];
  const body = rows.map((row) => [row.label, row.better, ...LIBS.map((l) => cell(row, l))]);
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((cells) => cells[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const sa = r.versions['spa-auth'];
  return [
    `spa-auth side by side, ${r.date}: Chromium ${r.environment.chromium}, node ${r.environment.node}, ${r.environment.cpus} cores, `
      + `${r.durationSeconds} s`,
    `spa-auth ${sa.gitHead ?? '?'} (pkg/web built ${sa.builtAt}, wasm sha256 ${sa.wasmSha256}…), `
      + `${LIBS.slice(1).map((l) => `${l} ${r.versions[l]}`).join(', ')}`,
    '',
    line(head),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...body.map(line),
    '',
    '(Nx) = the library\'s figure / spa-auth\'s. n/a = the library cannot do it; — = not measured for it.',
    'keycloak-js cached token: pre-seeded instance (its login fails here). auth0-spa-js: Auth0 paths mapped onto oidc-provider\'s.',
    `Method and caveats: "notes" in ${path.relative(REPO_ROOT, RESULTS)}.`,
    ...(busy(r) ? [`Warning: the machine was busy (1-min load average ${r.environment.loadAverageAtStart[0]} at the start, `
      + `${r.environment.loadAverageAtEnd[0]} at the end, on ${r.environment.cpus} cores): times and rates are noisier than usual.`] : []),
    ...(r.errors.length ? ['', 'Errors:', ...r.errors.map((e) => `- ${e}`)] : []),
  ].join('\n');
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err.stack ?? err}\n`);
  process.exitCode = 1;
});
