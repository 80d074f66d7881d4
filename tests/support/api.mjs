// A small protected API on 127.0.0.1, standing in for a resource server.
//
// GET  /api/hello  -> 200 { ok, sub, name, method }
// POST /api/hello  -> 200 { ok, sub, name, method, received } (the JSON body echoed back)
// Bearer tokens are checked against the provider's userinfo endpoint (oidc-provider's default
// route `/me`), so an expired or revoked access token gets a real 401.
//
// GET|POST /api/dpop -> 200 { ok, sub, method, jkt }: DPoP-bound tokens only (RFC 9449 §7): the token is
// introspected at the provider (its `cnf.jkt`), and the `DPoP` proof checked as a resource server must: a valid
// ES256 `dpop+jwt` whose key has that thumbprint, `htm`, `htu`, a recent `iat`, a `jti` never seen, `ath` of the
// token and, when a nonce is demanded, the server's nonce. A bearer use of a DPoP-bound token is refused.
import crypto from 'node:crypto';
import http from 'node:http';

import { listen, closeServer, readBody } from './net.mjs';
import { RESOURCE_SERVER } from './provider.mjs';

const b64url = (buffer) => Buffer.from(buffer).toString('base64url');
const sha256 = (text) => b64url(crypto.createHash('sha256').update(text).digest());

/** RFC 7638 thumbprint of a public EC or OKP JWK. */
function thumbprint(jwk) {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return sha256(JSON.stringify(members));
}

/** The header and claims of an ES256 `dpop+jwt` whose signature verifies with its own `jwk`, or a reason. */
function readProof(proof) {
  const parts = (proof ?? '').split('.');
  if (parts.length !== 3) return { reason: 'no DPoP proof' };
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url'));
  } catch {
    return { reason: 'unreadable proof' };
  }
  if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256' || header.jwk?.kty !== 'EC' || header.jwk.d) {
    return { reason: 'wrong typ, alg or jwk' };
  }
  const key = crypto.createPublicKey({ key: header.jwk, format: 'jwk' });
  const ok = crypto.verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
  return ok ? { header, claims } : { reason: 'bad signature' };
}

/**
 * @param {object} o
 * @param {string} o.issuer provider base URL (no trailing slash)
 * @param {string[]} o.allowedOrigins origins allowed by CORS (the SPA's)
 * @param {number} [o.port=0]
 */
