// Client identification against a stand-in for publiq's Search API 3, from a page on another origin:
// what arrives on the wire in header mode and in query mode, the helpers, the options, and the demo's panel.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { newPage } from '../support/browser.mjs';
import { useWorld, waitReady } from '../support/world.mjs';

const world = useWorld();
const CLIENT_ID = 'publiq-test-client-7f3a';

/**
 * A browser context WITHOUT request interception: with Playwright routing on, Chromium's CORS preflights
 * are answered by Playwright itself and never reach the server, and these tests count preflights.
 * Every page here only talks to 127.0.0.1 anyway.
 */
async function plainContext(t) {
  const context = await world.browser.newContext();
  t.after(() => context.close());
  return context;
}

/** The test page (www/publiq.html) with the library as window.spaAuth. */
async function openTestPage(t) {
  const context = await plainContext(t);
  const page = await newPage(context);
  await page.goto(`${world.stack.www.origin}/publiq.html`);
  await page.locator('body[data-ready]').waitFor({ state: 'attached' });
  assert.equal(await page.locator('body').getAttribute('data-ready'), 'true', 'publiq.html started');
  return page;
}

/**
 * In the page: `new ClientIdentification(options).fetch(url, init)`, answered as { status, body }, or
 * { error: { code, message, isAuthError } }. `init.request` builds a Request object as the input instead.
 */
function idFetch(page, options, url, init, { asRequest = false } = {}) {
  return page.evaluate(async ({ options, url, init, asRequest }) => {
    const { ClientIdentification, AuthError } = window.spaAuth;
    try {
      const id = new ClientIdentification(options);
      const res = asRequest ? await id.fetch(new Request(url, init)) : await id.fetch(url, init);
      return { status: res.status, body: await res.json() };
    } catch (e) {
      return { error: { code: e?.code, message: e?.message, isAuthError: e instanceof AuthError } };
    }
  }, { options, url, init, asRequest });
}

/** In the page: a plain browser fetch, to compare with what the library sends. */
function plainFetch(page, url, init) {
  return page.evaluate(async ({ url, init }) => (await fetch(url, init)).status, { url, init });
}

const paramsOf = (call) => call.params;

test('header mode (default): x-client-id arrives, the caller\'s headers and parameters intact, nothing else added', async (t) => {
  const { searchApi } = world.stack;
  const page = await openTestPage(t);
  const url = `${searchApi.url}/events?q=jazz&embed=true`;
  const init = { headers: { 'Accept-Language': 'nl', 'X-Custom': '1' } };

  searchApi.resetRequests();
  const got = await idFetch(page, { clientId: CLIENT_ID }, url, init);
  assert.equal(got.status, 200, JSON.stringify(got));
  assert.equal(got.body.totalItems, 2);
  assert.equal(got.body.member.length, 2);
  assert.equal(got.body.received.via, 'header');

  assert.equal(searchApi.calls.length, 1, 'one GET');
  const call = searchApi.calls[0];
  assert.equal(call.method, 'GET');
  assert.equal(call.path, '/events');
  assert.equal(call.query, 'q=jazz&embed=true', 'the query string arrives byte for byte, no clientId added');
  assert.equal(call.headers['x-client-id'], CLIENT_ID);
  assert.equal(call.headers['accept-language'], 'nl');
  assert.equal(call.headers['x-custom'], '1');
  assert.equal(call.headers.authorization, undefined, 'no Authorization header');
  assert.equal(call.headers.cookie, undefined);

  // A cross-origin custom header costs one preflight, which asked for x-client-id.
  assert.equal(searchApi.preflights.length, 1);
  assert.deepEqual(searchApi.preflights[0].headers['access-control-request-headers'].split(',').sort(), ['x-client-id', 'x-custom']);

  // "Nothing else added": the same request made by hand with plain fetch carries exactly the same headers.
  searchApi.resetRequests();
  assert.equal(await plainFetch(page, url, { headers: { ...init.headers, 'x-client-id': CLIENT_ID } }), 200);
  const byHand = searchApi.calls[0];
  assert.deepEqual(Object.keys(call.headers).sort(), Object.keys(byHand.headers).sort());
  for (const name of Object.keys(byHand.headers)) assert.equal(call.headers[name], byHand.headers[name], name);
});

