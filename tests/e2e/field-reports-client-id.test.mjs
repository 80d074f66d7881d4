// Regressions from scenarios in comparable libraries' bug reports: ClientIdentification in query mode sends
// bodies (POST, a Request with a body) and keeps signal and credentials; apply() edge cases.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { useHostileWorld } from '../support/hostile.mjs';
import { startRs } from '../support/resource-server.mjs';

const world = useHostileWorld();
const rs = {};
before(async () => { rs.a = await startRs(); });
after(async () => { await rs.a?.close(); });

const run = (page, fn, arg) => page.evaluate(async ([f, a]) => {
  const { ClientIdentification, describe } = window.hostile;
  try { return { ok: true, value: await (0, eval)(`(${f})`)(ClientIdentification, a) }; } catch (e) { return { ok: false, err: describe(e) }; }
}, [fn.toString(), arg]);

test('query mode: a POST with a body goes out with the client id and the body', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  const got = await run(page, async (CI, u) => {
    const id = new CI({ clientId: 'pub-1', mode: 'query' });
    const r = await id.fetch(`${u}/events?q=1`, { method: 'POST', body: '{"a":1}', headers: { 'Content-Type': 'application/json' } });
    return r.status;
  }, rs.a.url);
  console.log(got, rs.a.requests.map((r) => [r.method, r.search, r.body]));
  assert.equal(got.ok, true, JSON.stringify(got));
  assert.equal(rs.a.requests[0].search, '?q=1&clientId=pub-1');
  assert.equal(rs.a.requests[0].body, '{"a":1}');
});

test('query mode: a Request object with a body', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  const got = await run(page, async (CI, u) => {
    const id = new CI({ clientId: 'pub-1', mode: 'query' });
    const r = await id.fetch(new Request(`${u}/events`, { method: 'PUT', body: 'hello' }));
    return r.status;
  }, rs.a.url);
  console.log(got, rs.a.requests.map((r) => [r.method, r.search, r.body]));
  assert.equal(got.ok, true, JSON.stringify(got));
  assert.equal(rs.a.requests[0].body, 'hello');
});

test('apply(): fragments, existing clientId, relative URLs', async (t) => {
  const page = await world.open(t);
  const got = await run(page, async (CI) => {
    const id = new CI({ clientId: 'new id&x', mode: 'query' });
    return [
      id.apply('https://s/e#frag?clientId=keep'),
      id.apply('https://s/e?ClientId=other&clientId=old&clientId=old2#f'),
      id.apply('/e?x=1'),
      id.apply('e'),
      id.apply('?'),
      id.apply('https://s/e?clientId'),
      id.apply('https://s/e?a=1&&b=2'),
      id.apply('https://s/e?clientId%3D=x'),
      id.apply('https://s/e?client%49d=old'),
    ];
  });
  console.log(got);
});

test('query mode with a relative URL input, and a URL object', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  const got = await run(page, async (CI, u) => {
    const id = new CI({ clientId: 'pub-1', mode: 'query' });
    const r1 = await id.fetch('/hostile.html?x=1#frag');
    return [r1.status, r1.url];
  }, rs.a.url);
  console.log(got);
  assert.equal(got.ok, true);
  assert.match(got.value[1], /\/hostile\.html\?x=1&clientId=pub-1$/);
});

test('query mode: a Request with signal and credentials keeps them', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  const got = await run(page, async (CI, u) => {
    const id = new CI({ clientId: 'pub-1', mode: 'query' });
    const ac = new AbortController(); ac.abort();
    try { await id.fetch(`${u}/e`, { signal: ac.signal }); return 'sent'; } catch (e) { return `${e.name} ${e.code ?? ''}`; }
  }, rs.a.url);
  console.log(got, rs.a.requests.length);
  assert.match(got.value, /^AbortError/);
});

test('query mode: a body that cannot be read is invalid_argument (an AuthError), nothing is sent', async (t) => {
  rs.a.reset();
  const page = await world.open(t);
  const got = await run(page, async (CI, u) => {
    const id = new CI({ clientId: 'pub-1', mode: 'query' });
    const body = new ReadableStream({ pull(controller) { controller.error(new Error('the stream broke')); } });
    return id.fetch(new Request(`${u}/events`, { method: 'POST', body, duplex: 'half' }));
  }, rs.a.url);
  assert.equal(got.ok, false);
  assert.equal(got.err.code, 'invalid_argument', JSON.stringify(got));
  assert.match(got.err.message, /re-addressed/);
  assert.equal(rs.a.requests.length, 0);
});
