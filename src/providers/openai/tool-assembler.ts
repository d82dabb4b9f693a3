/**
 * Assembles streamed tool-call fragments into complete calls. The first fragment of a call
 * carries its `id` and `function.name`; later ones carry only `index` and a piece of
 * `arguments` (https://platform.openai.com/docs/guides/function-calling#streaming).
 */
import type { ToolCall } from '../types.js';
import type { ToolCallDelta } from './chat-chunk.js';

/** Longest arguments text accepted for one call, so a runaway model cannot exhaust memory. */
const MAX_ARGUMENTS = 256 * 1024;

interface Partial {
  id: string;
  name: string;
  args: string;
}

/** Collects fragments in index order. */
export class ToolCallAssembler {
  readonly #calls = new Map<number, Partial>();
  #counter = 0;

  /** Add fragments; throws RangeError when arguments exceed the limit. */
  add(deltas: readonly ToolCallDelta[]): void {
    for (const d of deltas) {
      const index = d.index >= 0 ? d.index : this.#indexWithoutIndex(d.id);
      let call = this.#calls.get(index);
      if (call === undefined) {
        call = { id: '', name: '', args: '' };
        this.#calls.set(index, call);
      }
      if (d.id !== undefined && call.id === '') call.id = d.id;
      // The name comes whole in the first fragment; servers that repeat it later are ignored.
      if (d.name !== undefined && call.name === '') call.name = d.name;
      if (d.arguments !== undefined) {
        call.args += d.arguments;
        if (call.args.length > MAX_ARGUMENTS) throw new RangeError(`tool call arguments exceed ${MAX_ARGUMENTS} characters`);
      }
    }
  }

  /** A fragment with no index: the call with its id, a new call for a new id, else the last call. */
  #indexWithoutIndex(id: string | undefined): number {
    if (id !== undefined) {
      for (const [i, c] of this.#calls) if (c.id === id) return i;
      return this.#calls.size;
    }
    return Math.max(0, this.#calls.size - 1);
  }

  /** True once any fragment arrived. */
  get any(): boolean {
    return this.#calls.size > 0;
  }

  /** The complete calls, in index order. Servers that omit ids (some local ones) get generated ids. */
  finish(): ToolCall[] {
    return [...this.#calls.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, c]) => ({ id: c.id !== '' ? c.id : `call_${++this.#counter}`, name: c.name, arguments: c.args === '' ? '{}' : c.args }));
  }
}
