/**
 * An unprivileged stand-in for the network between the client's region and one region: a TCP
 * proxy on 127.0.0.1 that delays every chunk by the one-way delay (rtt / 2), charges a new
 * connection one extra round trip (the TCP handshake the loopback skipped), and plays the
 * network-level faults: kill (refuse connections), blackhole (accept, never answer) and latency.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  Http1RequestCounter,
  Http2RequestCounter,
  type RequestCounter,
} from './request-counter.js';

export interface ProxyCondition {
  readonly killed: boolean;
  readonly blackholed: boolean;
  /** Extra round trip (ms), split evenly between the two directions. */
  readonly addMs: number;
}

export interface LatencyProxyOptions {
  /** Region name, for messages. */
  readonly region: string;
  readonly targetPort: number;
  readonly rttMs: number;
  /** How requests are framed on this port, so they can be counted. */
  readonly protocol: 'http1' | 'http2';
  /**
   * Requests that reached the region: `count` requests started in bytes that arrived (after the
   * one-way delay); `delivered` is false when the region swallowed them (blackhole).
   */
  readonly onArrivals: (count: number, delivered: boolean) => void;
}

const HOST = '127.0.0.1';

/** Runs callbacks at given times, in order, with one timer: later chunks never overtake earlier ones. */
class DelayLine {
  #items: { at: number; run: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #last = 0;

  push(at: number, run: () => void): void {
    const when = Math.max(at, this.#last);
    this.#last = when;
    this.#items.push({ at: when, run });
    if (!this.#timer) this.#arm();
  }

  clear(): void {
    this.#items = [];
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const first = this.#items[0];
    if (!first) return;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, first.at - performance.now()));
  }

  #flush(): void {
    this.#timer = undefined;
    // Half a millisecond of slack: timers fire on whole milliseconds.
    const now = performance.now() + 0.5;
    while (this.#items.length && (this.#items[0] as { at: number }).at <= now) {
      (this.#items.shift() as { run: () => void }).run();
    }
    this.#arm();
  }
}

class ProxiedConnection {
  readonly #proxy: LatencyProxy;
  readonly #client: net.Socket;
  #upstream: net.Socket | undefined;
  readonly #toServer = new DelayLine();
  readonly #toClient = new DelayLine();
  readonly #counter: RequestCounter;
  /** Earliest moment client data may arrive: the handshake costs one round trip. */
  readonly #notBefore: number;
  /** Caught in a blackhole: nothing is forwarded any more; reset when the blackhole lifts. */
  holed = false;
  /** Reset by the proxy (kill, end of a blackhole, shutdown): nothing more is delivered. */
  #reset = false;

  constructor(proxy: LatencyProxy, client: net.Socket, counter: RequestCounter) {
    this.#proxy = proxy;
    this.#client = client;
    this.#counter = counter;
    this.#notBefore = performance.now() + proxy.roundTripMs;
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.#fromClient(chunk));
    client.on('end', () => this.#toServer.push(this.#arrival(), () => this.#upstream?.end()));
    client.on('error', () => {});
    client.on('close', () => this.#onClientClose());
    if (proxy.condition.blackholed) {
      this.holed = true;
    } else {
      this.#connectUpstream();
    }
  }

  /** The region is gone: reset the client's connection (ECONNRESET on its side). */
  reset(): void {
    this.#reset = true;
    this.#toServer.clear();
    this.#toClient.clear();
    this.#client.resetAndDestroy();
    this.#upstream?.destroy();
  }

  #connectUpstream(): void {
    const upstream = net.connect({ host: HOST, port: this.#proxy.targetPort });
    upstream.setNoDelay(true);
    upstream.on('data', (chunk: Buffer) => {
      if (this.holed) return;
      this.#toClient.push(performance.now() + this.#proxy.oneWayMs, () => {
        if (!this.holed && !this.#client.destroyed) this.#client.write(chunk);
      });
    });
    upstream.on('end', () =>
      this.#toClient.push(performance.now() + this.#proxy.oneWayMs, () => this.#client.end()),
    );
    upstream.on('error', () => {});
    upstream.on('close', () => {
      if (!this.#reset && !this.holed) {
        this.#toClient.push(performance.now() + this.#proxy.oneWayMs, () => this.#client.destroy());
      }
    });
    this.#upstream = upstream;
  }

  #arrival(): number {
    return Math.max(performance.now(), this.#notBefore) + this.#proxy.oneWayMs;
  }

  #fromClient(chunk: Buffer): void {
    // Counted when the bytes reach the region, even if the client gave up meanwhile: bytes on
    // the wire arrive regardless, and the server would see (and may apply) the request.
    this.#toServer.push(this.#arrival(), () => {
      const requests = this.#counter.push(chunk);
      const delivered = !this.holed && !this.#reset;
      if (requests > 0) this.#proxy.onArrivals(requests, delivered);
      if (delivered) this.#upstream?.write(chunk);
    });
  }

  #onClientClose(): void {
    this.#proxy.forget(this);
    if (this.#reset) return;
    this.#toClient.clear();
    // Let bytes still on their way reach the server, then hang up.
    this.#toServer.push(this.#arrival(), () => this.#upstream?.destroy());
  }
}

