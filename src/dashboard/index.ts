/**
 * `callwire` dashboard: the stream list, each stream's timeline, transcript, latency
 * waterfall, recording and debug log, live updates, and a browser phone that calls the
 * agent over the Plivo protocol. Mount it on a server that has a store.
 */
export { DashboardAccess, accessMode, type AccessMode } from './access.js';
export { isLoopbackHost } from '../server/loopback.js';
export { type Dashboard, type DashboardOptions, mountDashboard } from './mount.js';
export { PHONE_CALLER, PhoneTokens, type PhoneSession } from './phone-tokens.js';
export type { LiveFeedOptions } from './live-feed.js';
export type { DetailView, SummaryView } from './views.js';
export type { TurnView, WaterfallBar, WaterfallStage } from './waterfall.js';
