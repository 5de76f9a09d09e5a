/**
 * Real HTTP servers on 127.0.0.1 standing in for the regions of one service, for the HTTP
 * tests. Each records what it received, so tests can assert on the wire, not on mocks.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Received {
  readonly region: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly rawHeaders: string[];
  readonly body: string;
  /** Identifies the TCP connection, to tell keep-alive reuse from new connections. */
  readonly socketId: number;
  readonly socket: Socket;
}

export type RegionHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  received: Received,
) => unknown;

export interface RegionServer extends AsyncDisposable {
  readonly name: string;
  readonly origin: string;
  readonly server: Server;
  readonly received: Received[];
  /** Sockets the server has seen, open or closed. */
  readonly sockets: Set<Socket>;
  handler: RegionHandler;
  /** Stops listening and destroys every connection, as a crashed region would. */
  kill(): Promise<void>;
}

let nextSocketId = 1;
const socketIds = new WeakMap<Socket, number>();

export async function startRegion(
  name: string,
  handler: RegionHandler = (_req, res) => {
    res.end(name);
  },
): Promise<RegionServer> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const region = {
    name,
    origin: '',
    received,
    sockets,
    handler,
  } as RegionServer & { origin: string; server: Server };
  const listener: RequestListener = (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      const record: Received = {
        region: name,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body,
        socketId: socketIds.get(req.socket) ?? 0,
        socket: req.socket,
      };
      received.push(record);
      Promise.resolve(region.handler(req, res, body, record)).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
  };
  const server = createServer({ keepAliveTimeout: 5_000 }, listener);
  server.on('connection', (socket) => {
    socketIds.set(socket, nextSocketId++);
    sockets.add(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  region.server = server;
  region.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  region.kill = async () => {
    if (!server.listening) return;
    server.close();
    server.closeAllConnections();
    for (const socket of sockets) socket.destroy();
    await once(server, 'close');
  };
  region[Symbol.asyncDispose] = region.kill;
  return region;
}

/** Three regions of `orders`, nearest first from us-east. */
export async function startRegions(
  names: readonly string[] = ['us-east', 'us-west', 'eu-west'],
  handler?: RegionHandler,
): Promise<RegionServer[]> {
  return Promise.all(names.map((name) => startRegion(name, handler)));
}

export function regionsConfig(servers: readonly RegionServer[]) {
  const rtt = [1, 60, 80, 120];
  return servers.map((s, i) => ({ name: s.name, origin: s.origin, rttMs: rtt[i] ?? 200 }));
}

/** Every header named `name` exactly as it went over the wire (duplicates included). */
export function rawHeaderValues(received: Received, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < received.rawHeaders.length; i += 2) {
    if (received.rawHeaders[i]?.toLowerCase() === name)
      values.push(received.rawHeaders[i + 1] ?? '');
  }
  return values;
}
