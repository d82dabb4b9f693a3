/**
 * Samples a callwire server's `/healthz` once a second during a load test, for its CPU and
 * memory. Only meaningful when the server runs on this machine; failures are counted, not fatal.
 */

// The `/healthz` fields the sampler reads (the server's HealthReport has more). The emulator
// sits below the server in the layers, so it checks the fields rather than importing the type.
const FIELDS = ['uptimeMs', 'rssBytes', 'heapUsedBytes', 'cpuUserMicros', 'cpuSystemMicros', 'activeStreams'] as const;
type Health = Readonly<Record<(typeof FIELDS)[number], number>>;

/** What the server did during the run. */
export interface ServerUsage {
  readonly url: string;
  readonly samples: number;
  readonly failedSamples: number;
  /** CPU use of the server process in % of one core, between consecutive samples. */
  readonly cpuPercentMean: number;
  readonly cpuPercentMax: number;
  readonly rssBytesStart: number;
  readonly rssBytesMax: number;
  readonly heapUsedBytesMax: number;
  readonly activeStreamsMax: number;
}

function isHealth(v: unknown): v is Health {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return FIELDS.every((k) => typeof o[k] === 'number');
}

/** True when `url` points at this machine. */
export function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** Polls `/healthz` until stopped. */
export class HealthSampler {
  readonly #url: string;
  readonly #samples: Health[] = [];
  #failed = 0;
  #lastError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #inFlight: Promise<void> | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  /** Sample now and every `intervalMs` until {@link stop}. */
  start(intervalMs = 1000): void {
    const poll = (): void => {
      this.#inFlight = this.#sample();
    };
    poll();
    this.#timer = setInterval(poll, intervalMs);
    this.#timer.unref();
  }

  async #sample(): Promise<void> {
    try {
      const res = await fetch(this.#url, { signal: AbortSignal.timeout(2000) });
      const body: unknown = await res.json();
      if (isHealth(body)) this.#samples.push(body);
      else {
        this.#failed++;
        this.#lastError = `HTTP ${res.status}, not a callwire /healthz body`;
      }
    } catch (e) {
      this.#failed++;
      // fetch's own message is "fetch failed"; the reason (ECONNREFUSED, bad port) is its cause.
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      this.#lastError = cause?.code ?? cause?.message ?? (e as Error).message;
    }
  }

  /** Why no sample arrived (after {@link stop} returned undefined): the last failure. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Stop and summarise; undefined when no sample arrived. */
  async stop(): Promise<ServerUsage | undefined> {
    clearInterval(this.#timer);
    await this.#inFlight;
    await this.#sample();
    const s = this.#samples;
    if (s.length === 0) return undefined;
    const cpu: number[] = [];
    for (let i = 1; i < s.length; i++) {
      const a = s[i - 1] as Health;
      const b = s[i] as Health;
      const wallMicros = (b.uptimeMs - a.uptimeMs) * 1000;
      if (wallMicros > 0) cpu.push((100 * (b.cpuUserMicros + b.cpuSystemMicros - a.cpuUserMicros - a.cpuSystemMicros)) / wallMicros);
    }
    return {
      url: this.#url,
      samples: s.length,
      failedSamples: this.#failed,
      cpuPercentMean: cpu.length === 0 ? Number.NaN : cpu.reduce((x, y) => x + y, 0) / cpu.length,
      cpuPercentMax: cpu.length === 0 ? Number.NaN : Math.max(...cpu),
      rssBytesStart: (s[0] as Health).rssBytes,
      rssBytesMax: Math.max(...s.map((x) => x.rssBytes)),
      heapUsedBytesMax: Math.max(...s.map((x) => x.heapUsedBytes)),
      activeStreamsMax: Math.max(...s.map((x) => x.activeStreams)),
    };
  }
}