test('query mode: clientId parameter added after the caller\'s, no x-client-id header, no preflight', async (t) => {
  const { searchApi } = world.stack;
  const page = await openTestPage(t);

  // With a non-safelisted caller header the browser preflights anyway; the client id must not be in it.
  searchApi.resetRequests();
  let got = await idFetch(page, { clientId: CLIENT_ID, mode: 'query' }, `${searchApi.url}/events?q=jazz&embed=true`,
    { headers: { 'Accept-Language': 'nl', 'X-Custom': '1' } });
  assert.equal(got.status, 200, JSON.stringify(got));
  assert.equal(got.body.received.via, 'query');
  let call = searchApi.calls[0];
  assert.equal(searchApi.calls.length, 1);
  assert.equal(call.query, `q=jazz&embed=true&clientId=${CLIENT_ID}`);
  assert.equal(call.headers['x-client-id'], undefined);
  assert.equal(call.headers['accept-language'], 'nl');
  assert.equal(call.headers['x-custom'], '1');
  assert.equal(call.headers.authorization, undefined);
  assert.equal(searchApi.preflights.length, 1);
  assert.equal(searchApi.preflights[0].headers['access-control-request-headers'], 'x-custom');

  // Only safelisted headers: a simple request, no OPTIONS at all.
  searchApi.resetRequests();
  got = await idFetch(page, { clientId: CLIENT_ID, mode: 'query' }, `${searchApi.url}/events?q=jazz&embed=true`,
    { headers: { 'Accept-Language': 'nl' } });
  assert.equal(got.status, 200);
  assert.deepEqual(searchApi.requests.map((r) => r.method), ['GET'], 'no preflight in query mode');
  call = searchApi.calls[0];
  assert.deepEqual(paramsOf(call), [['q', 'jazz'], ['embed', 'true'], ['clientId', CLIENT_ID]]);
  assert.equal(call.headers['accept-language'], 'nl');

  // The same in header mode does need a preflight, for x-client-id alone.
  searchApi.resetRequests();
  got = await idFetch(page, { clientId: CLIENT_ID }, `${searchApi.url}/events?q=jazz`, { headers: { 'Accept-Language': 'nl' } });
  assert.equal(got.status, 200);
  assert.deepEqual(searchApi.requests.map((r) => r.method), ['OPTIONS', 'GET']);
  assert.equal(searchApi.preflights[0].headers['access-control-request-headers'], 'x-client-id');

  // A clientId already in the URL is replaced, never doubled; other parameters and encodings kept.
  searchApi.resetRequests();
  got = await idFetch(page, { clientId: 'id with space', mode: 'query' },
    `${searchApi.url}/events?clientId=old&q=a%2Bb&embed=true`, undefined);
  assert.equal(got.status, 200);
  assert.equal(searchApi.calls[0].query, 'q=a%2Bb&embed=true&clientId=id%20with%20space');
  assert.deepEqual(got.body.received.clientIdQuery, ['id with space']);
});

test('header mode leaves a caller\'s own clientId parameter alone; the header wins at the API', async (t) => {
  const { searchApi } = world.stack;
  const page = await openTestPage(t);
  searchApi.resetRequests();
  const got = await idFetch(page, { clientId: CLIENT_ID }, `${searchApi.url}/events?clientId=other&q=jazz`, undefined);
  assert.equal(got.status, 200);
  assert.equal(searchApi.calls[0].query, 'clientId=other&q=jazz');
  assert.equal(got.body.received.clientIdHeader, CLIENT_ID);
  assert.deepEqual(got.body.received.clientIdQuery, ['other']);
  assert.equal(got.body.received.clientId, CLIENT_ID);

  // Without any client id the stand-in answers 401 (so the 200s above are the library's doing).
  assert.equal(await plainFetch(page, `${searchApi.url}/events?q=jazz`), 401);
});

