// Prints what one login costs with the release build against a local oidc-provider: the HTTP requests the
// library makes (discovery, token) and the time from the callback page's start to a usable token (median of N).
// A measurement script, not a test: it never fails on figures. Usage: node bench/login.mjs [runs=10]
import { launchBrowser, newContext, newPage, onLoginForm, requireWebBuild, signIn } from '../tests/support/browser.mjs';
import { startStack } from '../tests/support/stack.mjs';

const runs = Number(process.argv[2] ?? 10);
requireWebBuild();
const stack = await startStack();
const browser = await launchBrowser();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const context = await newContext(browser);
  // Record, in every page, when the app first shows a logged-in state (performance.now(): ms since navigation).
  await context.addInitScript(() => {
    new MutationObserver((_, observer) => {
      const status = document.getElementById('status');
      if (status?.dataset.state === 'in') {
        window.__loggedInAt = performance.now();
        observer.disconnect();
      }
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-state'] });
  });
  const page = await newPage(context);
  const libraryRequests = [];
  page.on('request', (r) => {
    if (['fetch', 'xhr'].includes(r.resourceType()) && r.url().startsWith(stack.provider.issuer)) {
      libraryRequests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    }
  });

  const login = async (first) => {
    libraryRequests.length = 0;
    await page.goto(`${stack.www.origin}/`);
    await page.locator('body[data-ready]').waitFor({ state: 'attached' });
    await page.click('#login');
    if (first) {
      await page.waitForURL((u) => u.origin === stack.provider.issuer);
      if (await onLoginForm(page)) await signIn(page, stack.www.origin);
    }
    await page.locator('#status[data-state="in"]').waitFor();
    return { ms: await page.evaluate(() => window.__loggedInAt), requests: [...libraryRequests] };
  };

  const first = await login(true);
  const times = [];
  for (let i = 0; i < runs; i += 1) {
    // Forget the tokens and the discovery cache (a new tab's state); the provider session stays, so the
    // provider sends the browser straight back with a code.
    await page.evaluate(() => sessionStorage.clear());
    const run = await login(false);
    times.push(run.ms);
  }
  const figures = {
    date: new Date().toISOString(),
    libraryRequestsFirstLogin: first.requests,
    callbackToTokenMs: { median: Math.round(median(times)), min: Math.round(Math.min(...times)), max: Math.round(Math.max(...times)), runs },
  };
  console.log(JSON.stringify(figures, null, 2));
} finally {
  await browser.close();
  await stack.close();
}
