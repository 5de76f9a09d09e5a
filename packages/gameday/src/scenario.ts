/**
 * The scenario file format (a contract: other tools write these files) and its validation.
 * Everything is checked before anything starts; every problem names its field.
 */
import { GAMEDAY_DEFAULTS, GAMEDAY_LIMITS } from './defaults.js';

/** Shortest fault or flap period (s): the harness schedules faults in whole milliseconds. */
const MIN_FAULT_S = 0.001;

export type Protocol = 'http' | 'grpc' | 'mixed';

export interface ScenarioRegion {
  readonly name: string;
  /** Round trip between the client's region and this region (ms). */
  readonly rttMs: number;
}

export interface LoadSpec {
  /** Calls started per second, on schedule (open loop). */
  readonly rps: number;
  /** Share of calls that are non-idempotent writes (sent with idempotency keys), 0..1. */
  readonly writeRatio: number;
  readonly protocol: Protocol;
  /** Overall deadline of each call (ms). @default 2000 */
  readonly deadlineMs: number;
}

interface FaultWindow {
  /** Region the fault hits (ignored by `partition`). */
  readonly region: string;
  /** Start, seconds after the load starts. */
  readonly atS: number;
  /** Length (s). */
  readonly forS: number;
}

export type Fault =
  | (FaultWindow & { readonly kind: 'kill' })
  | (FaultWindow & { readonly kind: 'blackhole' })
  | (FaultWindow & { readonly kind: 'latency'; readonly addMs: number })
  | (FaultWindow & { readonly kind: 'errors'; readonly rate: number })
  | (FaultWindow & {
      readonly kind: 'throttle';
      readonly rate: number;
      readonly retryAfterS: number;
    })
  | (FaultWindow & { readonly kind: 'flap'; readonly periodS: number })
  | (FaultWindow & { readonly kind: 'partition' });

export type FaultKind = Fault['kind'];

export interface Expectations {
  /** Lowest acceptable successRate (0..1). */
  readonly successRate?: number;
  /** Most duplicate writes acceptable (normally 0). */
  readonly duplicateWrites?: number;
  readonly maxLoadAmplification?: number;
  readonly maxTimeToShiftMs?: number;
  readonly maxTimeToRecoverMs?: number;
  /** Highest acceptable p99 of all calls (ms). */
  readonly maxP99Ms?: number;
  /** Highest acceptable median duration of failed calls (ms): failures must be fast. */
  readonly maxFailedP50Ms?: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly regions: readonly ScenarioRegion[];
  readonly local: string;
  readonly durationS: number;
  readonly load: LoadSpec;
  readonly faults: readonly Fault[];
  readonly expect: Expectations;
}

export const FAULT_KINDS: readonly FaultKind[] = [
  'kill',
  'blackhole',
  'latency',
  'errors',
  'throttle',
  'flap',
  'partition',
];

export const EXPECTATION_KEYS: readonly (keyof Expectations)[] = [
  'successRate',
  'duplicateWrites',
  'maxLoadAmplification',
  'maxTimeToShiftMs',
  'maxTimeToRecoverMs',
  'maxP99Ms',
  'maxFailedP50Ms',
];

/** The scenario is invalid; `problems` lists every field at fault, one sentence each. */
export class ScenarioError extends Error {
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    super(
      `invalid scenario ${source}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n` +
        'See packages/gameday/README.md for the scenario format.',
    );
    this.name = 'ScenarioError';
    this.problems = problems;
  }
}

const REGION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const KIND_FIELDS: Record<FaultKind, readonly string[]> = {
  kill: [],
  blackhole: [],
  latency: ['addMs'],
  errors: ['rate'],
  throttle: ['rate', 'retryAfterS'],
  flap: ['periodS'],
  partition: [],
};

/**
 * Checks an untrusted value (parsed JSON) against the format and returns a typed scenario with
 * defaults filled in. Throws ScenarioError listing every problem. `supportedProtocols` lets the
 * caller refuse protocols whose adapter is missing.
 */
