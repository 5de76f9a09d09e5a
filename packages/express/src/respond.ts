import type { ServerResponse } from 'node:http';

/** Writes a small JSON answer with the headers a load balancer and a human both need. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('content-length', Buffer.byteLength(payload));
  res.end(res.req?.method === 'HEAD' ? undefined : payload);
}
