/**
 * `pnpm start`: OpenTelemetry sdk-node next to regionkit, traced end to end. A client calls
 * the `checkout` Express service (us-east), which calls the `orders` service through
 * @regionkit/fetch; orders runs as three Express apps on 127.0.0.1, one per region. The local
 * orders region is killed, and the request that fails over is printed as one trace — client,
 * checkout, the regionkit call span with both attempts, and the orders server that answered.
 * Then a few more requests, and the metrics an SRE graphs (with their Prometheus names).
 *
 * `pnpm start -- --console` adds the console span and metric exporters' raw output.
 * Bounded: it stops by itself in a few seconds (hard limit 20 s).
 */
import { register } from 'node:module';
import { startTelemetry } from './telemetry.js';

// ESM apps: let the instrumentations patch modules loaded through `import` (express here);
// the same as `node --import` with a file that does this, before the app's first import.
register('@opentelemetry/instrumentation/hook.mjs', import.meta.url);

const guard = setTimeout(() => {
  console.error('example-otel: did not finish within 20 s; giving up.');
  process.exit(1);
}, 20_000);
guard.unref();

const telemetry = startTelemetry({ console: process.argv.includes('--console') });
// Loaded only now, after the SDK started: the http and express instrumentations patch those
// modules as they load, and regionkit's clients register their metrics when they are created.
const { runExample } = await import('./chain.js');
await runExample(telemetry);
console.log(`\n${await telemetry.shutdown()}`);
clearTimeout(guard);
