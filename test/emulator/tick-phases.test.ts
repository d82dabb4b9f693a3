import { describe, expect, it } from 'vitest';
import { PlivoEmulator } from '../../src/emulator/emulator.js';

describe('emulator tickPhases', () => {
  it('refuses a phase count that is not an integer from 1 to 20, with CONFIG_INVALID', () => {
    for (const bad of [0, -1, 1.5, 21, Number.NaN]) {
      expect(() => new PlivoEmulator({ tickPhases: bad })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(() => new PlivoEmulator({ tickPhases: 1 })).not.toThrow();
    expect(() => new PlivoEmulator()).not.toThrow();
  });
});
