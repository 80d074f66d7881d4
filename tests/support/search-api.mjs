// A stand-in for publiq's Search API 3 on 127.0.0.1, for client identification.
//
// publiq identifies the calling application by a public client id, sent as the header `x-client-id`
// or the query parameter `clientId` (the header wins when both are sent). CORS is open to any origin
// and preflights allow `x-client-id`.
//
// GET /events|/places|/organizers?…  -> 200 JSON-LD-ish paged collection when a client id came,
//                                       401 problem JSON otherwise; both carry `received`: what arrived.
// GET /debug/last                    -> the last recorded request (other than preflights and /debug).
// OPTIONS *                          -> 204 preflight answer.
// Every request (preflights too) is recorded: method, path, raw query string, parsed params, headers.
import http from 'node:http';

import { listen, closeServer } from './net.mjs';

/** Headers a preflight may ask for (publiq's list has x-client-id; the rest are what tests send). */
export const ALLOWED_HEADERS = [
  'x-client-id', 'authorization', 'x-api-key', 'content-type', 'accept-language', 'x-custom', 'x-client',
];

const EVENTS = [
  { id: '1b0e7c1d-0000-4000-8000-000000000001', name: { nl: 'Jazz in het park', fr: 'Jazz au parc' } },
  { id: '1b0e7c1d-0000-4000-8000-000000000002', name: { nl: 'Jazzavond De Singel', fr: 'Soirée jazz De Singel' } },
  { id: '1b0e7c1d-0000-4000-8000-000000000003', name: { nl: 'Kinderboerderij open dag', fr: 'Ferme pour enfants' } },
];

/**
 * @param {object} [o]
 * @param {number} [o.port=0] 0 picks a free port
 * @param {'*' | 'reflect'} [o.allowOrigin='*'] `*`, or the request's Origin echoed back
 */
export async function startSearchApi({ port = 0, allowOrigin = '*' } = {}) {
  /**
   * @type {{method:string, path:string, query:string, params:[string,string][],
   *   headers:Record<string,string|string[]>, rawHeaders:string[], preflight:boolean}[]}
   */
  const requests = [];
  let base;

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, base);
    const preflight = req.method === 'OPTIONS';
    const entry = {
      method: req.method,
      path: url.pathname,
      query: url.search.replace(/^\?/, ''),
      params: [...url.searchParams],
      headers: { ...req.headers },
      rawHeaders: [...req.rawHeaders],
      preflight,
    };
    if (url.pathname !== '/debug/last') requests.push(entry);

    const origin = req.headers.origin;
    res.setHeader('Access-Control-Allow-Origin', allowOrigin === 'reflect' && origin ? origin : '*');
    if (allowOrigin === 'reflect') res.setHeader('Vary', 'Origin');

    if (preflight) {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': ALLOWED_HEADERS.join(', '),
        'Access-Control-Max-Age': '0', // every cross-origin header request shows its preflight
      });
      res.end();
      return;
    }

    const send = (status, payload, type = 'application/json') => {
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(JSON.stringify(payload, null, 2));
    };

    if (url.pathname === '/debug/last') {
      const last = requests.filter((r) => !r.preflight).at(-1);
      send(200, last ? describe(last) : null);
      return;
    }
    if (req.method !== 'GET' || !['/events', '/places', '/organizers'].includes(url.pathname)) {
      send(404, { type: 'https://api.publiq.be/probs/url/not-found', title: 'Not Found', status: 404 },
        'application/problem+json');
      return;
    }

    const received = describe(entry);
    if (!received.clientId) {
      send(401, {
        type: 'https://api.publiq.be/probs/auth/unauthorized',
        title: 'Unauthorized',
        status: 401,
        detail: 'No client id: send the x-client-id header or the clientId query parameter.',
        received,
      }, 'application/problem+json');
      return;
    }

    const q = (url.searchParams.get('q') ?? '').toLowerCase();
    const member = (url.pathname === '/events' ? EVENTS : [])
      .filter((e) => !q || Object.values(e.name).some((n) => n.toLowerCase().includes(q)))
      .map((e) => ({ '@id': `${base}/event/${e.id}`, '@type': 'Event', name: e.name }));
    send(200, {
      '@context': 'http://www.w3.org/ns/hydra/context.jsonld',
      '@type': 'PagedCollection',
      itemsPerPage: 30,
      totalItems: member.length,
      member,
      received,
    });
  });

  const actualPort = await listen(server, port);
  base = `http://127.0.0.1:${actualPort}`;
  return {
    url: base,
    port: actualPort,
    /** Every request, preflights included, oldest first (not /debug/last). */
    requests,
    /** Requests other than preflights. */
    get calls() { return requests.filter((r) => !r.preflight); },
    /** CORS preflights. */
    get preflights() { return requests.filter((r) => r.preflight); },
    resetRequests() { requests.length = 0; },
    close: () => closeServer(server),
  };
}

/** What arrived of the client identification, as the Search API would judge it. */
function describe(entry) {
  const params = new URLSearchParams(entry.query);
  const header = entry.headers['x-client-id'];
  const clientIdHeader = Array.isArray(header) ? header.join(', ') : header ?? null;
  const clientIdQuery = params.getAll('clientId');
  return {
    method: entry.method,
    path: entry.path,
    query: entry.query,
    clientIdHeader,
    clientIdQuery: clientIdQuery.length ? clientIdQuery : null,
    // The header wins when both are sent.
    clientId: clientIdHeader || clientIdQuery[0] || null,
    via: clientIdHeader ? 'header' : clientIdQuery[0] ? 'query' : null,
    authorization: entry.headers.authorization ?? null,
  };
}
