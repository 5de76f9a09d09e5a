/**
 * `pnpm bench:instructions [--requests N] [--warmup N] [--top K]`: user-space instructions per
 * request of the http suite's `undici`, `passthrough-interceptor` and `regionkit-request`
 * subjects (client process only, real loopback server), counted by valgrind's callgrind.
 *
 * Timings on this shared 2-core machine move by ±7% between rounds and 1.5× between sessions;
 * instruction counts repeat within a few percent, so they show what a change to the request
 * path costs or saves. Counts are split into JavaScript and runtime ("mutator": repeats within
 * ~2%), garbage collection and JIT compilation (both vary between runs: valgrind's timing moves
 * V8's heap-sizing and tier-up decisions), and the JavaScript functions of regionkit and
 * opossum are named from V8's perf map, with their own instructions per request (callees
 * inlined by the JIT count as their caller's).
 *
 * Caveat: valgrind slows the process ~50×, so work done on a timer (the 5 ms deadline sweep,
 * the 250 ms health refresh, breaker bucket rotation) is over-counted per request ~50×.
 * Needs valgrind on PATH; each subject takes one to two minutes.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const SUBJECTS = ['undici', 'passthrough-interceptor', 'regionkit-request'] as const;
const OWN_CODE = /packages\/[a-z]+\/dist\/|opossum\/lib\//;
const COMPILER =
  /compiler::|maglev::|turboshaft|Zone|RegisterAllocat|LiveRange|Schedul|Compil|Bytecode|Parser|Scanner|Deserializer|interpreter::|baseline::/;
const GARBAGE_COLLECTOR =
  /Scaveng|Marking|Sweep|heap::|Evacuat|Remembered|SlotSet|BodyDescriptor|MemoryAllocator|PagedSpace|Compactor|Heap|SizeFromMap|Concurrent|malloc|_int_free/;

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '3000' },
    warmup: { type: 'string', default: '20000' },
    top: { type: 'string', default: '25' },
  },
});
const requests = Number(values.requests);

try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error(
    'bench:instructions needs valgrind (with callgrind) on PATH, e.g. apt install valgrind',
  );
  process.exit(2);
}

interface Counted {
  readonly subject: string;
  readonly mutator: number;
  readonly gc: number;
  readonly compiler: number;
  /** Instructions per request of each named JavaScript function. */
  readonly functions: Map<string, number>;
}

const dir = mkdtempSync(join(tmpdir(), 'regionkit-instructions-'));
const results: Counted[] = [];
try {
  for (const subject of SUBJECTS) results.push(await count(subject, join(dir, `${subject}.out`)));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const [undici, passthrough, regionkit] = results as [Counted, Counted, Counted];
console.table(
  results.map((r) => ({
    subject: r.subject,
    'mutator / req': Math.round(r.mutator),
    'gc / req (varies)': Math.round(r.gc),
    'compiler / req (noise)': Math.round(r.compiler),
  })),
);
// Mutator counts repeat within ~2% between runs; GC counts do not under valgrind (its timing
// changes V8's heap-sizing decisions), so the headline compares the mutator only.
console.log(
  `regionkit-request runs ${Math.round(regionkit.mutator - undici.mutator)} more mutator ` +
    `instructions per request than undici (×${(regionkit.mutator / undici.mutator).toFixed(2)}), ` +
    `of which ${Math.round(passthrough.mutator - undici.mutator)} any interceptor sending the same ` +
    `headers pays (passthrough-interceptor); ` +
    `GC ${Math.round(undici.gc)} vs ${Math.round(regionkit.gc)} (varies between runs)`,
);
const own = [...regionkit.functions].filter(([name]) => OWN_CODE.test(name));
console.log(`\nregionkit and opossum JavaScript, instructions per request (top ${values.top}):`);
for (const [name, perRequest] of own.sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
  console.log(`${Math.round(perRequest).toString().padStart(7)}  ${name}`);
}
console.log(
  '\n(valgrind runs ~50× slower: timer-driven work such as rolling-window totals, the 250 ms ' +
    'health refresh, and the deadline sweep #tick is over-counted per request by about that much)',
);

/** Runs one subject under callgrind and reads its counts back, per request. */
async function count(subject: string, outFile: string): Promise<Counted> {
  console.error(`counting ${subject} (${values.warmup} warm-up, ${requests} counted requests)…`);
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      '--instr-atstart=no',
      `--callgrind-out-file=${outFile}`,
      process.execPath,
      '--perf-basic-prof',
      // Reach optimised code within the warm-up, as a long-running process would.
      '--invocation-count-for-turbofan=600',
      '--import=tsx',
      join(import.meta.dirname, 'workload.ts'),
      subject,
      String(requests),
      String(values.warmup),
    ],
    { stdio: ['ignore', 'ignore', 'ignore'] },
  );
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`valgrind run of ${subject} exited with ${code}`);
  const perfMap = `/tmp/perf-${child.pid}.map`;
  try {
    return summarise(subject, annotate(outFile), readPerfMap(perfMap));
  } finally {
    rmSync(perfMap, { force: true });
  }
}

/** callgrind_annotate's per-function totals: [instructions, function name]. */
function annotate(outFile: string): Array<[number, string]> {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', outFile], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const rows: Array<[number, string]> = [];
  for (const line of text.split('\n')) {
    const match = /^\s*([\d,]+) \([ \d.]+%\)\s+(.*)$/.exec(line);
    if (!match || line.includes('PROGRAM TOTALS')) continue;
    rows.push([Number(match[1]?.replaceAll(',', '')), (match[2] ?? '').replace(/^\?\?\?:/, '')]);
  }
  return rows;
}

interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** V8's perf map: one line per code object, `start size name` (hex). Sorted by start. */
function readPerfMap(path: string): CodeRange[] {
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [start, size, ...name] = line.split(' ');
    if (!start || !size) continue;
    const from = Number.parseInt(start, 16);
    ranges.push({ start: from, end: from + Number.parseInt(size, 16), name: name.join(' ') });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/** The latest code object covering `address`, by binary search over the sorted map. */
function codeAt(ranges: readonly CodeRange[], address: number): string | undefined {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if ((ranges[mid] as CodeRange).start <= address) low = mid + 1;
    else high = mid - 1;
  }
  for (let i = high; i >= 0 && i > high - 8; i--) {
    const range = ranges[i] as CodeRange;
    if (address < range.end) return range.name;
  }
  return undefined;
}

function summarise(
  subject: string,
  rows: Array<[number, string]>,
  ranges: readonly CodeRange[],
): Counted {
  let mutator = 0;
  let gc = 0;
  let compiler = 0;
  const functions = new Map<string, number>();
  for (const [instructions, name] of rows) {
    const perRequest = instructions / requests;
    if (COMPILER.test(name)) compiler += perRequest;
    else if (GARBAGE_COLLECTOR.test(name)) gc += perRequest;
    else mutator += perRequest;
    const jit = /^0x([0-9a-f]+) \[\?\?\?\]$/.exec(name);
    if (!jit) continue;
    const code = codeAt(ranges, Number.parseInt(jit[1] as string, 16)) ?? '(unnamed JIT code)';
    functions.set(code, (functions.get(code) ?? 0) + perRequest);
  }
  return { subject, mutator, gc, compiler, functions };
}
