// A stand-in for publiq's legacy UiTiD v1 JWT provider (jwt.uitdatabank.be / jwt-test.uitdatabank.be)
// and for Entry API 3, which takes its JWTs, on 127.0.0.1.
//
// Provider:
//   GET  /connect?apiKey=…&destination=…[&lang=…]  recorded; a tiny login page with one button (#approve)
//   POST /connect/approve                          302 to destination with `jwt=` (and `refresh=` for API
//                                                  keys that may refresh) appended, destination's own
//                                                  query and fragment kept
//   GET  /refresh?apiKey=…&refresh=…               recorded; a new JWT as text/plain (CORS open); 401 for
//                                                  an unknown refresh token, 403 for a key that may not refresh
// JWTs are HS256 (header.payload.signature, base64url) with { uid, nick, email, iss, iat, exp = now + ttl, jti }.
//
// Entry API (its own origin): GET|POST /user, /events… need `Authorization: Bearer <valid jwt>` and a known
// `X-Api-Key`; every request (preflights too) is recorded; CORS open with those headers allowed.
import crypto from 'node:crypto';
import http from 'node:http';

import { listen, closeServer, readBody } from './net.mjs';

const b64url = (value) => Buffer.from(value).toString('base64url');

const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `destination` with `params` appended to its query (before any fragment), its own query kept byte for byte. */
export function appendToDestination(destination, params) {
  const hashAt = destination.indexOf('#');
  const beforeHash = hashAt < 0 ? destination : destination.slice(0, hashAt);
  const hash = hashAt < 0 ? '' : destination.slice(hashAt);
  const extra = new URLSearchParams(params).toString();
  const joiner = !beforeHash.includes('?') ? '?' : beforeHash.endsWith('?') || beforeHash.endsWith('&') ? '' : '&';
  return `${beforeHash}${joiner}${extra}${hash}`;
}

/**
 * @param {object} [o]
 * @param {number} [o.port=0] the provider's port
 * @param {number} [o.entryPort=0] the Entry API's port
 * @param {Record<string, {refresh?: boolean}>} [o.apiKeys] known API keys; `refresh: true` gets refresh tokens
 * @param {number} [o.ttl=43200] JWT lifetime in seconds (publiq documents 12 h)
 * @param {{uid:string, nick:string, email:string}} [o.user]
 */
export async function startJwtProvider({
  port = 0,
  entryPort = 0,
  apiKeys = { 'key-refresh': { refresh: true }, 'key-plain': { refresh: false } },
  ttl = 43200,
  user = { uid: '4b3c2a10-0000-4000-8000-00000000abcd', nick: 'anna', email: 'anna@example.test' },
} = {}) {
  const secret = crypto.randomBytes(32);
  let issuer;
  const state = {
    /** When true, every JWT issued (login and refresh) has already expired. */
    issueExpired: false,
    ttl,
  };
  /** @type {{method:string, path:string, query:string, params:Record<string,string>, headers:object}[]} */
  const connects = [];
  /** @type {{apiKey:string|null, refresh:string|null, status:number, jwt?:string, origin?:string}[]} */
  const refreshes = [];
  /** Every JWT issued, oldest first. */
  const issued = [];
  /** refresh token -> { apiKey } */
  const refreshTokens = new Map();
  /** ticket -> { apiKey, destination, lang } */
  const tickets = new Map();

  function sign(payload) {
    const head = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = b64url(JSON.stringify(payload));
    const sig = crypto.createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  function issueJwt() {
    const now = Math.floor(Date.now() / 1000);
    const exp = state.issueExpired ? now - 120 : now + state.ttl;
    // jti: two JWTs issued in the same second still differ, as a refresh must show.
    const jwt = sign({ ...user, iss: issuer, iat: now, exp, jti: crypto.randomUUID() });
    issued.push(jwt);
    return jwt;
  }

  /** The payload of a JWT this provider signed and that has not expired, or undefined. */
  function verify(jwt) {
    const parts = String(jwt ?? '').split('.');
    if (parts.length !== 3) return undefined;
    const expected = crypto.createHmac('sha256', secret).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2], 'base64url');
    if (got.length !== expected.length || !crypto.timingSafeEqual(got, expected)) return undefined;
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return payload.exp > Date.now() / 1000 ? payload : undefined;
  }

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const text = (status, body, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
      res.end(body);
    };
    const html = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>UiTiD (stand-in)</title></head><body>${body}</body></html>`);
    };

    if (req.method === 'GET' && url.pathname === '/connect') {
      const params = Object.fromEntries(url.searchParams);
      connects.push({ method: req.method, path: url.pathname, query: url.search.slice(1), params, headers: { ...req.headers } });
      const { apiKey, destination, lang = 'nl' } = params;
      if (!apiKey || !(apiKey in apiKeys)) {
        html(403, '<h1 id="refused">Unknown API key</h1>');
        return;
      }
      if (!URL.canParse(destination ?? '')) {
        html(400, '<h1 id="refused">Missing or invalid destination</h1>');
        return;
      }
      const ticket = crypto.randomBytes(16).toString('hex');
      tickets.set(ticket, { apiKey, destination, lang });
      const label = { nl: 'Aanmelden', fr: 'Se connecter', de: 'Anmelden' }[lang] ?? 'Aanmelden';
      html(200, `<h1>UiTiD</h1><p id="lang">${escapeHtml(lang)}</p>
