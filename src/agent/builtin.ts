/**
 * The built-in agent `npm start` serves with no API keys. It greets with the embedded flite
 * voice and runs the real loop (VAD turn-taking, barge-in). It echoes the caller: plays back
 * what they said, then says how long they spoke. It has a DTMF menu: 1 echo test, 2 reads back
 * the last turn's latency ledger, 3 tone test, # hang up; a key press cuts off whatever is
 * playing and answers that key (pound: clear, "Goodbye.", hang up). It doubles as the guide's check for
 * "no audio" and "garbled audio": a caller who hears their own voice back clean has a working
 * audio path both ways.
 */
import { detach } from '../detached.js';
import { tone } from '../audio/generate.js';
import { fliteTts } from '../providers/flite/index.js';
import type { TtsProvider, VadProvider } from '../providers/types.js';
import { type Agent, defineAgent } from './define-agent.js';
import type { TurnLedger } from './latency-ledger.js';
import type { Reply, Responder, UserTurn } from './responder.js';
import type { AgentSession } from './session.js';

export const BUILTIN_GREETING =
  'Hello, this is the callwire test agent. Say something and I will play it back to you. Press 1 for the echo test, 2 to hear the latency of your last turn, 3 for a tone test, or pound to hang up.';

/** Speakable description of a ledger. */
export function speakLedger(l: TurnLedger | undefined): string {
  if (l === undefined) return 'There is no completed turn yet. Say something first, then press 2.';
  const ms = (v: number | undefined) => (v === undefined ? undefined : `${Math.round(v)} milliseconds`);
  const parts = [`For your last turn, the end of your speech was detected after ${ms(l.stages.endpointing) ?? 'an unknown time'}`];
  if (l.stages.total !== undefined) parts.push(`you heard my reply ${ms(l.stages.total)} after you stopped talking`);
  if (l.stages.network !== undefined) parts.push(`and the network added ${ms(l.stages.network)}`);
  const over = l.overruns.map((o) => `${o.stage} was over budget`);
  return `${parts.join(', ')}.${over.length > 0 ? ` ${over.join('. ')}.` : ''}`;
}

class BuiltinResponder implements Responder {
  readonly #session: AgentSession;
  #echo = true;

  constructor(session: AgentSession) {
    this.#session = session;
  }

  async respond(turn: UserTurn, reply: Reply): Promise<void> {
    if (!this.#echo || turn.audio.length === 0) return;
    const u = reply.utterance({ ledger: reply.ledger, label: `echo-${turn.index}` });
    u.addAudio({ pcm: turn.audio, sampleRate: turn.sampleRate }, '(your words, played back)');
    u.addText(`You spoke for ${(turn.durationMs / 1000).toFixed(1)} seconds.`);
    u.end();
    await u.done;
  }

  onDtmf(digit: string, reply: Reply): boolean {
    // A phone menu answers the latest key: a new key supersedes what is being said (queued
    // menu replies, the greeting, an echo), so a keypad burst queues one reply, not one per key.
    // Pound (hang up) interrupts even an uninterruptible utterance.
    this.#session.interrupt({ force: digit === '#', reason: `dtmf ${digit}` });
    switch (digit) {
      case '1':
        this.#echo = true;
        reply.say('Echo test. Say something and I will play it back.', { cache: true, label: 'menu-1' });
        return true;
      case '2':
        reply.say(speakLedger(this.#session.lastLedger), { label: 'menu-2' });
        return true;
      case '3': {
        const u = reply.utterance({ label: 'menu-3' });
        u.addText('Here is a one kilohertz tone for two seconds.');
        u.addAudio({ pcm: tone(1000, 2000, 8000, { amplitude: 0.3 }), sampleRate: 8000 }, '(tone)');
        u.addText('That was the tone. If it sounded clean and steady, audio works in both directions.');
        u.end();
        return true;
      }
      case '#':
        reply.say('Goodbye.', { cache: true, label: 'goodbye' });
        // hangup() never rejects in practice; detached all the same so nothing can escape.
        detach(() => this.#session.hangup('the caller pressed pound'), (e) => this.#session.log.warn({ code: e.code }, `hang-up failed: ${e.message}`));
        return true;
      default:
        reply.say(`You pressed ${digit === '*' ? 'star' : digit}. Press 1, 2, 3, or pound.`, { label: 'menu-other' });
        return true;
    }
  }
}

/** Options of the built-in agent. */
export interface BuiltinAgentOptions {
  /** Default: the embedded flite voice. */
  readonly tts?: TtsProvider;
  /** Default: {@link BUILTIN_GREETING} (the menu). */
  readonly greeting?: string;
  /** Default: WebRTC VAD. */
  readonly vad?: VadProvider;
  readonly onSession?: (session: AgentSession) => void;
}

/** The built-in test agent (flite voice, no API keys). */
export function builtinAgent(options: BuiltinAgentOptions = {}): Agent {
  return defineAgent({
    greeting: options.greeting ?? BUILTIN_GREETING,
    onSession: options.onSession,
    tts: options.tts ?? fliteTts(),
    vad: options.vad,
    responder: (session) => new BuiltinResponder(session),
    idle: { afterMs: 20_000, prompts: ['Are you still there? Say something, or press pound to hang up.'], maxPrompts: 2 },
  });
}
