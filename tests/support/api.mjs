// A small protected API on 127.0.0.1, standing in for a resource server.
//
// GET  /api/hello  -> 200 { ok, sub, name, method }
// POST /api/hello  -> 200 { ok, sub, name, method, received } (the JSON body echoed back)
// Bearer tokens are checked against the provider's userinfo endpoint (oidc-provider's default
// route `/me`), so an expired or revoked access token gets a real 401.
import http from 'node:http';

import { listen, closeServer, readBody } from './net.mjs';

/**
 * @param {object} o
 * @param {string} o.issuer provider base URL (no trailing slash)
 * @param {string[]} o.allowedOrigins origins allowed by CORS (the SPA's)
 * @param {number} [o.port=0]
 */
export async function startApi({ issuer, allowedOrigins, port = 0 }) {
  /** @type {{method:string, path:string, authorization?:string, body:string}[]} */
  const requests = [];
  let forced401 = 0;

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
      res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
      res.setHeader('Vary', 'Origin');
    }
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, POST',
        'Access-Control-Allow-Headers': 'Authorization, Content-Type',
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
    resetRequests() { requests.length = 0; },
    close: () => closeServer(server),
  };
}