test('headers() and apply(): per mode, custom names, fragments and encodings', async (t) => {
  const page = await openTestPage(t);
  const got = await page.evaluate(() => {
    const { ClientIdentification } = window.spaAuth;
    const base = 'https://search-test.uitdatabank.be/events?q=jazz&embed=true';
    const header = new ClientIdentification({ clientId: 'abc' });
    const query = new ClientIdentification({ clientId: 'a b&c', mode: 'query' });
    const customH = new ClientIdentification({ clientId: 'abc', headerName: 'X-Client' });
    const customQ = new ClientIdentification({ clientId: 'abc', mode: 'query', queryParam: 'client_id' });
    return {
      headerHeaders: header.headers(),
      headerApply: header.apply(base),
      queryHeaders: query.headers(),
      queryApply: query.apply(base),
      queryApplyBare: query.apply('https://search-test.uitdatabank.be/events'),
      queryApplyFragment: query.apply('https://s.test/events?q=1#results'),
      queryApplyReplace: query.apply('https://s.test/events?clientId=old&q=1'),
      customHHeaders: customH.headers(),
      customHApply: customH.apply(base),
      customQHeaders: customQ.headers(),
      customQApply: customQ.apply(base),
    };
  });
  assert.deepEqual(got.headerHeaders, { 'x-client-id': 'abc' });
  assert.equal(got.headerApply, 'https://search-test.uitdatabank.be/events?q=jazz&embed=true');
  assert.deepEqual(got.queryHeaders, {});
  assert.equal(got.queryApply, 'https://search-test.uitdatabank.be/events?q=jazz&embed=true&clientId=a%20b%26c');
  assert.equal(got.queryApplyBare, 'https://search-test.uitdatabank.be/events?clientId=a%20b%26c');
  assert.equal(got.queryApplyFragment, 'https://s.test/events?q=1&clientId=a%20b%26c#results');
  assert.equal(got.queryApplyReplace, 'https://s.test/events?q=1&clientId=a%20b%26c');
  assert.deepEqual(got.customHHeaders, { 'X-Client': 'abc' });
  assert.equal(got.customHApply, 'https://search-test.uitdatabank.be/events?q=jazz&embed=true');
  assert.deepEqual(got.customQHeaders, {});
  assert.equal(got.customQApply, 'https://search-test.uitdatabank.be/events?q=jazz&embed=true&client_id=abc');
});

test('custom headerName and queryParam are what goes on the wire', async (t) => {
  const { searchApi } = world.stack;
  const page = await openTestPage(t);

  searchApi.resetRequests();
  let got = await idFetch(page, { clientId: CLIENT_ID, headerName: 'X-Client' }, `${searchApi.url}/events?q=jazz`, undefined);
  // The stand-in knows only x-client-id / clientId, so it refuses: the custom name was used instead.
  assert.equal(got.status, 401);
  let call = searchApi.calls[0];
  assert.equal(call.headers['x-client'], CLIENT_ID);
  assert.equal(call.headers['x-client-id'], undefined);
  assert.equal(call.query, 'q=jazz');

  searchApi.resetRequests();
  got = await idFetch(page, { clientId: CLIENT_ID, mode: 'query', queryParam: 'client_id' }, `${searchApi.url}/events?q=jazz`, undefined);
  assert.equal(got.status, 401);
  call = searchApi.calls[0];
  assert.equal(call.query, `q=jazz&client_id=${CLIENT_ID}`);
  assert.equal(call.headers['x-client-id'], undefined);
  assert.equal(got.body.received.clientId, null);
});

test('a Request object (and a URL object) as input: headers and parameters kept, client id added', async (t) => {
  const { searchApi } = world.stack;
  const page = await openTestPage(t);
  const init = { headers: { 'Accept-Language': 'fr', 'X-Custom': 'req' } };

  searchApi.resetRequests();
  let got = await idFetch(page, { clientId: CLIENT_ID }, `${searchApi.url}/events?q=jazz&embed=true`, init, { asRequest: true });
  assert.equal(got.status, 200, JSON.stringify(got));
  let call = searchApi.calls[0];
  assert.equal(call.query, 'q=jazz&embed=true');
  assert.equal(call.headers['x-client-id'], CLIENT_ID);
  assert.equal(call.headers['accept-language'], 'fr');
  assert.equal(call.headers['x-custom'], 'req');

  searchApi.resetRequests();
  got = await idFetch(page, { clientId: CLIENT_ID, mode: 'query' }, `${searchApi.url}/events?q=jazz&embed=true`, init, { asRequest: true });
  assert.equal(got.status, 200, JSON.stringify(got));
  call = searchApi.calls[0];
  assert.equal(call.query, `q=jazz&embed=true&clientId=${CLIENT_ID}`);
  assert.equal(call.headers['x-client-id'], undefined);
  assert.equal(call.headers['accept-language'], 'fr');
  assert.equal(call.headers['x-custom'], 'req');

  searchApi.resetRequests();
  const viaUrl = await page.evaluate(async (u) => {
    const { ClientIdentification } = window.spaAuth;
    const res = await new ClientIdentification({ clientId: 'url-object', mode: 'query' }).fetch(new URL(`${u}/events?q=jazz`));
    return res.status;
  }, searchApi.url);
  assert.equal(viaUrl, 200);
  assert.equal(searchApi.calls[0].query, 'q=jazz&clientId=url-object');
});

