// Fails a test when any rejection or exception reaches the process: the house rule "nothing
// from one call may escape" made checkable. Node's own default would end the process (every
// call on it); here the escapes are collected and `assertNone()` names them.
import { afterEach, beforeEach } from 'vitest';

/** What escaped to the process during the current test. */
export interface Escapes {
  readonly list: string[];
  /** Throws when anything escaped. */
  assertNone(): void;
}

/** Watch the process for unhandled rejections and uncaught exceptions around every test of the file. */
export function watchEscapes(): Escapes {
  const list: string[] = [];
  const onRejection = (reason: unknown): void => {
    list.push(`unhandledRejection: ${describe(reason)}`);
  };
  const onException = (error: unknown): void => {
    list.push(`uncaughtException: ${describe(error)}`);
  };
  beforeEach(() => {
    list.length = 0;
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  });
  afterEach(() => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  });
  return {
    list,
    assertNone() {
      if (list.length > 0) throw new Error(`${list.length} escaped to the process:\n${list.slice(0, 5).join('\n')}`);
    },
  };
}

function describe(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return `${typeof code === 'string' ? `${code}: ` : ''}${(e as Error)?.message ?? String(e)}`;
}
