/**
 * Example: booking dental appointments, with a keypad fallback. Dates are hard to say and
 * harder to recognise on a phone line, so when the model is unsure (or the caller prefers),
 * it asks the caller to type the date as four digits (month and day) and the slot number on
 * the keypad. The calendar lives in memory here.
 */
import { type Agent, type LlmProvider, type SttProvider, type TtsProvider, defineAgent, defineTool } from 'callwire';
import { z } from 'zod';

/** One bookable slot. */
export interface Slot {
  readonly id: number;
  readonly date: string; // MM-DD
  readonly time: string; // HH:MM
  patient?: string;
}

/** A small calendar: 09:00-16:00 on the hour, every date asked for. */
export class Calendar {
  readonly #slots = new Map<string, Slot[]>();
  #nextId = 1;

  /** Free slots on a date (`MM-DD`), numbered for the keypad. */
  free(date: string): Slot[] {
    let day = this.#slots.get(date);
    if (day === undefined) {
      day = Array.from({ length: 8 }, (_, i) => ({ id: this.#nextId++, date, time: `${String(9 + i).padStart(2, '0')}:00` }));
      this.#slots.set(date, day);
    }
    return day.filter((s) => s.patient === undefined);
  }

  book(id: number, patient: string): Slot | undefined {
    for (const day of this.#slots.values()) {
      const s = day.find((x) => x.id === id);
      if (s !== undefined && s.patient === undefined) {
        s.patient = patient;
        return s;
      }
    }
    return undefined;
  }

  /** Every booked slot. */
  get booked(): Slot[] {
    return [...this.#slots.values()].flat().filter((s) => s.patient !== undefined);
  }
}

function validDate(mmdd: string): string | undefined {
  const m = /^(\d{2})(\d{2})$/.exec(mmdd);
  if (m === null) return undefined;
  const month = Number(m[1]);
  const day = Number(m[2]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  return `${m[1]}-${m[2]}`;
}

/** Build the booking agent with the providers of your choice. */
export function appointmentsAgent(providers: { stt: SttProvider; llm: LlmProvider; tts: TtsProvider }, calendar = new Calendar()): Agent {
  return defineAgent({
    ...providers,
    instructions: [
      'You book appointments for the Smile dental practice by phone. Speak in short sentences.',
      'Ask for the date, then offer free times with find_slots, then book with book_slot once the caller has chosen and given their name.',
      'If you cannot understand the date or the caller prefers the keypad, call keypad_date; to let them pick a time on the keypad, call keypad_slot.',
    ].join(' '),
    greeting: 'Smile dental practice, this is the booking line. Which day would you like to come in?',
    tools: [
      defineTool({
        name: 'find_slots',
        description: 'Free appointment times on a date',
        parameters: z.object({ date: z.string().regex(/^\d{2}-\d{2}$/, 'MM-DD') }),
        filler: false,
        execute: ({ date }) => calendar.free(date).map((s) => ({ slot: s.id, time: s.time })),
      }),
      defineTool({
        name: 'keypad_date',
        description: 'Ask the caller to type the date on the keypad (month then day, four digits)',
        parameters: z.object({}),
        filler: false,
        execute: async (_args, ctx) => {
          await ctx.say('Please type the date as four digits, the month and then the day, then press pound.');
          const r = await ctx.collectDigits({ max: 4, terminator: '#', timeoutMs: 15_000 });
          const date = validDate(r.digits);
          return date === undefined ? { ok: false, typed: r.digits } : { ok: true, date, free: calendar.free(date).map((s) => ({ slot: s.id, time: s.time })) };
        },
      }),
      defineTool({
        name: 'keypad_slot',
        description: 'Ask the caller to type the slot number they want on the keypad',
        parameters: z.object({ date: z.string().regex(/^\d{2}-\d{2}$/) }),
        filler: false,
        execute: async ({ date }, ctx) => {
          const free = calendar.free(date);
          await ctx.say(`Press 1 for ${free[0]?.time ?? 'the first time'}, or the number of the time you want in the order I read them, then pound.`);
          const r = await ctx.collectDigits({ max: 2, terminator: '#', timeoutMs: 15_000 });
          const slot = free[Number(r.digits) - 1];
          return slot === undefined ? { ok: false, typed: r.digits } : { ok: true, slot: slot.id, time: slot.time };
        },
      }),
      defineTool({
        name: 'book_slot',
        description: 'Book a free slot for a patient',
        parameters: z.object({ slot: z.number().int().positive(), name: z.string().min(1) }),
        filler: 'Booking that now.',
        execute: ({ slot, name }) => {
          const s = calendar.book(slot, name);
          return s === undefined ? { ok: false, reason: 'that slot is no longer free' } : { ok: true, date: s.date, time: s.time };
        },
      }),
    ],
  });
}
