// Release smoke test: the optimised web build loads in Chromium and its basics hold.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { launchBrowser, newContext, newPage, requireWebBuild } from '../support/browser.mjs';
import { startStatic } from '../support/static.mjs';

let www;
let browser;
before(async () => {
  requireWebBuild();
  www = await startStatic({ config: {} });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await www?.close();
});

test('web build: PKCE helpers, RFC 7636 vector, client secrets refused', async (t) => {
  const context = await newContext(browser);
  t.after(() => context.close());
  const page = await newPage(context);
  const wasm = page.waitForResponse((r) => r.url().endsWith('.wasm'));
  await page.goto(`${www.origin}/smoke.html`);
  assert.equal((await wasm).headers()['content-type'], 'application/wasm');
  await page.waitForFunction(() => window.smokeResult !== undefined);
  const r = await page.evaluate(() => window.smokeResult);

  assert.equal(r.fatal, undefined, r.fatal);
  assert.equal(r.verifierLength, 43);
  assert.ok(r.verifierAlphabetOk, 'verifier is base64url');
  assert.equal(r.method, 'S256');
  assert.ok(r.challengeMatches, 'pkceChallenge(verifier) === challenge');
  assert.equal(r.rfc7636, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');

  assert.equal(r.secret.threw, true, 'clientSecret must be refused');
  assert.equal(r.secret.isAuthError, true, 'an AuthError');
  assert.equal(r.secret.isError, true, 'an Error subclass');
  assert.equal(r.secret.code, 'invalid_config');
  assert.match(r.secret.message, /secret/i);
  assert.equal(r.plainHttpIssuer.code, 'invalid_config', 'http issuer other than localhost refused');
  assert.equal(r.good.threw, false, JSON.stringify(r.good));
  assert.equal(r.afterErrors, 43, 'the module still works after errors');
});
