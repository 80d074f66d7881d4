// Helpers for the tab-race tests (field-reports-tabs): tabs of one context, a delayed token request, outcomes.
import { newPage, onLoginForm, signIn } from './browser.mjs';
import { waitReady, sleep } from './world.mjs';

export { sleep };

export async function openTab(world, context, query = '') {
  const tab = await newPage(context);
  await tab.goto(`${world.stack.www.origin}/${query}`);
  await waitReady(tab);
  return tab;
}

/** In `page` (already on the app), a fresh login by redirect with the demo's client; signs in if asked. */
export async function freshLogin(world, page, login = 'alice') {
  await page.evaluate(() => { window.spaAuth.makeClient('query').loginWithRedirect(); });
  await page.waitForURL((u) => u.origin === world.stack.provider.issuer || u.searchParams.has('code'));
  if (new URL(page.url()).origin === world.stack.provider.issuer) {
    await page.waitForLoadState();
    if (await onLoginForm(page)) await signIn(page, world.stack.www.origin, { login });
    else if (new URL(page.url()).origin !== world.stack.www.origin) {
      await page.getByRole('button', { name: 'Continue' }).click();
    }
  }
  await page.waitForURL((u) => u.origin === world.stack.www.origin);
  await waitReady(page);
}

/** Delay every request of `page` whose path ends with `suffix` by `ms` before letting it go. */
export async function delay(page, suffix, ms) {
  await page.route((u) => u.pathname.endsWith(suffix), async (route) => {
    await sleep(ms);
    await route.continue();
  });
}

/** Start `fn` in the page without awaiting it; its outcome lands in window.__out[name]. */
export function start(page, name, fnText) {
  return page.evaluate(([n, f]) => {
    window.__out ??= {};
    window.__out[n] = { pending: true };
    // eslint-disable-next-line no-new-func
    Promise.resolve().then(() => (0, eval)(`(${f})`)()).then(
      (value) => { window.__out[n] = { ok: true, value }; },
      (err) => { window.__out[n] = { ok: false, code: err?.code, name: err?.name, message: err?.message }; },
    );
  }, [name, fnText]);
}

export async function outcome(page, name, timeout = 20000) {
  await page.waitForFunction((n) => window.__out?.[n] && !window.__out[n].pending, name, { timeout });
  return page.evaluate((n) => window.__out[n], name);
}
