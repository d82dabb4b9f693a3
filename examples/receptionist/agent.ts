/**
 * Example: the receptionist of a restaurant. It answers questions about opening hours, books
 * tables (checking capacity), and transfers to the manager on request. The bookings live in
 * memory here; put your own system behind `BookingBook`.
 */
import { type Agent, type LlmProvider, type SttProvider, type TtsProvider, defineAgent, defineTool } from 'callwire';
import { z } from 'zod';

/** Opening hours by weekday (24 h clock). */
export const HOURS: Readonly<Record<string, { open: number; close: number } | undefined>> = {
  monday: undefined,
  tuesday: { open: 17, close: 22 },
  wednesday: { open: 17, close: 22 },
  thursday: { open: 17, close: 22 },
  friday: { open: 17, close: 23 },
  saturday: { open: 12, close: 23 },
  sunday: { open: 12, close: 21 },
};

/** A booking. */
export interface Booking {
  readonly name: string;
  readonly people: number;
  readonly day: string;
  readonly hour: number;
}

/** The restaurant's book: 40 seats per hour. */
export class BookingBook {
  readonly bookings: Booking[] = [];
  readonly seatsPerHour = 40;

  seatsLeft(day: string, hour: number): number {
    const taken = this.bookings.filter((b) => b.day === day && b.hour === hour).reduce((n, b) => n + b.people, 0);
    return this.seatsPerHour - taken;
  }

  book(b: Booking): { ok: true; booking: Booking } | { ok: false; reason: string } {
    const hours = HOURS[b.day];
    if (hours === undefined) return { ok: false, reason: `we are closed on ${b.day}` };
    if (b.hour < hours.open || b.hour >= hours.close - 1) return { ok: false, reason: `on ${b.day} we take bookings from ${hours.open}:00 to ${hours.close - 2}:00` };
    if (this.seatsLeft(b.day, b.hour) < b.people) return { ok: false, reason: `only ${this.seatsLeft(b.day, b.hour)} seats are left at ${b.hour}:00` };
    this.bookings.push(b);
    return { ok: true, booking: b };
  }
}

const DAY = z.enum(['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']);

/** Build the receptionist with the providers of your choice. */
export function receptionistAgent(providers: { stt: SttProvider; llm: LlmProvider; tts: TtsProvider }, book = new BookingBook(), managerNumber?: string): Agent {
  return defineAgent({
    ...providers,
    instructions: [
      'You are the receptionist of Bella Pizza, answering the phone.',
      'Answer in one or two short spoken sentences; never use lists or symbols.',
      'Use opening_hours for questions about when we are open, and book_table to book (ask for the name, the number of people, the day and the hour first).',
      managerNumber ? 'If the caller asks for the manager or has a complaint, say you are transferring them and call transfer_to_manager.' : 'There is no manager line.',
    ].join(' '),
    greeting: 'Bella Pizza, good evening. How can I help you?',
    tools: [
      defineTool({
        name: 'opening_hours',
        description: 'Opening hours for a day of the week',
        parameters: z.object({ day: DAY }),
        filler: false,
        execute: ({ day }) => {
          const h = HOURS[day];
          return h === undefined ? { day, open: false } : { day, open: true, from: `${h.open}:00`, until: `${h.close}:00` };
        },
      }),
      defineTool({
        name: 'book_table',
        description: 'Book a table',
        parameters: z.object({ name: z.string().min(1), people: z.number().int().min(1).max(20), day: DAY, hour: z.number().int().min(0).max(23) }),
        filler: 'One moment, let me check the book.',
        execute: (args) => book.book(args),
      }),
      // The number is fixed here, never a parameter: a model that could pick the destination
      // could be talked into dialling anywhere (toll fraud). So no built-in `transfer` either.
      ...(managerNumber === undefined
        ? []
        : [
            defineTool({
              name: 'transfer_to_manager',
              description: 'Transfer the call to the manager',
              parameters: z.object({}),
              filler: false,
              execute: async (_args, ctx) => {
                await ctx.transfer(managerNumber);
                return { transferred: true };
              },
            }),
          ]),
    ],
    builtinTools: false,
  });
}
