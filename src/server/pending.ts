/**
 * Requests per client address that are still sending their body before anything has
 * authenticated them (answer, status and transfer POSTs). Bounded in addresses; an address
 * over its cap is refused at once, so one client cannot hold the server's descriptors with
 * bodies it trickles in.
 */
export class PendingBodies {
  readonly #perAddress: number;
  readonly #maxAddresses: number;
  readonly #counts = new Map<string, number>();

  constructor(perAddress: number, maxAddresses = 10_000) {
    this.#perAddress = perAddress;
    this.#maxAddresses = maxAddresses;
  }

  /** Start one body for `ip`; false when the address is at its cap (or too many addresses are). */
  enter(ip: string): boolean {
    const n = this.#counts.get(ip) ?? 0;
    if (n >= this.#perAddress || (n === 0 && this.#counts.size >= this.#maxAddresses)) return false;
    this.#counts.set(ip, n + 1);
    return true;
  }

  /** One body of `ip` finished (read, refused or abandoned). */
  leave(ip: string): void {
    const n = (this.#counts.get(ip) ?? 0) - 1;
    if (n <= 0) this.#counts.delete(ip);
    else this.#counts.set(ip, n);
  }

  /** Bodies in flight from `ip`. */
  count(ip: string): number {
    return this.#counts.get(ip) ?? 0;
  }
}
