/**
 * The terminal view of a running game day, refreshed every second: a progress line and a
 * per-region table (traffic share, success rate, p99, breaker state). On a TTY the block is
 * redrawn in place with plain ANSI; elsewhere (CI logs) it prints one line per second.
 */
import type { Writable } from 'node:stream';

export interface RegionRow {
  readonly region: string;
  readonly local: boolean;
  /** Share of the last second's successful calls this region answered (0..1). */
  readonly share: number;
  /** ok answers / arrivals at this region in the last second; null when nothing arrived. */
  readonly successRate: number | null;
  /** p99 of the last second's calls this region answered (ms); null when none. */
  readonly p99Ms: number | null;
  readonly arrivals: number;
  /** The client's breaker for this region, if it has breakers. */
  readonly breaker: string | undefined;
  /** Fault labels active on this region now. */
  readonly faults: readonly string[];
}

export interface LiveSnapshot {
  readonly title: string;
  readonly elapsedS: number;
  readonly durationS: number;
  readonly calls: number;
  readonly succeeded: number;
  /** p99 of calls completed in the last second (ms). */
  readonly p99Ms: number | null;
  readonly amplification: number;
  readonly regions: readonly RegionRow[];
}

const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const RED = '\x1b[31m';
const GREEN = '\x1b[32m';
const YELLOW = '\x1b[33m';
const DIM = '\x1b[2m';

export class LiveView {
  readonly #out: Writable & { isTTY?: boolean };
  readonly #tty: boolean;
  #drawnLines = 0;

  constructor(out: Writable & { isTTY?: boolean } = process.stdout) {
    this.#out = out;
    this.#tty = out.isTTY === true && process.env.TERM !== 'dumb';
  }

  update(snapshot: LiveSnapshot): void {
    if (this.#tty) {
      const lines = renderBlock(snapshot, true);
      // Move to the top of the previous block and clear it, then draw the new one.
      const up = this.#drawnLines ? `\x1b[${this.#drawnLines}A\x1b[J` : '';
      this.#out.write(`${up}${lines.join('\n')}\n`);
      this.#drawnLines = lines.length;
    } else {
      this.#out.write(`${renderLine(snapshot)}\n`);
    }
  }

  /** Leaves the last block on screen; later output starts below it. */
  finish(): void {
    this.#drawnLines = 0;
  }

  message(text: string): void {
    this.#out.write(`${text}\n`);
    this.#drawnLines = 0;
  }
}

function pct(value: number | null, digits = 1): string {
  return value === null ? '—' : `${(value * 100).toFixed(digits)}%`;
}

function ms(value: number | null): string {
  return value === null ? '—' : `${Math.round(value)} ms`;
}

function progress(s: LiveSnapshot): string {
  const rate = s.calls ? s.succeeded / s.calls : null;
  return (
    `${s.title}  ${s.elapsedS.toFixed(0).padStart(3)}/${s.durationS} s  calls ${s.calls}` +
    `  ok ${pct(rate, 2)}  p99 ${ms(s.p99Ms)}  amplification ${s.amplification.toFixed(2)}`
  );
}

export function renderBlock(s: LiveSnapshot, color: boolean): string[] {
  const c = (code: string, text: string) => (color ? `${code}${text}${RESET}` : text);
  const faults = s.regions.flatMap((r) => r.faults);
  const lines = [c(BOLD, progress(s))];
  lines.push(
    faults.length
      ? c(RED, `  faults now: ${[...new Set(faults)].join('; ')}`)
      : c(DIM, '  no fault active'),
  );
  lines.push(
    c(
      DIM,
      `  ${'region'.padEnd(14)}${'share'.padStart(8)}${'success'.padStart(10)}${'p99'.padStart(10)}${'arrivals/s'.padStart(12)}  breaker`,
    ),
  );
  for (const r of s.regions) {
    const name = `${r.region}${r.local ? ' (local)' : ''}`.padEnd(14);
    const success = pct(r.successRate).padStart(10);
    const successColored =
      r.successRate === null
        ? success
        : c(r.successRate >= 0.99 ? GREEN : r.successRate >= 0.9 ? YELLOW : RED, success);
    const breaker = r.breaker ?? '—';
    const breakerColored = c(
      breaker === 'open' ? RED : breaker === 'halfOpen' ? YELLOW : '',
      breaker,
    );
    lines.push(
      `  ${name}${pct(r.share).padStart(8)}${successColored}${ms(r.p99Ms).padStart(10)}${String(r.arrivals).padStart(12)}  ${breakerColored}`,
    );
  }
  return lines;
}

/** One line for logs: the progress line, then each region as name=share/success/p99/breaker. */
export function renderLine(s: LiveSnapshot): string {
  const regions = s.regions
    .map(
      (r) =>
        `${r.region}=${pct(r.share, 0)}/${pct(r.successRate, 0)}/${ms(r.p99Ms)}${r.breaker ? `/${r.breaker}` : ''}`,
    )
    .join(' ');
  const faults = [...new Set(s.regions.flatMap((r) => r.faults))];
  return `${progress(s)} | share/success/p99/breaker ${regions}${faults.length ? ` | faults: ${faults.join('; ')}` : ''}`;
}
