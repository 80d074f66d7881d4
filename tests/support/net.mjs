// Small helpers shared by the test servers.

/** Listen on 127.0.0.1 (port 0 = any free port) and resolve with the port. */
export function listen(server, port = 0) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve(server.address().port);
    });
  });
}

/** Close a server, dropping kept-alive connections so tests end promptly. */
export function closeServer(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Read a request body as a string. */
export async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a scripted answer `{ status, json?, raw?, headers? }`: JSON when `json` is given, else plain text. */
export function writeAnswer(res, answer, headers = {}) {
  const all = { 'Cache-Control': 'no-store', ...headers, ...(answer.headers ?? {}) };
  if (answer.json !== undefined) {
    res.writeHead(answer.status, { 'Content-Type': 'application/json', ...all });
    res.end(JSON.stringify(answer.json));
  } else {
    res.writeHead(answer.status, { 'Content-Type': 'text/plain', ...all });
    res.end(answer.raw ?? '');
  }
}
