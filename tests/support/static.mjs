// Static server on 127.0.0.1: `www/` at `/`, the built library `pkg/` at `/pkg/`, and the
// app's configuration at `/config.json`.
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { listen, closeServer } from './net.mjs';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
/** The built library served at /pkg/: the repo's pkg/, or SPA_AUTH_PKG_DIR to test another build. */
export const PKG_DIR = path.resolve(process.env.SPA_AUTH_PKG_DIR ?? path.join(REPO_ROOT, 'pkg'));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm', // required by WebAssembly.instantiateStreaming
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** Map a URL path to a file under one of the roots, or undefined (never outside a root). */
function resolveFile(roots, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  for (const [prefix, dir] of roots) {
    if (!decoded.startsWith(prefix)) continue;
    const rel = decoded.slice(prefix.length) || 'index.html';
    const file = path.resolve(dir, `.${path.posix.sep}${rel}`);
    return file.startsWith(dir + path.sep) ? file : undefined;
  }
  return undefined;
}

/**
 * @param {object} o
 * @param {object | ((origin: string) => object)} o.config served as /config.json
 *   (a function is called per request, so it may use values that exist only after start-up)
 * @param {number} [o.port=0]
 * @param {string} [o.wwwDir] defaults to the repo's www/
 * @param {string} [o.pkgDir] defaults to PKG_DIR
 */
export async function startStatic({
  config,
  port = 0,
  wwwDir = path.join(REPO_ROOT, 'www'),
  pkgDir = PKG_DIR,
}) {
  // Longest prefix first.
  const roots = [['/pkg/', path.resolve(pkgDir)], ['/', path.resolve(wwwDir)]];
  let origin;

  const server = http.createServer(async (req, res) => {
    const send = (status, type, body) => {
      // no-cache, not no-store: always fetched again (no validators), and pages may enter the back/forward cache.
      res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(405, 'text/plain', 'method not allowed');
      return;
    }
    const urlPath = new URL(req.url, origin).pathname;
    if (urlPath === '/config.json') {
      const value = typeof config === 'function' ? config(origin) : config;
      send(200, MIME['.json'], JSON.stringify(value));
      return;
    }
    const file = resolveFile(roots, urlPath);
    if (!file) {
      send(404, 'text/plain', 'not found');
      return;
    }
    try {
      const body = await fs.readFile(file);
      send(200, MIME[path.extname(file)] ?? 'application/octet-stream', body);
    } catch {
      send(404, 'text/plain', 'not found');
    }
  });

  const actualPort = await listen(server, port);
  origin = `http://127.0.0.1:${actualPort}`;
  return { origin, port: actualPort, close: () => closeServer(server) };
}
