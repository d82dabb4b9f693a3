/** `GET|POST /plivo/status`: stream status callbacks, parsed, kept (bounded) and emitted. */
import type { ServerResponse } from 'node:http';
import { parseStreamStatus } from '../protocol/status.js';
import { send } from './http-io.js';
import type { ServerContext } from './context.js';

/** Most status events kept in memory. */
export const MAX_STATUS_EVENTS = 1000;

/** Handle an already-authenticated status callback with its parameters. */
export function status(ctx: ServerContext, res: ServerResponse, params: Record<string, string>): void {
  const event = parseStreamStatus(params);
  ctx.statusEvents.push(event);
  if (ctx.statusEvents.length > MAX_STATUS_EVENTS) ctx.statusEvents.shift();
  const fields = { event: event.event === 'unknown' ? event.name : event.event, streamId: event.streamId, callId: event.callId };
  switch (event.event) {
    case 'DroppedStream':
      ctx.log.warn({ ...fields, reason: event.reason }, 'Plivo reports DroppedStream: the stream failed or was cut');
      break;
    case 'DegradedStream':
      ctx.log.warn({ ...fields, bufferPercent: event.bufferPercent }, 'Plivo reports DegradedStream: its audio buffer is filling (slow connection)');
      break;
    case 'StartStream':
    case 'StopStream':
      ctx.log.info(fields, `Plivo status ${event.event}`);
      break;
    case 'unknown':
      ctx.log.info({ ...fields, fields: event.fields }, 'Plivo status callback with an unknown event');
      break;
  }
  ctx.emitStatus(event);
  send(res, 200, 'ok');
}
