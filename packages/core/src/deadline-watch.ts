/** How often in-flight attempts are checked against their deadlines, in ms. */
export const DEADLINE_TICK_MS = 5;
/** The watch timer stops after this long with nothing in flight. */
const IDLE_STOP_MS = 1_000;

export interface Watched {
  /** Epoch ms at which `expire` is called if the entry is still watched. */
  readonly deadline: number;
  expire(): void;
}

/**
 * Enforces attempt deadlines for a whole client with one coarse timer instead of one timer per
 * attempt: adding to and removing from a Set costs a fraction of arming and clearing a timer,
 * and attempt deadlines (hundreds of ms) do not need better than DEADLINE_TICK_MS precision.
 */
export class DeadlineWatch {
  readonly #entries = new Set<Watched>();
  #timer: NodeJS.Timeout | undefined;
  #idleSince = 0;

  add(entry: Watched): void {
    this.#entries.add(entry);
    this.#timer ??= setInterval(() => this.#tick(), DEADLINE_TICK_MS).unref();
  }

  delete(entry: Watched): void {
    this.#entries.delete(entry);
  }

  /** Stops the timer once the attempts still in flight have settled or expired. */
  close(): void {
    if (this.#entries.size > 0) return; // their deadlines still hold; the idle stop follows
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = Date.now();
    if (this.#entries.size === 0) {
      if (this.#idleSince === 0) this.#idleSince = now;
      else if (now - this.#idleSince >= IDLE_STOP_MS) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#idleSince = 0;
      }
      return;
    }
    this.#idleSince = 0;
    for (const entry of this.#entries) {
      if (entry.deadline <= now) {
        this.#entries.delete(entry);
        entry.expire();
      }
    }
  }
}
