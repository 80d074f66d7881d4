#!/usr/bin/env node
// The spa-auth demo on 127.0.0.1: a real OpenID provider (oidc-provider), a protected API and the
// demo app from www/ with the built library from pkg/, plus a stand-in for publiq's Search API (client
// identification). Runs until Ctrl-C.
//
//   node scripts/demo.mjs
//   PROVIDER_PORT=9000 API_PORT=9001 WWW_PORT=9002 SEARCH_API_PORT=9003 ACCESS_TOKEN_TTL=60 node scripts/demo.mjs
import { existsSync } from 'node:fs';
import path from 'node:path';

import { startStack } from '../tests/support/stack.mjs';
import { PKG_DIR } from '../tests/support/static.mjs';

function numberFromEnv(name, fallback, max = 65535) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new Error(`${name} must be a whole number from 0 to ${max}`);
  }
  return value;
}

// Short-lived access tokens, so "Refresh" and expiry are easy to watch.
const accessTokenTtl = numberFromEnv('ACCESS_TOKEN_TTL', 60, 86400);
const stack = await startStack({
  accessTokenTtl,
  ports: {
    provider: numberFromEnv('PROVIDER_PORT', 9000),
    api: numberFromEnv('API_PORT', 9001),
    www: numberFromEnv('WWW_PORT', 9002),
    searchApi: numberFromEnv('SEARCH_API_PORT', 9003),
  },
});

const entry = path.join(PKG_DIR, 'web', 'spa_auth.js');
console.log(`
spa-auth demo
  app        ${stack.www.origin}/      <- open this
  provider   ${stack.provider.issuer}  (client id "${stack.clientId}", access tokens live ${accessTokenTtl} s)
  API        ${stack.api.url}/api/hello
  Search API ${stack.searchApi.url}/events  (stand-in for publiq's Search API 3: needs a client id, no login)

Log in with any login and any password (the login becomes your user id), then press Continue on
the consent page. "Call API" sends the access token to the API; "Log out" ends the provider session.
The "publiq Search API" panel sends only a public client id (x-client-id header or clientId parameter).
${existsSync(entry) ? '' : `\nWARNING: ${entry} is missing: build the library first (scripts/build.sh).\n`}
Ctrl-C to stop.`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await stack.close();
  process.exit(0);
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