export class LatencyProxy {
  readonly region: string;
  readonly targetPort: number;
  readonly rttMs: number;
  readonly onArrivals: (count: number, delivered: boolean) => void;
  readonly #protocol: 'http1' | 'http2';
  readonly #server: net.Server;
  readonly #connections = new Set<ProxiedConnection>();
  #port = 0;
  #condition: ProxyCondition = { killed: false, blackholed: false, addMs: 0 };
  #listening = false;

  constructor(options: LatencyProxyOptions) {
    this.region = options.region;
    this.targetPort = options.targetPort;
    this.rttMs = options.rttMs;
    this.onArrivals = options.onArrivals;
    this.#protocol = options.protocol;
    this.#server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  get port(): number {
    return this.#port;
  }

  get condition(): ProxyCondition {
    return this.#condition;
  }

  /** Round trip now (ms), latency faults included. */
  get roundTripMs(): number {
    return this.rttMs + this.#condition.addMs;
  }

  /** One-way delay now (ms): half the round trip. */
  get oneWayMs(): number {
    return this.roundTripMs / 2;
  }

  async listen(): Promise<number> {
    await this.#listen(0);
    return this.#port;
  }

  /** Applies the region's network condition; takes effect for open connections too. */
  async setCondition(next: ProxyCondition): Promise<void> {
    const previous = this.#condition;
    this.#condition = next;
    if (next.killed && !previous.killed) {
      await this.#stopListening();
      for (const connection of this.#connections) connection.reset();
      this.#connections.clear();
    } else if (!next.killed && previous.killed) {
      await this.#listen(this.#port);
    }
    if (next.blackholed && !previous.blackholed) {
      for (const connection of this.#connections) connection.holed = true;
    } else if (!next.blackholed && previous.blackholed) {
      // A middlebox that dropped everything has lost the connections' state: reset them, so
      // clients reconnect instead of waiting on connections that will never answer.
      for (const connection of this.#connections) {
        if (connection.holed) {
          connection.reset();
          this.#connections.delete(connection);
        }
      }
    }
  }

  forget(connection: ProxiedConnection): void {
    this.#connections.delete(connection);
  }

  async close(): Promise<void> {
    for (const connection of this.#connections) connection.reset();
    this.#connections.clear();
    await this.#stopListening();
  }

  #accept(socket: net.Socket): void {
    if (this.#condition.killed) {
      socket.resetAndDestroy(); // accepted in the instant before the listener closed
      return;
    }
    const counter =
      this.#protocol === 'http1' ? new Http1RequestCounter() : new Http2RequestCounter();
    this.#connections.add(new ProxiedConnection(this, socket, counter));
  }

  #listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (error: Error) =>
        reject(
          new Error(`proxy for ${this.region} cannot listen on ${HOST}:${port}: ${error.message}`),
        );
      this.#server.once('error', onError);
      this.#server.listen({ host: HOST, port, exclusive: true }, () => {
        this.#server.off('error', onError);
        this.#listening = true;
        const address = this.#server.address();
        if (address && typeof address === 'object') this.#port = address.port;
        resolve();
      });
    });
  }

  #stopListening(): Promise<void> {
    if (!this.#listening) return Promise.resolve();
    this.#listening = false;
    // close() stops accepting at once but calls back only when the open connections are gone,
    // and the callers reset those right after: do not wait for it.
    this.#server.close();
    return Promise.resolve();
  }
}
