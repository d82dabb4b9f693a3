/**
 * What the fake TTS WebSocket servers share: a message log, connection records, scripted
 * handshake faults, and per-connection drops/closes after N audio bytes.
 */
import type { IncomingMessage } from 'node:http';
import type { WebSocket } from 'ws';
import type { Clock } from '../../clock.js';
import { FaultQueue, type HttpFault, faultHeaders } from './faults.js';
import { isOpen } from './http-host.js';
import { Recorder } from './recorder.js';

/** One logged message. */
export type TtsLogEntry =
  | { readonly dir: 'in'; readonly at: number; readonly connection: number; readonly message: Readonly<Record<string, unknown>> }
  | { readonly dir: 'out'; readonly at: number; readonly connection: number; readonly context: string; readonly kind: 'audio' | 'final' | 'timestamps' | 'error'; readonly bytes: number }
  | { readonly dir: 'closed'; readonly at: number; readonly connection: number; readonly code: number };

/** One connection attempt. */
export interface TtsConnectionRecord {
  readonly at: number;
  readonly index: number;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly outcome: 'accepted' | number;
}

/** How one context ended. */
export interface TtsContextRecord {
  readonly connection: number;
  readonly id: string;
  /** All text the context received, concatenated. */
  readonly text: string;
  readonly outcome: 'done' | 'cancelled' | 'dropped';
  readonly audioBytes: number;
}

/**
 * A scripted drop or close of one connection, after it sent a number of audio bytes. Fires
 * once, from the send callback of the message that crossed the threshold (so that message
 * really left); after firing the connection sends nothing more.
 */
export class ConnFault {
  fired = false;
  readonly #afterBytes: number;
  readonly #close: { readonly code: number; readonly reason: string } | undefined;

  constructor(afterBytes: number, close?: { readonly code: number; readonly reason: string }) {
    this.#afterBytes = afterBytes;
    this.#close = close;
  }

  /** The `ws.send` callback that performs the fault when `sentBytes` crossed the threshold. */
  trigger(ws: WebSocket, sentBytes: number): (() => void) | undefined {
    if (this.fired || sentBytes < this.#afterBytes) return undefined;
    this.fired = true;
    return () => {
      if (this.#close === undefined) ws.terminate();
      else if (isOpen(ws)) ws.close(this.#close.code, this.#close.reason);
    };
  }
}

/** An HTTP answer instead of the WebSocket handshake. */
export interface Rejection {
  readonly status: number;
  readonly body: unknown;
}

/** The vendor-specific steps of a handshake (see {@link TtsSocketFakeBase.upgradeWith}). */
export interface UpgradeSteps {
  /** Path and credentials; a rejection ends the handshake. */
  admit(url: URL, req: IncomingMessage): Rejection | undefined;
  /** Everything else (voice, format); checked after scripted faults. */
  validate(url: URL): Rejection | undefined;
  /** The vendor's error body for a scripted fault's status. */
  faultBody(status: number): unknown;
  /** The handshake succeeded. */
  open(ws: WebSocket, index: number, url: URL): void;
}

/** Shared state and fault scripting of a fake TTS socket server. */
export class TtsSocketFakeBase {
  readonly log = new Recorder<TtsLogEntry>();
  readonly connections = new Recorder<TtsConnectionRecord>();
  readonly contexts = new Recorder<TtsContextRecord>();
  /** The fake's clock (times in the logs). */
  readonly clock: Clock;
  protected readonly handshakeFaults = new FaultQueue();
  readonly #connFaults: ConnFault[] = [];
  #count = 0;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Reject the next `times` handshakes with `fault` (401, 429 + Retry-After, 503, ...). */
  failNextConnections(fault: HttpFault, times = 1): void {
    this.handshakeFaults.push(fault, times);
  }

  /** Abruptly drop the next accepted connection after it sent `bytes` of audio. */
  dropNextConnection(afterBytes: number): void {
    this.#connFaults.push(new ConnFault(afterBytes));
  }

  /** Close the next accepted connection with `code`/`reason` after `bytes` of audio. */
  closeNextConnection(afterBytes: number, code: number, reason: string): void {
    this.#connFaults.push(new ConnFault(afterBytes, { code, reason }));
  }

  /** @internal Run a handshake: admit, scripted fault, validate, then accept; every attempt is recorded. */
  upgradeWith(
    req: IncomingMessage,
    accept: (cb: (ws: WebSocket) => void) => void,
    reject: (status: number, body: string, headers?: Record<string, string>) => void,
    steps: UpgradeSteps,
  ): void {
    const index = this.#count++;
    const url = new URL(req.url ?? '/', 'http://fake');
    const record = (outcome: 'accepted' | number): void =>
      this.connections.add({ at: this.clock.now(), index, query: Object.fromEntries(url.searchParams.entries()), headers: req.headers, outcome });
    const fault = (): Rejection & { headers?: Record<string, string> } | undefined => {
      const f = this.handshakeFaults.take();
      return f === undefined ? undefined : { status: f.status, body: f.body ?? steps.faultBody(f.status), headers: faultHeaders(f) };
    };
    const no = steps.admit(url, req) ?? fault() ?? steps.validate(url);
    if (no !== undefined) {
      record(no.status);
      reject(no.status, JSON.stringify(no.body), (no as { headers?: Record<string, string> }).headers);
      return;
    }
    record('accepted');
    accept((ws) => steps.open(ws, index, url));
  }

  /** Texts each context received, in context order (what the vendor was asked to say). */
  get texts(): string[] {
    return this.contexts.entries.map((c) => c.text);
  }

  /** @internal The fault for a newly accepted connection (none: never fires). */
  takeConnFault(): ConnFault {
    return this.#connFaults.shift() ?? new ConnFault(Number.POSITIVE_INFINITY);
  }
}