export function parseScenario(
  input: unknown,
  source = 'scenario',
  supported: { readonly protocols?: readonly Protocol[]; readonly unsupportedWhy?: string } = {},
): Scenario {
  const v = new Validator();
  const root = v.object(input, '', [
    'name',
    'description',
    'regions',
    'local',
    'durationS',
    'load',
    'faults',
    'expect',
  ]);
  if (!root) throw new ScenarioError(source, v.problems);

  const name = v.string(root.name, 'name', true) ?? '';
  const description = v.string(root.description, 'description', false) ?? '';
  // Checks that depend on another field run only when that field is valid: a broken field gets
  // its own problem, not a second, misleading one about every field that refers to it.
  const { regions, names } = v.regions(root.regions);
  const local = v.string(root.local, 'local', true) ?? '';
  if (local && names && !names.includes(local)) {
    v.problem('local', `is "${local}", which is not one of regions [${names.join(', ')}]`);
  }
  const durationS = v.number(root.durationS, 'durationS', { min: 0, exclusiveMin: true });
  if (durationS !== undefined) v.max(durationS, 'durationS', GAMEDAY_LIMITS.maxDurationS);
  const load = v.load(root.load, durationS, supported);
  const faults = v.faults(root.faults, names, durationS);
  const expect = v.expectations(root.expect);

  if (v.problems.length || durationS === undefined) throw new ScenarioError(source, v.problems);
  return { name, description, regions, local, durationS, load, faults, expect };
}

type Json = Record<string, unknown>;

/** Collects problems instead of stopping at the first, so one run shows every mistake. */
class Validator {
  readonly problems: string[] = [];

  problem(field: string, text: string): void {
    this.problems.push(`\`${field || '(root)'}\` ${text}`);
  }

