/**
 * WebSocket close codes callwire uses when it closes a stream (RFC 6455 §7.4; 4000-4999
 * are application codes). The reason text always says why in words.
 */
export const CLOSE = {
  /** The agent or the app ended the call. */
  NORMAL: 1000,
  /** Server shutting down (drain). */
  GOING_AWAY: 1001,
  /** The peer broke the protocol (e.g. media long before start). */
  POLICY: 1008,
  /** An internal error. */
  INTERNAL: 1011,
  /** The peer stopped answering pings. */
  KEEPALIVE_TIMEOUT: 4000,
} as const;
