// A programmable resource server (CORS, DPoP-Nonce and WWW-Authenticate exposed) for the field-report tests.
import http from 'node:http';
import { listen, closeServer, readBody, writeAnswer } from './net.mjs';

export async function startRs() {
  const requests = [];
  let handler = () => ({ status: 200, json: { ok: true } });
  const server = http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    const cors = {
      'Access-Control-Allow-Origin': origin ?? '*',
      'Access-Control-Expose-Headers': 'WWW-Authenticate, DPoP-Nonce, Location',
      'Access-Control-Allow-Credentials': 'true',
    };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE', 'Access-Control-Allow-Headers': 'Authorization, Content-Type, DPoP, x-client-id, X-Api-Key', 'Access-Control-Max-Age': '0' });
      res.end();
      return;
    }
    const body = await readBody(req);
    const url = new URL(req.url, 'http://127.0.0.1');
    let dpop;
    try { dpop = req.headers.dpop ? JSON.parse(Buffer.from(req.headers.dpop.split('.')[1], 'base64url')) : undefined; } catch { dpop = 'unreadable'; }
    const entry = { method: req.method, path: url.pathname, search: url.search, authorization: req.headers.authorization, dpop, body, headers: req.headers };
    requests.push(entry);
    const answer = await handler(entry, requests.length);
    entry.status = answer.status;
    writeAnswer(res, answer, cors);
  });
  const port = await listen(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    on(fn) { handler = fn; },
    reset() { requests.length = 0; handler = () => ({ status: 200, json: { ok: true } }); },
    close: () => closeServer(server),
  };
}
