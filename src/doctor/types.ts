/**
 * What `runDoctor` returns: one result per check, as a discriminated union on `id`. Every
 * result says what was seen and, when something is wrong, the concrete fix. Rendering (the
 * CLI table, JSON, a dashboard) is separate from checking and works from these values alone.
 */

/** ok: fine. warn: works, but risky or against Plivo's advice. fail: broken. skip: not applicable or could not run (`seen` says why). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** Which URL a url/tls result is about. */
export type CheckTarget = 'answer' | 'stream';

/** A status callback as the emulated call saw it. */
export interface CallbackOutcome {
  readonly event: string;
  readonly status?: number;
  readonly error?: string;
}

/** The machine-readable figures each check carries (besides its text). */
export interface CheckDataMap {
  'url.scheme': { readonly url: string };
  'url.dns': { readonly host: string; readonly addresses: readonly string[] };
  'url.public': { readonly addresses: readonly string[] };
  'url.port': { readonly port: number; readonly ms?: number };
  'url.tunnel': { readonly host: string; readonly tunnel?: string };
  'tls.certificate': { readonly subject?: string; readonly issuer?: string; readonly error?: string };
  'tls.chain': { readonly presented: number };
  'tls.hostname': { readonly host: string; readonly names?: string };
  'tls.expiry': { readonly validTo?: string; readonly daysLeft?: number };
  'websocket.handshake': { readonly status?: number; readonly ms?: number };
  'websocket.ping': { readonly rttMs?: number };
  'websocket.server-pings': { readonly count: number; readonly observedMs: number };
  'websocket.idle': { readonly openMs: number; readonly closeCode?: number };
  'signature.answer': { readonly status?: number };
  'signature.unsigned': { readonly status?: number; readonly closeCode?: number };
  'signature.signed': { readonly signedUrl?: string; readonly status?: number };
  'xml.fetch': { readonly status?: number; readonly ms?: number };
  'xml.parse': { readonly streamUrl?: string; readonly verbs: readonly string[] };
  'xml.bidirectional': { readonly value?: string };
  'xml.audio-track': { readonly value?: string };
  'xml.content-type': { readonly value?: string };
  'xml.keep-call-alive': { readonly value?: string };
  'xml.status-callback': { readonly url?: string; readonly callbacks: readonly CallbackOutcome[] };
  'audio.first': { readonly afterMs?: number; readonly audioMs: number };
  'audio.response': { readonly ms?: number };
  'audio.content-type': { readonly playAudio: number; readonly refused: number };
  'audio.wav-header': { readonly refused: number };
  'audio.rate': { readonly medianPitchHz?: number; readonly voicedMs: number; /** Share of the voice's energy below 1 kHz (judged for voices at 150 Hz or more). */ readonly lowBand?: number };
  'audio.pacing': { readonly maxLeadMs?: number; readonly bufferPercent?: number; readonly slowConnectionPercent?: number };
  'audio.protocol': { readonly codes: readonly string[] };
  'latency.first-audio': { readonly ms?: number; readonly budgetMs: number };
  'latency.response': { readonly ms?: number; readonly budgetMs: number };
  'latency.checkpoint': { readonly medianMs?: number; readonly maxMs?: number; readonly count: number; readonly budgetMs: number };
  'latency.network': { readonly ms?: number; readonly budgetMs: number };
  /** The doctor itself could not finish a step (a bug: the message says which). */
  'doctor.run': { readonly step: string };
}

/** Every check's id: `group.name`. */
export type CheckId = keyof CheckDataMap;

/** The group of an id (the part before the dot). */
export type GroupOf<I extends string> = I extends `${infer G}.${string}` ? G : never;

/** The check groups, in report order. */
export const CHECK_GROUPS = ['url', 'tls', 'websocket', 'signature', 'xml', 'audio', 'latency', 'doctor'] as const;

/** A check group. */
export type CheckGroup = (typeof CHECK_GROUPS)[number];

/** The result of one check. */
export interface CheckOf<I extends CheckId> {
  readonly id: I;
  readonly group: GroupOf<I>;
  /** For url and tls checks: which URL (the answer URL or the WebSocket stream URL). */
  readonly target?: CheckTarget;
  readonly status: CheckStatus;
  /** What the doctor observed, in words. */
  readonly seen: string;
  /** The concrete remedy; present for warn and fail. */
  readonly fix?: string;
  readonly data: CheckDataMap[I];
}

/** Any check's result, discriminated by `id`. */
export type CheckResult = { [I in CheckId]: CheckOf<I> }[CheckId];

/** Local development (loopback; Plivo cannot reach it anyway) or a server Plivo must reach. */
export type DoctorMode = 'development' | 'production';

/** Counts per status. */
export type StatusCounts = Readonly<Record<CheckStatus, number>>;

/** Everything one doctor run found. */
export interface DoctorReport {
  readonly answerUrl?: string;
  /** The stream URL checked: as given, or from the answer XML. */
  readonly streamUrl?: string;
  readonly mode: DoctorMode;
  /** Why that mode (e.g. "the answer URL is on loopback"). */
  readonly modeReason: string;
  /** Whether signatures were checked (the token itself is never reported). */
  readonly signed: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  readonly counts: StatusCounts;
  /** True when no check failed. */
  readonly ok: boolean;
}

/** Build one result; the group is derived from the id. */
export function result<I extends CheckId>(
  id: I,
  status: CheckStatus,
  seen: string,
  data: CheckDataMap[I],
  extra: { fix?: string; target?: CheckTarget } = {},
): CheckOf<I> {
  const group = id.slice(0, id.indexOf('.')) as GroupOf<I>;
  const out: CheckOf<I> = { id, group, status, seen, data };
  return {
    ...out,
    ...(extra.target === undefined ? {} : { target: extra.target }),
    ...(extra.fix === undefined || status === 'ok' || status === 'skip' ? {} : { fix: extra.fix }),
  };
}

/** Count results per status. */
export function countStatuses(checks: readonly CheckResult[]): StatusCounts {
  const counts = { ok: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) counts[c.status]++;
  return counts;
}
