// A headless Chromium that no DevTools client watches while it loads the measured pages.
//
// Playwright keeps a DevTools (CDP) session on every page it knows and asks for every network event of it; on this
// 2-core machine a request of a fresh page takes 10 to 15 ms under it (measured 2026-12-01, medians of 15 fresh
// pages: a page's second 6-byte fetch 10.7 ms under Playwright, 3.8 ms without; spa-auth's .wasm fetch and
// compilation 24.6 ms and 11.2 ms).
// A library that makes one request more pays it once more. This Chromium is started on its own, its pages opened and
// closed through the DevTools HTTP endpoint (/json/new, /json/close), which attaches nothing to them; the pages
// report their figures by POSTing to the bench's static server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const sleep = (ms) => new Promise((r) => { setTimeout(r, ms); });

/** Starts Chromium with `args` and a fresh profile in `profileDir`; resolves once its DevTools endpoint answers. */
export async function launchBare({ executablePath, args, profileDir }) {
  fs.rmSync(profileDir, { recursive: true, force: true });
  fs.mkdirSync(profileDir, { recursive: true });
  const child = spawn(executablePath, [
    '--headless=new', `--user-data-dir=${profileDir}`, '--remote-debugging-port=0', ...args, 'about:blank',
  ], { stdio: 'ignore' });
  const exited = new Promise((r) => { child.once('exit', r); });
  const portFile = path.join(profileDir, 'DevToolsActivePort');
  let endpoint;
  for (let waited = 0; !endpoint; waited += 100) {
    if (child.exitCode !== null) throw new Error(`Chromium exited at start (code ${child.exitCode})`);
    if (waited > 20_000) throw new Error('Chromium did not open its DevTools endpoint within 20 s');
    const port = fs.existsSync(portFile) && fs.readFileSync(portFile, 'utf8').split('\n')[0];
    if (port) {
      try {
        await (await fetch(`http://127.0.0.1:${port}/json/version`)).json();
        endpoint = `http://127.0.0.1:${port}`;
      } catch { /* not listening yet */ }
    }
    if (!endpoint) await sleep(100);
  }
  return {
    /** For a DevTools client that connects for a while (the bench's one login per library), then disconnects. */
    endpoint,
    /** Opens `url` in a new tab of the default context; resolves with the tab's id. */
    async open(url) {
      // The endpoint takes the whole query as the URL, unescaped: escaped, a URL keeps all its own parameters.
      const r = await fetch(`${endpoint}/json/new?${encodeURIComponent(url)}`, { method: 'PUT' });
      if (!r.ok) throw new Error(`/json/new answered HTTP ${r.status}`);
      return (await r.json()).id;
    },
    async close(id) {
      await fetch(`${endpoint}/json/close/${id}`).catch(() => {});
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      // Its helper processes may still be writing the profile for a moment; what is left is removed at the next
      // launch, so a profile still busy never fails the run.
      try {
        fs.rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
      } catch (e) {
        console.warn(`bench: the bare Chromium profile is still in use (${e.code}); the next run removes it`);
      }
    },
  };
}

/**
 * Runs in the measured page before its scripts when the bench serves it to the bare Chromium (after
 * benchInitScript): sends what the page measured to POST /report, tagged with the run id of the URL's `bare`
 * parameter (kept in sessionStorage, so the callback page of a login started with `bare-login` reports too).
 */
export function bareReporter() {
  const b = window.bench;
  if (!b) return;
  const query = new URLSearchParams(location.search);
  if (query.has('bare')) sessionStorage.setItem('bench:bare', query.get('bare'));
  const run = sessionStorage.getItem('bench:bare');
  const loginWith = query.get('bare-login'); // "known" | "discovery": start a login once the page is ready
  const report = (body) => fetch('/report', { method: 'POST', body: JSON.stringify({ run, ...body }), keepalive: true });
  const { finish, fail } = b;
  b.finish = function bareFinish(...args) {
    finish.apply(this, args);
    if (loginWith && !this.callback) {
      this.ops.login(loginWith === 'known').catch((e) => report({ error: String(e) }));
      return;
    }
    const wasm = performance.getEntriesByType('resource').find((e) => e.name.endsWith('.wasm'));
    report({
      client: this.clientAt,
      libLoaded: this.libLoadedAt,
      initStarted: this.initStartedAt,
      wasm: wasm && { startTime: wasm.startTime, responseEnd: wasm.responseEnd },
      responseStart: performance.getEntriesByType('navigation')[0].responseStart,
      callback: this.callback,
    });
  };
  b.fail = function bareFail(err) {
    fail.call(this, err);
    report({ error: this.error });
  };
}
