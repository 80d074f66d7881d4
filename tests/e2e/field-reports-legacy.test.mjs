// Regressions from scenarios in comparable libraries' bug reports: the legacy UiTiD v1 JWT client with odd `exp`
// values, refresh answers that are HTML, JSON or quoted, and hash-route destinations.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useHostileWorld } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.a = await startRs(); });
after(async () => { await rs.a?.close(); });

const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
const jwt = (payload) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2ln`;
const now = () => Math.floor(Date.now() / 1000);

async function session(page, token, refresh = 'r1') {
  return page.evaluate(async ([u, tk, rf]) => {
    const c = new window.hostile.LegacyJwtClient({ serverUrl: u, apiKey: 'k1' });
    window.legacy = c;
    const cb = `${location.origin}/hostile.html?x=1&jwt=${encodeURIComponent(tk)}${rf ? `&refresh=${rf}` : ''}`;
    const r = await window.hostile.attempt(() => c.handleCallback(cb));
    return { r, token: c.getToken() === tk, auth: c.isAuthenticated() };
  }, [rs.a.url, token, refresh]);
}

test('legacy: odd exp values', async (t) => {
  const page = await world.open(t);
  const cases = {
    float: now() + 3600.5,
    string: String(now() + 3600),
    ms: (now() + 3600) * 1000,
    exponent: Number(`${now() + 3600}`).toExponential(),
    huge: 1e300,
    negative: -1,
    zero: 0,
    soon: now() + 2,
  };
  const out = {};
  for (const [k, exp] of Object.entries(cases)) {
    await page.evaluate(() => sessionStorage.clear());
    out[k] = await session(page, jwt({ uid: 'u', exp: k === 'exponent' ? Number(exp) : exp }));
  }
  // exp given as JSON exponent text
  await page.evaluate(() => sessionStorage.clear());
  const raw = `${b64({ alg: 'HS256' })}.${b64(`{"uid":"u","exp":${(now() + 3600) / 1e9}e9}`)}.c2ln`;
  out.rawExponent = await session(page, raw);
  console.log(JSON.stringify(out, null, 1));
});

test('legacy: refresh answers that are HTML, JSON, quoted, CRLF', async (t) => {
  const page = await world.open(t);
  const fresh = jwt({ uid: 'u', exp: now() + 3600 });
  const answers = {
    html: { status: 200, raw: '<!doctype html><html><body>Login</body></html>', headers: { 'Content-Type': 'text/html' } },
    jsonObject: { status: 200, json: { jwt: fresh } },
    jsonString: { status: 200, json: fresh },
    crlf: { status: 200, raw: `${fresh}\r\n` },
    redirectHtml: { status: 302, raw: '', headers: { Location: '/login' } },
    err500json: { status: 500, json: { error: 'x' } },
    unauthorized: { status: 401, json: { title: 'Unauthorized' } },
  };
  const out = {};
  for (const [k, a] of Object.entries(answers)) {
    await page.evaluate(() => sessionStorage.clear());
    const s = await session(page, jwt({ uid: 'u', exp: now() + 5 }));
    assert.equal(s.r.ok, true);
    rs.a.on((req) => (req.path === '/refresh' ? a : (req.path === '/login' ? { status: 200, raw: '<html>login</html>' } : { status: 404, raw: '' })));
    out[k] = await page.evaluate(async () => {
      const r = await window.hostile.attempt(() => window.legacy.refresh());
      return { ok: r.ok, code: r.err?.code, msg: r.err?.message, auth: window.legacy.isAuthenticated(), valueIsJwt: r.ok ? r.value.split('.').length === 3 && !r.value.includes('"') : undefined };
    });
  }
  console.log(JSON.stringify(out, null, 1));
  assert.equal(out.html.code, 'server_error', `an HTML page from /refresh: ${out.html.code} (${out.html.msg})`);
});

test('legacy: login destination with a hash route and query', async (t) => {
  const page = await world.open(t);
  await page.route((u) => u.pathname === '/connect', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: 'connect' }));
  const url = await page.evaluate(async (u) => {
    const c = new window.hostile.LegacyJwtClient({ serverUrl: `${u}/`, apiKey: 'k 1', lang: 'fr' });
    history.replaceState(null, '', '/hostile.html?jwt=old&refresh=old&p=1#/route?x=1&jwt=frag');
    const p = new Promise((resolve) => window.addEventListener('beforeunload', () => resolve(), { once: true }));
    c.login();
    return location.href;
  }, rs.a.url);
  await page.waitForURL((u) => u.pathname === '/connect');
  const dest = new URL(page.url()).searchParams.get('destination');
  console.log(page.url(), dest);
  assert.equal(dest, `${world.www.origin}/hostile.html?p=1#/route?x=1&jwt=frag`);
});