export async function startApi({ issuer, allowedOrigins, port = 0 }) {
  /** @type {{method:string, path:string, authorization?:string, body:string, dpop?:object, status?:number, refused?:string}[]} */
  const requests = [];
  let forced401 = 0;
  /** The nonce the API demands of DPoP proofs (RFC 9449 §9), once `demandNonce()` was called. */
  let nonce;
  const seenJti = new Set();

  /** The provider's introspection of `token` (RFC 7662), as the resource server's own client. */
  async function introspect(token) {
    const res = await fetch(`${issuer}/token/introspection`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from(`${RESOURCE_SERVER.clientId}:${RESOURCE_SERVER.clientSecret}`).toString('base64')}`,
      },
      body: new URLSearchParams({ token }),
    });
    return res.ok ? res.json() : { active: false };
  }

  /** The subject of a DPoP-bound token presented with a valid proof, or why the request is refused. */
  async function dpopSubject(req, url) {
    const match = /^(DPoP|Bearer) (\S+)$/.exec(req.headers.authorization ?? '');
    if (!match) return { reason: 'no token' };
    const [, scheme, token] = match;
    const info = await introspect(token);
    if (!info.active) return { reason: 'inactive token' };
    if (!info.cnf?.jkt) return { reason: 'not a DPoP-bound token' };
    if (scheme !== 'DPoP') return { reason: 'a DPoP-bound token used as a bearer token' };
    const { header, claims, reason } = readProof(req.headers.dpop);
    if (reason) return { reason };
    const checks = [
      [thumbprint(header.jwk) === info.cnf.jkt, 'proof key is not the token\'s (cnf.jkt)'],
      [claims.htm === req.method, 'htm'],
      [claims.htu === `${url}${new URL(req.url, url).pathname}`, 'htu'],
      [typeof claims.iat === 'number' && Math.abs(Date.now() / 1000 - claims.iat) <= 60, 'iat'],
      [typeof claims.jti === 'string' && !seenJti.has(claims.jti), 'jti reused'],
      [claims.ath === sha256(token), 'ath'],
    ];
    const failed = checks.find(([ok]) => !ok);
    if (failed) return { reason: failed[1], claims };
    seenJti.add(claims.jti);
    if (nonce !== undefined && claims.nonce !== nonce) return { reason: 'use_dpop_nonce', claims };
    return { sub: info.sub, jkt: info.cnf.jkt, claims };
  }

  async function subjectFor(authorization) {
    const match = /^Bearer (\S+)$/.exec(authorization ?? '');
    if (!match) return undefined;
    const res = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${match[1]}` } });
    return res.ok ? res.json() : undefined;
  }

  const server = http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    if (origin && allowedOrigins.includes(origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate, DPoP-Nonce');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type, DPoP',
        'Access-Control-Max-Age': '0',
      });
      res.end();
      return;
    }

    const path = new URL(req.url, 'http://127.0.0.1').pathname;
    const body = await readBody(req);
    requests.push({ method: req.method, path, authorization: req.headers.authorization, body });

    const send = (status, payload, headers = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', ...headers });
      res.end(JSON.stringify(payload));
    };

    if (path === '/api/dpop' && ['GET', 'POST'].includes(req.method)) {
      const entry = requests[requests.length - 1];
      const result = await dpopSubject(req, url);
      entry.dpop = result.claims;
      if (result.reason === 'use_dpop_nonce') {
        nonce = crypto.randomBytes(12).toString('base64url');
        entry.status = 401;
        send(401, { error: 'use_dpop_nonce' }, { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"', 'DPoP-Nonce': nonce });
      } else if (result.reason) {
        entry.status = 401;
        entry.refused = result.reason;
        send(401, { error: 'invalid_token', reason: result.reason }, { 'WWW-Authenticate': 'DPoP error="invalid_token"' });
      } else {
        entry.status = 200;
        const answer = { ok: true, sub: result.sub, method: req.method, jkt: result.jkt };
        if (req.method === 'POST') answer.received = body;
        send(200, answer);
      }
      return;
    }

    if (path !== '/api/hello' || !['GET', 'POST'].includes(req.method)) {
      send(404, { error: 'not_found' });
      return;
    }

    const unauthorized = () => send(401, { error: 'invalid_token' }, {
      'WWW-Authenticate': 'Bearer error="invalid_token"',
    });
    if (forced401 > 0) {
      forced401 -= 1;
      unauthorized();
      return;
    }
    let user;
    try {
      user = await subjectFor(req.headers.authorization);
    } catch {
      send(502, { error: 'provider_unreachable' });
      return;
    }
    if (!user) {
      unauthorized();
      return;
    }

    const answer = { ok: true, sub: user.sub, name: user.name, method: req.method };
    if (req.method === 'POST') {
      try {
        answer.received = JSON.parse(body);
      } catch {
        send(400, { error: 'invalid_json' });
        return;
      }
    }
    send(200, answer);
  });

  const actualPort = await listen(server, port);
  const url = `http://127.0.0.1:${actualPort}`;
  return {
    url,
    port: actualPort,
    /** Requests other than CORS preflights, oldest first. */
    requests,
    /** Answer the next `n` requests with 401 whatever their token. */
    failNext(n = 1) { forced401 = n; },
    /** From now on DPoP proofs at /api/dpop must carry the API's nonce; the first without it is told it. */
    demandNonce() { nonce = ''; },
    resetRequests() { requests.length = 0; },
    close: () => closeServer(server),
  };
}
