// A small stand-in OpenID provider on 127.0.0.1 that misbehaves on demand, for the hostile-input tests.
//
// The real provider (provider.mjs) is certified and will not send a wrong nonce or an HTML token answer; this one
// does whatever the test queued:
//
//   GET  {base}/.well-known/openid-configuration         discovery (announces RFC 9207 `iss` on responses)
//   GET  {base}/plain/.well-known/openid-configuration   the same without `authorization_response_iss_parameter_supported`
//   GET  {base}/other-issuer/.well-known/openid-configuration   names another issuer
//   GET  {base}/common/.well-known/openid-configuration   names the issuer `{base}/{tenantid}` (Entra ID's
//        multi-tenant metadata), without the RFC 9207 announcement
//   GET  {base}/authorize   redirects straight back to `redirect_uri` with code, state and iss (no login page)
//   POST {base}/token       a good token answer (fresh tokens, a crafted ID token for the login behind the code or
//                           refresh token), or the next queued hostile answer
//   POST {base}/revoke, GET {base}/end-session
//
// ID tokens are unsigned but structured (`{"alg":"RS256"}` . claims . "sig"): the library checks claims, not
// signatures (API.md / id_token.rs), so a test can craft any claim it needs.
import crypto from 'node:crypto';
import http from 'node:http';

import { closeServer, listen, readBody, writeAnswer } from './net.mjs';

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A compact JWS-shaped token: header . payload . "sig" (not a real signature). */
export function craftJwt(payload, header = { alg: 'RS256', typ: 'JWT' }) {
  return `${b64url(header)}.${b64url(payload)}.sig`;
}

/** A signing key for `alg` (RS, PS and ES with 256, 384 or 512 bits; EdDSA or Ed25519, RFC 9864) with its public
 * JWK (for `verifySignature`). */
export function signingKey(kid, alg = 'RS256') {
  const curves = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };
  const { privateKey, publicKey } = /^(EdDSA|Ed25519)$/.test(alg) ? crypto.generateKeyPairSync('ed25519')
    : curves[alg] ? crypto.generateKeyPairSync('ec', { namedCurve: curves[alg] })
      : crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' } };
}

