/** One row of `pnpm bench --json`; each suite documents its own metric fields. */
export interface BenchRow {
  readonly suite: string;
  readonly name: string;
  readonly [metric: string]: string | number;
}

export interface BenchSuite {
  readonly description: string;
  run(): Promise<BenchRow[]>;
}
