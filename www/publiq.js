// Test page for publiq's APIs (client identification, the UiTiD v2 preset, the legacy JWT provider):
// loads the library and hands it to the tests as window.spaAuth. Nothing runs on its own, so a test
// can look at a callback URL before handling it.
import init, * as spaAuth from '/pkg/web/spa_auth.js';

try {
  await init();
  const config = await (await fetch('/config.json')).json();
  window.spaAuth = { ...spaAuth, config };
  document.getElementById('config').textContent = JSON.stringify(config, null, 2);
  document.body.dataset.ready = 'true';
} catch (err) {
  document.getElementById('config').textContent = String(err?.stack ?? err);
  document.body.dataset.ready = 'error';
}
