// Regressions from scenarios in comparable libraries' bug reports: auth.fetch with an already aborted signal, a
// large 401 body, a redirect to another origin (no refresh for a 401 there), and a streamed body.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useHostileWorld } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.a = await startRs(); rs.b = await startRs(); });
after(async () => { await rs.a?.close(); await rs.b?.close(); });

async function login(t, { expiresIn } = {}) {
  rs.a.reset(); rs.b.reset();
  const page = await world.open(t);
  if (expiresIn !== undefined) world.op.nextToken(({ goodTokens }) => ({ status: 200, json: { ...goodTokens(), expires_in: expiresIn } }));
  await page.evaluate((o) => window.hostile.client('main', o), world.options());
  const { outcome } = await world.loginInPlace(page);
  assert.equal(outcome.ok, true, JSON.stringify(outcome));
  return page;
}
const refreshes = () => world.op.tokenRequests.filter((r) => r.grantType === 'refresh_token').length;

test('fetch: init.signal already aborted: AbortError, nothing sent (no API call, no refresh)', async (t) => {
  const page = await login(t, { expiresIn: 1 });
  await new Promise((r) => setTimeout(r, 1500));
  const before = refreshes();
  const got = await page.evaluate(async (u) => {
    const ac = new AbortController(); ac.abort();
    try { await window.hostile.clients.main.fetch(u, { signal: ac.signal }); return { ok: true }; } catch (e) { return { name: e?.name, code: e?.code }; }
  }, `${rs.a.url}/r`);
  console.log(got, 'refreshes', refreshes() - before, 'api', rs.a.requests.length);
  assert.equal(got.name, 'AbortError');
  assert.equal(rs.a.requests.length, 0);
  assert.equal(refreshes() - before, 0, 'an aborted call spends no refresh token');
});

test('fetch: a 401 with a 5 MB body is still refreshed and retried once', async (t) => {
  const page = await login(t);
  const big = 'x'.repeat(5 * 1024 * 1024);
  rs.a.on((req, i) => (i === 1 ? { status: 401, raw: big, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } } : { status: 200, json: { ok: true } }));
  const got = await page.evaluate(async (u) => { const r = await window.hostile.clients.main.fetch(u); return r.status; }, `${rs.a.url}/r`);
  assert.equal(got, 200);
  assert.equal(rs.a.requests.length, 2);
});

test('fetch: a 302 to another origin: the token does not follow to the other origin', async (t) => {
  const page = await login(t);
  rs.a.on(() => ({ status: 302, raw: '', headers: { Location: `${rs.b.url}/landing` } }));
  rs.b.on((req) => (req.headers.authorization ? { status: 200, json: { ok: true } } : { status: 401, json: {}, headers: { 'WWW-Authenticate': 'Bearer' } }));
  const before = refreshes();
  const got = await page.evaluate(async (u) => {
    try { const r = await window.hostile.clients.main.fetch(u); return { status: r.status, url: r.url, redirected: r.redirected }; } catch (e) { return window.hostile.describe(e); }
  }, `${rs.a.url}/r`);
  console.log(got, 'b saw', rs.b.requests.map((r) => r.authorization), 'refreshes', refreshes() - before);
  assert.equal(rs.b.requests.filter((r) => r.authorization).length, 0, 'Authorization never reaches the other origin');
  assert.equal(refreshes() - before, 0, 'no refresh for a 401 of another origin');
});

test('fetch: a Request with a ReadableStream body (duplex half) retried after 401', async (t) => {
  const page = await login(t);
  rs.a.on((req, i) => (i === 1 ? { status: 401, json: {}, headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' } } : { status: 200, json: { ok: true } }));
  const got = await page.evaluate(async (u) => {
    const make = () => new Request(u, { method: 'POST', duplex: 'half', body: new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('streamed')); c.close(); } }) });
    let plain;
    try { plain = (await fetch(make())).status; } catch (e) { plain = `${e.name}: ${e.message}`; }
    let lib;
    try { lib = (await window.hostile.clients.main.fetch(make())).status; } catch (e) { lib = `${e.name} ${e.code}: ${e.message}`; }
    return { plain, lib };
  }, `${rs.a.url}/r`);
  console.log(got, rs.a.requests.map((r) => [r.status, r.body]));
});
