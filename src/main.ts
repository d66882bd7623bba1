import { COMMANDS } from './cli/commands.js';
import { runCli } from './cli/run-cli.js';

const aborter = new AbortController();
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => aborter.abort(new Error(signal)));

runCli(process.argv.slice(2), COMMANDS, {
  env: process.env,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdoutFd: 1,
  stderrFd: 2,
  signal: aborter.signal,
}).then(
  // Exit explicitly: idle SDK and engine sockets must not keep a finished command alive.
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`swarmnode: ${String(error)}\n`);
    process.exit(1);
  },
);