test('a client secret is refused with invalid_config pointing to a backend; bad options too', async (t) => {
  const page = await openTestPage(t);
  const got = await page.evaluate(() => {
    const { ClientIdentification, AuthError } = window.spaAuth;
    const attempt = (options) => {
      try {
        new ClientIdentification(options); // eslint-disable-line no-new
        return { threw: false };
      } catch (e) {
        return { threw: true, isAuthError: e instanceof AuthError, isError: e instanceof Error, code: e?.code, message: e?.message };
      }
    };
    return {
      secret: attempt({ clientId: 'x', clientSecret: 's' }),
      snakeSecret: attempt({ clientId: 'x', client_secret: 's' }),
      noId: attempt({}),
      badMode: attempt({ clientId: 'x', mode: 'cookie' }),
      badHeader: attempt({ clientId: 'x', headerName: 'bad header' }),
      good: attempt({ clientId: 'x', mode: 'query' }),
    };
  });
  for (const name of ['secret', 'snakeSecret']) {
    assert.equal(got[name].threw, true, name);
    assert.equal(got[name].isAuthError, true, name);
    assert.equal(got[name].isError, true, name);
    assert.equal(got[name].code, 'invalid_config', name);
    assert.match(got[name].message, /backend/i, `${name}: ${got[name].message}`);
  }
  for (const name of ['noId', 'badMode', 'badHeader']) assert.equal(got[name].code, 'invalid_config', name);
  assert.deepEqual(got.good, { threw: false });
});

test('demo panel: search in header and in query mode shows the answer and what was sent', async (t) => {
  const { searchApi, www } = world.stack;
  const page = await newPage(await plainContext(t));
  await page.goto(`${www.origin}/`);
  await waitReady(page);
  assert.equal(await page.locator('#search-panel').isVisible(), true);

  const search = async ({ clientId, mode, q }) => {
    await page.fill('#search-client-id', clientId);
    await page.selectOption('#search-mode', mode);
    await page.fill('#search-q', q);
    await page.evaluate(() => { delete document.getElementById('search-result').dataset.status; });
    searchApi.resetRequests();
    await page.click('#search');
    await page.locator('#search-result[data-status]').waitFor();
    return {
      status: await page.locator('#search-result').getAttribute('data-status'),
      text: await page.locator('#search-result').textContent(),
      sent: JSON.parse(await page.locator('#search-sent').textContent()),
    };
  };

  let shown = await search({ clientId: 'demo-header', mode: 'header', q: 'jazz' });
  assert.equal(shown.status, '200');
  assert.match(shown.text, /^HTTP 200\n/);
  const answer = JSON.parse(shown.text.replace(/^HTTP 200\n/, ''));
  assert.equal(answer.totalItems, 2);
  assert.equal(answer.member[0].name.nl, 'Jazz in het park');
  assert.equal(answer.received, undefined, 'what was sent is shown apart');
  assert.equal(shown.sent.clientIdHeader, 'demo-header');
  assert.equal(shown.sent.clientIdQuery, null);
  assert.equal(shown.sent.via, 'header');
  assert.equal(shown.sent.authorization, null);
  assert.equal(searchApi.calls.length, 1);
  assert.equal(searchApi.calls[0].query, 'q=jazz&embed=true');
  assert.equal(searchApi.calls[0].headers['x-client-id'], 'demo-header');
  assert.equal(searchApi.preflights.length, 1);

  shown = await search({ clientId: 'demo-query', mode: 'query', q: 'kinder' });
  assert.equal(shown.status, '200');
  assert.equal(JSON.parse(shown.text.replace(/^HTTP 200\n/, '')).totalItems, 1);
  assert.equal(shown.sent.clientIdHeader, null);
  assert.deepEqual(shown.sent.clientIdQuery, ['demo-query']);
  assert.equal(shown.sent.via, 'query');
  assert.equal(shown.sent.query, 'q=kinder&embed=true&clientId=demo-query');
  assert.deepEqual(searchApi.requests.map((r) => r.method), ['GET'], 'query mode: no preflight');
  assert.equal(searchApi.calls[0].headers['x-client-id'], undefined);

  // No client id: the library refuses before any request, and the error area says why.
  searchApi.resetRequests();
  await page.fill('#search-client-id', '');
  await page.click('#search');
  await page.locator('#error[data-code]').waitFor();
  assert.equal(await page.locator('#error').getAttribute('data-code'), 'invalid_config');
  assert.equal(searchApi.requests.length, 0);
});