/** `input` signed with `key` by its `alg`, as RFC 7518 §3 and RFC 8037 write signatures. */
function sign(input, { alg, privateKey }) {
  const data = Buffer.from(input);
  if (/^(EdDSA|Ed25519)$/.test(alg)) return crypto.sign(null, data, privateKey);
  const hash = `sha${alg.slice(2)}`;
  if (alg.startsWith('PS')) {
    return crypto.sign(hash, data, { key: privateKey, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  }
  if (alg.startsWith('ES')) return crypto.sign(hash, data, { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return crypto.sign(hash, data, privateKey);
}

/** A JWT signed with `key` (by its `alg`), or with `alg` and raw `sign(input)` for the forgeries the tests need. */
export function signJwt(payload, key, { alg = key?.alg ?? 'RS256', kid = key?.kid, sign: forge } = {}) {
  const input = `${b64url({ alg, typ: 'JWT', kid })}.${b64url(payload)}`;
  const signature = forge ? forge(input) : sign(input, key);
  return `${input}.${Buffer.from(signature).toString('base64url')}`;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
const random = (prefix) => `${prefix}-${crypto.randomBytes(12).toString('base64url')}`;

/**
 * @param {object} [o]
 * @param {number} [o.port=0]
 */
export async function startStandinOp({ port = 0 } = {}) {
  const server = http.createServer();
  const actualPort = await listen(server, port);
  const issuer = `http://127.0.0.1:${actualPort}`;

  /** The authorize request behind each code and each refresh token issued (nonce, client_id, redirect_uri, …). */
  const logins = new Map();
  const refreshLogins = new Map();
  /** Every token request: { grantType, params (the form sent), status, accessTokenIssued }. */
  const tokenRequests = [];
  /** Every request: { method, path }. */
  const requests = [];
  /** One-shot behaviours, oldest first. */
  const authorizeQueue = [];
  const tokenQueue = [];
  /** The key its ID tokens are signed with, and the JWK Set it publishes. */
  let key = signingKey('k1');

  function metadata(variant) {
    return {
      issuer: { 'other-issuer': `${issuer}/someone-else`, common: `${issuer}/{tenantid}` }[variant] ?? issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      revocation_endpoint: `${issuer}/revoke`,
      end_session_endpoint: `${issuer}/end-session`,
      response_types_supported: ['code'],
      code_challenge_methods_supported: ['S256'],
      authorization_response_iss_parameter_supported: variant !== 'plain' && variant !== 'common',
      jwks_uri: `${issuer}/jwks`,
      id_token_signing_alg_values_supported: [...new Set(['RS256', 'ES256', key.alg])],
    };
  }

  /** The claims of a good ID token for `login` (the authorize request's parameters). */
  function goodClaims(login, sub = 'alice') {
    const now = nowSeconds();
    return {
      iss: issuer,
      sub,
      aud: login.client_id,
      azp: login.client_id,
      nonce: login.nonce,
      iat: now,
      exp: now + 600,
      name: 'Alice Stand-in',
    };
  }

  /** The body of a good answer: fresh random tokens, plus an ID token with good claims when there is a login. */
  function goodTokens(login) {
    const body = {
      access_token: random('at'),
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: random('rt'),
      scope: 'openid profile',
    };
    if (login) {
      body.id_token = signJwt(goodClaims(login), key);
      refreshLogins.set(body.refresh_token, login);
    }
    return body;
  }

  const cors = (res) => res.setHeader('Access-Control-Allow-Origin', '*');

  server.on('request', async (req, res) => {
    cors(res);
    const url = new URL(req.url, issuer);
    requests.push({ method: req.method, path: url.pathname, search: url.search });
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET, POST', 'Access-Control-Allow-Headers': '*' });
      res.end();
      return;
    }

    const discovery = /^(?:\/(plain|other-issuer|common))?\/\.well-known\/openid-configuration$/.exec(url.pathname);
    if (discovery && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(metadata(discovery[1])));
      return;
    }

    if (url.pathname === '/authorize' && req.method === 'GET') {
      const q = Object.fromEntries(url.searchParams);
      const code = random('code');
      logins.set(code, q);
      const behaviour = authorizeQueue.shift() ?? {};
      const back = new URL(q.redirect_uri);
      const params = behaviour.error !== undefined
        ? { error: behaviour.error, error_description: behaviour.errorDescription, state: q.state }
        : { code, state: behaviour.state ?? q.state };
      if (behaviour.iss !== null) params.iss = behaviour.iss ?? issuer; // null: no iss at all
      const target = q.response_mode === 'fragment' ? (p) => { back.hash = p; } : (p) => {
        for (const [k, v] of new URLSearchParams(p)) back.searchParams.append(k, v);
      };
      target(new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined)).toString());
      res.writeHead(302, { Location: back.href, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }

    if (url.pathname === '/token' && req.method === 'POST') {
      const params = Object.fromEntries(new URLSearchParams(await readBody(req)));
      const login = params.grant_type === 'authorization_code' ? logins.get(params.code) : refreshLogins.get(params.refresh_token);
      const behaviour = tokenQueue.shift();
      const answer = behaviour
        ? behaviour({ login, params, goodTokens: () => goodTokens(login), goodClaims: (sub) => goodClaims(login, sub) })
        : { status: 200, json: goodTokens(login) };
      tokenRequests.push({
        grantType: params.grant_type, params, status: answer.status, accessTokenIssued: answer.json?.access_token,
      });
      if (answer.destroy) {
        req.socket.destroy();
        return;
      }
      if (answer.hang) return; // never answers (the server drops the connection when it closes)
      writeAnswer(res, answer);
      return;
    }

    if (url.pathname === '/hang') return; // an API call that never answers

    if (url.pathname === '/jwks' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ keys: [key.jwk] }));
      return;
    }

    if (url.pathname === '/revoke' && req.method === 'POST') {
      await readBody(req);
      res.writeHead(200);
      res.end();
      return;
    }
    if (url.pathname === '/end-session') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('signed out');
      return;
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end('{"error":"not_found"}');
  });

  return {
    issuer,
    port: actualPort,
    tokenRequests,
    requests,
    /** The next authorize request answers with `{ error?, errorDescription?, iss? (null = none), state? }`. */
    nextAuthorize(behaviour) { authorizeQueue.push(behaviour); },
    /**
     * The next token request gets `answer(ctx)`: `{ status, json }` | `{ status, raw, headers }` | `{ destroy: true }`.
     * ctx: { login (the authorize parameters), params (the form sent), goodTokens(), goodClaims(sub?) }.
     */
    nextToken(answer) { tokenQueue.push(answer); },
    /** The key ID tokens are signed with now. */
    get key() { return key; },
    /** Sign with a new key (new `kid`, RS256 unless `alg` says) from now on; the JWK Set publishes only it, and
     * discovery announces its `alg`. */
    rotateKey(kid, alg) { key = signingKey(kid, alg); },
    /** Drop queued behaviours and the request logs. */
    reset() {
      authorizeQueue.length = 0;
      tokenQueue.length = 0;
      tokenRequests.length = 0;
      requests.length = 0;
    },
    close: () => closeServer(server),
  };
}

/** A port on 127.0.0.1 with nothing listening (for "the network is down"). */
export async function closedPort() {
  const server = http.createServer();
  const port = await listen(server, 0);
  await closeServer(server);
  return port;
}