  object(value: unknown, field: string, allowed: readonly string[]): Json | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.problem(field, `must be an object, got ${describe(value)}`);
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!allowed.includes(key)) {
        const at = field ? `${field}.${key}` : key;
        this.problem(at, `is not a known field; allowed here: ${allowed.join(', ')}`);
      }
    }
    return value as Json;
  }

  string(value: unknown, field: string, required: boolean): string | undefined {
    if (value === undefined && !required) return undefined;
    if (typeof value !== 'string' || value.length === 0) {
      this.problem(field, `must be a non-empty string, got ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  number(
    value: unknown,
    field: string,
    range: { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean } = {},
  ): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.problem(field, `must be a number, got ${describe(value)}`);
      return undefined;
    }
    const { min, max, exclusiveMin, integer } = range;
    if (min !== undefined && (exclusiveMin ? value <= min : value < min)) {
      this.problem(field, `is ${value}; it must be ${exclusiveMin ? '>' : '≥'} ${min}`);
      return undefined;
    }
    if (max !== undefined && value > max) {
      this.problem(field, `is ${value}; it must be ≤ ${max}`);
      return undefined;
    }
    if (integer && !Number.isInteger(value)) {
      this.problem(field, `is ${value}; it must be a whole number`);
      return undefined;
    }
    return value;
  }

  max(value: number, field: string, limit: number): void {
    if (value > limit) this.problem(field, `is ${value}; the harness allows at most ${limit}`);
  }

  /**
   * The valid regions, and every name declared (also by an entry whose rttMs is wrong), or no
   * names when `regions` itself is not a list: then nothing can be checked against it.
   */
  regions(value: unknown): { regions: ScenarioRegion[]; names: string[] | undefined } {
    if (!Array.isArray(value) || value.length === 0) {
      this.problem(
        'regions',
        `must be a non-empty array of { name, rttMs }, got ${describe(value)}`,
      );
      return { regions: [], names: undefined };
    }
    if (value.length > GAMEDAY_LIMITS.maxRegions) {
      this.problem('regions', `has ${value.length} entries; at most ${GAMEDAY_LIMITS.maxRegions}`);
    }
    const seen = new Set<string>();
    const regions: ScenarioRegion[] = [];
    value.forEach((item, i) => {
      const at = `regions[${i}]`;
      const region = this.object(item, at, ['name', 'rttMs']);
      if (!region) return;
      const name = this.string(region.name, `${at}.name`, true);
      if (name !== undefined && !REGION_NAME.test(name)) {
        this.problem(`${at}.name`, `is "${name}"; use 1-64 letters, digits, ".", "_" or "-"`);
      } else if (name !== undefined && seen.has(name)) {
        this.problem(`${at}.name`, `repeats "${name}"; name each region once`);
      }
      const rttMs = this.number(region.rttMs, `${at}.rttMs`, {
        min: 0,
        max: GAMEDAY_LIMITS.maxRttMs,
      });
      if (name !== undefined) seen.add(name);
      if (name !== undefined && rttMs !== undefined) {
        regions.push({ name, rttMs });
      }
    });
    return { regions, names: [...seen] };
  }

  load(
    value: unknown,
    durationS: number | undefined,
    supported: { readonly protocols?: readonly Protocol[]; readonly unsupportedWhy?: string },
  ): LoadSpec {
    const fallback: LoadSpec = {
      rps: 1,
      writeRatio: 0,
      protocol: 'http',
      deadlineMs: GAMEDAY_DEFAULTS.deadlineMs,
    };
    const load = this.object(value, 'load', ['rps', 'writeRatio', 'protocol', 'deadlineMs']);
    if (!load) return fallback;
    const rps = this.number(load.rps, 'load.rps', { min: 0, exclusiveMin: true });
    if (rps !== undefined) this.max(rps, 'load.rps', GAMEDAY_LIMITS.maxRps);
    if (rps !== undefined && durationS !== undefined) this.callCount(rps, durationS);
    const writeRatio = this.number(load.writeRatio, 'load.writeRatio', { min: 0, max: 1 }) ?? 0;
    let protocol: Protocol = 'http';
    if (load.protocol !== 'http' && load.protocol !== 'grpc' && load.protocol !== 'mixed') {
      this.problem('load.protocol', `is ${describe(load.protocol)}; use "http", "grpc" or "mixed"`);
    } else {
      protocol = load.protocol;
      if (supported.protocols && !supported.protocols.includes(protocol)) {
        this.problem(
          'load.protocol',
          `is "${protocol}": ${supported.unsupportedWhy ?? 'not supported'}`,
        );
      }
    }
    const deadlineMs =
      load.deadlineMs === undefined
        ? GAMEDAY_DEFAULTS.deadlineMs
        : (this.number(load.deadlineMs, 'load.deadlineMs', {
            min: 1,
            max: GAMEDAY_LIMITS.maxDeadlineMs,
          }) ?? GAMEDAY_DEFAULTS.deadlineMs);
    return { rps: rps ?? 1, writeRatio, protocol, deadlineMs };
  }

  /** rps × durationS calls: at least one, at most the harness's limit. */
  callCount(rps: number, durationS: number): void {
    if (Math.round(rps * durationS) < 1) {
      this.problem(
        'load.rps',
        `× durationS makes ${rps * durationS} calls, which rounds to none; raise rps or durationS`,
      );
    }
    if (rps * durationS > GAMEDAY_LIMITS.maxCalls) {
      this.problem(
        'load.rps',
        `× durationS makes ${rps * durationS} calls; at most ${GAMEDAY_LIMITS.maxCalls}`,
      );
    }
  }

  /** `regions`: the declared names, if known; `durationS`: the run's length, if valid. */
  faults(
    value: unknown,
    regions: readonly string[] | undefined,
    durationS: number | undefined,
  ): Fault[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem('faults', `must be an array, got ${describe(value)}`);
      return [];
    }
    if (value.length > GAMEDAY_LIMITS.maxFaults) {
      this.problem('faults', `has ${value.length} entries; at most ${GAMEDAY_LIMITS.maxFaults}`);
    }
    const faults: Fault[] = [];
    value.forEach((item, i) => {
      const fault = this.fault(item, `faults[${i}]`, regions, durationS);
      if (fault) faults.push(fault);
    });
    return faults;
  }

  fault(
    value: unknown,
    at: string,
    regions: readonly string[] | undefined,
    durationS: number | undefined,
  ): Fault | undefined {
    const raw = value as Json | undefined;
    const kind = raw?.kind as FaultKind;
    const known = FAULT_KINDS.includes(kind);
    const fault = this.object(value, at, [
      'region',
      'kind',
      'atS',
      'forS',
      ...(known ? KIND_FIELDS[kind] : []),
    ]);
    if (!fault) return undefined;
    if (!known) {
      this.problem(
        `${at}.kind`,
        `is ${describe(fault.kind)}; use one of ${FAULT_KINDS.join(', ')}`,
      );
      return undefined;
    }
    let region = '*';
    if (kind !== 'partition') {
      const name = this.string(fault.region, `${at}.region`, true);
      if (name !== undefined && regions && !regions.includes(name)) {
        this.problem(
          `${at}.region`,
          `is "${name}", which is not one of regions [${regions.join(', ')}]`,
        );
      }
      region = name ?? '';
    }
    const atS = this.number(fault.atS, `${at}.atS`, { min: 0 });
    // At least 1 ms: faults run on a whole-ms clock, and a shorter one would round to nothing.
    const forS = this.number(fault.forS, `${at}.forS`, { min: MIN_FAULT_S });
    // In whole ms: 1.1 + 2.2 is 3.3000000000000003 in floating point, and must fit in 3.3.
    if (
      atS !== undefined &&
      forS !== undefined &&
      durationS !== undefined &&
      Math.round((atS + forS) * 1000) > Math.round(durationS * 1000)
    ) {
      this.problem(
        `${at}.forS`,
        `makes the fault end at ${atS + forS} s, after the run ends (durationS ${durationS}); shorten it or start it earlier`,
      );
    }
    const window = { region, atS: atS ?? 0, forS: forS ?? 0 };
    switch (kind) {
      case 'latency': {
        const addMs = this.number(fault.addMs, `${at}.addMs`, {
          min: 0,
          exclusiveMin: true,
          max: GAMEDAY_LIMITS.maxAddMs,
        });
        return { ...window, kind, addMs: addMs ?? 0 };
      }
      case 'errors': {
        const rate = this.number(fault.rate, `${at}.rate`, { min: 0, exclusiveMin: true, max: 1 });
        return { ...window, kind, rate: rate ?? 0 };
      }
      case 'throttle': {
        const rate =
          fault.rate === undefined
            ? GAMEDAY_DEFAULTS.throttleRate
            : (this.number(fault.rate, `${at}.rate`, { min: 0, exclusiveMin: true, max: 1 }) ?? 1);
        // Retry-After carries whole seconds on HTTP, so fractions could not be honoured there.
        const retryAfterS =
          fault.retryAfterS === undefined
            ? GAMEDAY_DEFAULTS.retryAfterS
            : (this.number(fault.retryAfterS, `${at}.retryAfterS`, {
                min: 0,
                max: 3_600,
                integer: true,
              }) ?? 1);
        return { ...window, kind, rate, retryAfterS };
      }
      case 'flap': {
        const periodS = this.number(fault.periodS, `${at}.periodS`, { min: MIN_FAULT_S });
        if (periodS !== undefined && forS !== undefined && periodS > forS) {
          this.problem(
            `${at}.periodS`,
            `is ${periodS}, longer than forS ${forS}; nothing would flap`,
          );
        }
        return { ...window, kind, periodS: periodS ?? 1 };
      }
      default:
        return { ...window, kind };
    }
  }

  expectations(value: unknown): Expectations {
    if (value === undefined) return {};
    const expect = this.object(value, 'expect', EXPECTATION_KEYS as string[]);
    if (!expect) return {};
    const out: Record<string, number> = {};
    for (const key of EXPECTATION_KEYS) {
      if (expect[key] === undefined) continue;
      const range =
        key === 'successRate'
          ? { min: 0, max: 1 }
          : key === 'duplicateWrites'
            ? { min: 0, integer: true }
            : { min: 0 };
      const n = this.number(expect[key], `expect.${key}`, range);
      if (n !== undefined) out[key] = n;
    }
    return out as Expectations;
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : JSON.stringify(value);
}

/** Reads and validates a scenario file. */
export async function loadScenarioFile(
  path: string,
  supported?: Parameters<typeof parseScenario>[2],
): Promise<Scenario> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ScenarioError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(path, [`is not valid JSON: ${(error as Error).message}`]);
  }
  return parseScenario(json, path, supported);
}

/**
 * A shorter copy of a scenario for quick runs (tests, smoke checks): every time in it (duration,
 * fault windows, flap periods, time expectations) is multiplied by `factor`. Retry-After stays
 * in whole seconds, as HTTP requires.
 */
export function scaleScenario(scenario: Scenario, factor: number, rps?: number): Scenario {
  if (!(factor > 0)) throw new RangeError(`scaleScenario: factor must be > 0, got ${factor}`);
  const t = (s: number) => Math.round(s * factor * 1000) / 1000;
  const expect: Record<string, number> = { ...scenario.expect };
  for (const key of ['maxTimeToShiftMs', 'maxTimeToRecoverMs'] as const) {
    const value = scenario.expect[key];
    if (value !== undefined) expect[key] = Math.round(value * factor);
  }
  return {
    ...scenario,
    durationS: t(scenario.durationS),
    load: { ...scenario.load, rps: rps ?? scenario.load.rps },
    faults: scenario.faults.map((fault) => ({
      ...fault,
      atS: t(fault.atS),
      forS: t(fault.forS),
      ...(fault.kind === 'flap' ? { periodS: t(fault.periodS) } : {}),
    })),
    expect,
  };
}
