/**
 * The regions' write store. Writes are deduplicated by idempotency key in one table shared by
 * every region, as a service that honours idempotency keys globally would (a replicated
 * table); so a resend with the same key is answered from the table, never applied again.
 *
 * Separately, every application is counted per *logical* write (the `writeId` the load
 * generator puts in the body): a write applied twice means some attempt arrived without the
 * key, or with a different one. That count is `duplicateWrites`.
 */
export interface WriteResult {
  /** True when the key was seen before and the first result was returned instead. */
  readonly replayed: boolean;
  /** Region that applied the write first. */
  readonly appliedIn: string;
}

export class WriteLedger {
  readonly #byKey = new Map<string, string>();
  readonly #applications = new Map<string, number>();
  #applied = 0;
  #replayed = 0;
  #duplicates = 0;

  /** Applies a write unless its key was seen; `key` undefined means the request had none. */
  apply(key: string | undefined, writeId: string, region: string): WriteResult {
    if (key !== undefined) {
      const first = this.#byKey.get(key);
      if (first !== undefined) {
        this.#replayed++;
        return { replayed: true, appliedIn: first };
      }
      this.#byKey.set(key, region);
    }
    this.#applied++;
    const times = (this.#applications.get(writeId) ?? 0) + 1;
    this.#applications.set(writeId, times);
    if (times === 2) this.#duplicates++;
    return { replayed: false, appliedIn: region };
  }

  /** Logical writes applied more than once. */
  get duplicateWrites(): number {
    return this.#duplicates;
  }

  get applied(): number {
    return this.#applied;
  }

  /** Resends answered from the table (the key did its job). */
  get replayed(): number {
    return this.#replayed;
  }
}
