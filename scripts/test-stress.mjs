#!/usr/bin/env node
// Runs vitest beside two busy-loop processes, so timing flakes that only show on a shared,
// loaded CI machine show here too (issue 25). Args pass through to `vitest run`.
// The hogs are killed whatever happens: normal exit, failure, Ctrl-C, SIGTERM.
import { spawn } from 'node:child_process';

const hogs = [0, 1].map(() =>
  spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }),
);
const killHogs = () => {
  for (const hog of hogs) if (hog.exitCode === null) hog.kill('SIGKILL');
};
process.on('exit', killHogs);

const vitest = spawn('npx', ['vitest', 'run', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    vitest.kill(signal);
    killHogs();
    process.exit(130);
  });
}
vitest.on('error', (err) => {
  console.error(`test:stress: cannot start vitest: ${err.message}`);
  process.exit(1);
});
vitest.on('exit', (code, signal) => {
  killHogs();
  process.exit(code ?? (signal ? 1 : 0));
});
