/** What `CallsInProgress` needs of a call: a way to stop it. */
interface Stoppable {
  abort(reason: Error): void;
}

/**
 * The calls of one regional dispatcher that have started and not yet given their caller a last
 * event: what a graceful `close()` waits for. The calls themselves are kept only where
 * `destroy()` must stop them one by one (a base dispatcher that is the caller's, which destroy
 * leaves open); otherwise a count is enough, and the request path pays no more.
 */
export class CallsInProgress<Call extends Stoppable = Stoppable> {
  #count = 0;
  readonly #calls: Set<Call> | undefined;
  #waiters: Array<() => void> = [];

  constructor(keepCalls: boolean) {
    this.#calls = keepCalls ? new Set() : undefined;
  }

  started(call: Call): void {
    this.#count++;
    this.#calls?.add(call);
  }

  ended(call: Call): void {
    this.#calls?.delete(call);
    if (--this.#count > 0) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves once no call is in progress (at once if none is). */
  idle(): Promise<void> {
    if (this.#count === 0) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Stops every call in progress; only possible where the calls are kept (see above). */
  abortAll(reason: Error): void {
    for (const call of [...(this.#calls ?? [])]) call.abort(reason);
  }
}
