/** How often in-flight attempts are checked against their deadlines, in ms. */
export const DEADLINE_TICK_MS = 5;
/** The watch timer stops after this long with nothing in flight. */
const IDLE_STOP_MS = 1_000;

export interface Watched {
  /**
   * Epoch ms at which `expire` is called if the entry is still watched. Fixed while watched:
   * the watch keeps a lower bound of the deadlines it was given.
   */
  readonly deadline: number;
  /** Position in the watch's list, -1 while not watched. Owned by DeadlineWatch. */
  watchIndex: number;
  expire(): void;
}

/**
 * Enforces attempt deadlines for a whole client with one coarse timer instead of one timer per
 * attempt: attempt deadlines (hundreds of ms) do not need better than DEADLINE_TICK_MS
 * precision, and arming and clearing a timer per attempt costs more than the rest of the call.
 *
 * Most sweeps find nothing due (those deadlines are far more than a tick away), so the watch
 * keeps a lower bound on the earliest deadline and a sweep before it reads no entry: at
 * thousands of attempts a second, reading each in-flight attempt 200 times a second cost more
 * than adding and removing it. Removing an entry leaves the bound low; the next sweep past it
 * scans once and raises it.
 *
 * The in-flight list is a plain array with swap-remove, each entry knowing its own index. A
 * `Set` was measured to be much slower under load: with thousands of adds and deletes a
 * second, V8 keeps promoting settled attempts (and everything they reference) to the old
 * generation, and every young-generation GC then takes ~25 ms instead of ~1 ms.
 */
export class DeadlineWatch {
  readonly #entries: Watched[] = [];
  #timer: NodeJS.Timeout | undefined;
  #idleSince = 0;
  /** No entry's deadline is earlier than this (it may be earlier than every entry's). */
  #earliest = Number.POSITIVE_INFINITY;

  get size(): number {
    return this.#entries.length;
  }

  add(entry: Watched): void {
    if (entry.watchIndex >= 0) return;
    entry.watchIndex = this.#entries.length;
    this.#entries.push(entry);
    if (entry.deadline < this.#earliest) this.#earliest = entry.deadline;
    this.#timer ??= setInterval(() => this.#tick(), DEADLINE_TICK_MS).unref();
  }

  delete(entry: Watched): void {
    const index = entry.watchIndex;
    if (index < 0 || this.#entries[index] !== entry) return;
    entry.watchIndex = -1;
    const last = this.#entries.pop() as Watched;
    if (last !== entry) {
      this.#entries[index] = last;
      last.watchIndex = index;
    }
  }

  /** Stops the timer once the attempts still in flight have settled or expired. */
  close(): void {
    if (this.#entries.length > 0) return; // their deadlines still hold; the idle stop follows
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #tick(): void {
    const now = Date.now();
    if (this.#entries.length === 0) {
      this.#earliest = Number.POSITIVE_INFINITY;
      if (this.#idleSince === 0) this.#idleSince = now;
      else if (now - this.#idleSince >= IDLE_STOP_MS) {
        clearInterval(this.#timer);
        this.#timer = undefined;
        this.#idleSince = 0;
      }
      return;
    }
    this.#idleSince = 0;
    if (now < this.#earliest) return;
    // Something may be due: allocate only if something is, and find the next earliest.
    let expired: Watched[] | undefined;
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries) {
      const deadline = entry.deadline;
      if (deadline > now) {
        if (deadline < earliest) earliest = deadline;
        continue;
      }
      expired ??= [];
      expired.push(entry);
    }
    // Before expiring: an expiry may add entries (a retry), and `add` lowers the bound.
    this.#earliest = earliest;
    if (!expired) return;
    // Expired only after the scan: `expire` settles attempts, which removes entries (and may
    // add new ones) and so reorders the list. One expiry may also settle another attempt.
    try {
      for (const entry of expired) {
        if (entry.watchIndex < 0) continue;
        this.delete(entry);
        entry.expire();
      }
    } catch (error) {
      // The due entries after the one that threw are still watched: the next sweep scans.
      this.#earliest = 0;
      throw error;
    }
  }
}
