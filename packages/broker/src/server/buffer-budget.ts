// One budget for the bytes of partially received requests across every connection, so that clients
// parking large partial frames cannot take the broker's memory: past the limit, the connection holding the
// most is closed (it is the one costing the most, and usually the one misbehaving) until the total fits.

export interface BudgetHolder {
  /** Bytes this holder has buffered. */
  readonly held: number;
  /** Must release everything it holds, synchronously (the connection closes). */
  evict(total: number, limit: number): void;
}

export class BufferBudget {
  readonly limit: number;
  readonly #holders = new Set<BudgetHolder>();
  #total = 0;

  constructor(limit: number) {
    this.limit = limit;
  }

  get total(): number {
    return this.#total;
  }

  add(holder: BudgetHolder): void {
    this.#holders.add(holder);
  }

  remove(holder: BudgetHolder): void {
    this.#holders.delete(holder);
  }

  change(delta: number): void {
    this.#total += delta;
    if (delta > 0 && this.#total > this.limit) this.#shed();
  }

  #shed(): void {
    while (this.#total > this.limit) {
      let largest: BudgetHolder | undefined;
      for (const h of this.#holders) if (h.held > (largest?.held ?? 0)) largest = h;
      if (!largest) return;
      const before = this.#total;
      largest.evict(this.#total, this.limit);
      this.#holders.delete(largest);
      if (this.#total >= before) return; // the holder released nothing: never loop
    }
  }
}