<form method="post" action="/connect/approve">
<input type="hidden" name="ticket" value="${ticket}">
<button id="approve" type="submit">${label} (${escapeHtml(user.nick)})</button>
</form>`);
      return;
    }

    if (req.method === 'POST' && url.pathname === '/connect/approve') {
      const ticket = new URLSearchParams(await readBody(req)).get('ticket');
      const t = tickets.get(ticket);
      tickets.delete(ticket);
      if (!t) {
        html(400, '<h1 id="refused">Unknown ticket</h1>');
        return;
      }
      const back = { jwt: issueJwt() };
      if (apiKeys[t.apiKey].refresh) {
        const refresh = crypto.randomBytes(24).toString('base64url');
        refreshTokens.set(refresh, { apiKey: t.apiKey });
        back.refresh = refresh;
      }
      res.writeHead(302, { Location: appendToDestination(t.destination, back), 'Cache-Control': 'no-store' });
      res.end();
      return;
    }

    if (url.pathname === '/refresh') {
      const cors = { 'Access-Control-Allow-Origin': '*' };
      if (req.method === 'OPTIONS') {
        text(204, '', { ...cors, 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Max-Age': '0' });
        return;
      }
      const apiKey = url.searchParams.get('apiKey');
      const refresh = url.searchParams.get('refresh');
      const entry = { apiKey, refresh, origin: req.headers.origin, status: 0 };
      refreshes.push(entry);
      const known = refreshTokens.get(refresh ?? '');
      if (!apiKey || !(apiKey in apiKeys) || !apiKeys[apiKey].refresh) {
        entry.status = 403;
        text(403, 'This API key may not refresh.', cors);
      } else if (!known || known.apiKey !== apiKey) {
        entry.status = 401;
        text(401, 'Unknown refresh token.', cors);
      } else {
        entry.status = 200;
        entry.jwt = issueJwt();
        text(200, entry.jwt, cors);
      }
      return;
    }

    text(404, 'not found');
  });

  // ---- Entry API ----
  /** @type {{method:string, path:string, authorization:string|null, apiKey:string|null, headers:object, status:number, preflight:boolean}[]} */
  const entryRequests = [];
  let entryFail = 0;
  const entryServer = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const preflight = req.method === 'OPTIONS';
    const entry = {
      method: req.method,
      path: url.pathname,
      authorization: req.headers.authorization ?? null,
      apiKey: req.headers['x-api-key'] ?? null,
      headers: { ...req.headers },
      body: preflight ? '' : await readBody(req),
      status: 0,
      preflight,
    };
    entryRequests.push(entry);
    res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*');
    res.setHeader('Vary', 'Origin');
    if (preflight) {
      entry.status = 204;
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST, PUT, DELETE',
        'Access-Control-Allow-Headers': 'Authorization, X-Api-Key, Content-Type',
        'Access-Control-Max-Age': '0',
      });
      res.end();
      return;
    }
    const send = (status, payload) => {
      entry.status = status;
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(payload));
    };
    const bearer = /^Bearer (\S+)$/.exec(entry.authorization ?? '')?.[1];
    const claims = entryFail > 0 ? undefined : verify(bearer);
    if (entryFail > 0) entryFail -= 1;
    if (!claims) {
      send(401, { title: 'Unauthorized', status: 401, detail: 'A valid UiTiD JWT is required.' });
      return;
    }
    if (!entry.apiKey || !(entry.apiKey in apiKeys)) {
      send(403, { title: 'Forbidden', status: 403, detail: 'A known X-Api-Key is required.' });
      return;
    }
    send(200, { ok: true, uid: claims.uid, nick: claims.nick, method: req.method, path: url.pathname });
  });

  const actualPort = await listen(server, port);
  issuer = `http://127.0.0.1:${actualPort}`;
  let entryActual;
  try {
    entryActual = await listen(entryServer, entryPort);
  } catch (err) {
    await closeServer(server);
    throw err;
  }

  return {
    url: issuer,
    port: actualPort,
    state,
    /** GET /connect requests, oldest first. */
    connects,
    /** GET /refresh requests (not preflights) with the status answered and the JWT issued. */
    refreshes,
    issued,
    /** Forget every refresh token issued so far (as after a password change): /refresh then answers 401. */
    forgetRefreshTokens() { refreshTokens.clear(); },
    verify,
    sign,
    entry: {
      url: `http://127.0.0.1:${entryActual}`,
      port: entryActual,
      requests: entryRequests,
      get calls() { return entryRequests.filter((r) => !r.preflight); },
      /** Answer the next `n` requests with 401 whatever their token. */
      failNext(n = 1) { entryFail = n; },
    },
    reset() {
      connects.length = 0;
      refreshes.length = 0;
      entryRequests.length = 0;
      state.issueExpired = false;
      state.ttl = ttl;
    },
    close: () => Promise.all([closeServer(server), closeServer(entryServer)]),
  };
}
