// `npm run bench [-- <name>]`: runs one benchmark, or all of them in turn. Each benchmark is a module
// exporting `main()`.
import { SwarmnodeError } from '../src/errors/swarmnode-error.js';

const BENCHMARKS: Record<string, { summary: string; load: () => Promise<{ main(): Promise<void> } | { main(argv: string[]): Promise<void> }>; takesArgs?: boolean }> = {
  boot: { summary: 'launch to node Ready against joins by hand; AWS calls per boot for 5/50/500 instances; 50 boots throttled', load: () => import('./boot.js') },
  sim: { summary: 'the fault-schedule simulation: schedules per second (no lab; SIM_RUNS to change the count)', load: () => import('./sim.js') },
  lifecycle: { summary: 'warm pool scale-out (Stopped, Running) against a cold launch, reuse scale-in, give-up, spot rebalance and notice', load: () => import('./lifecycle.js') },
  recovery: { summary: 'majority and total manager loss: swarmnode against Docker\'s procedure scripted, to a leader and to the service at its replicas', load: () => import('./recovery.js') },
  'scale-in': { summary: 'scale-in of a worker and a manager with swarmnode against drain-and-leave by hand', load: () => import('./scale-in.js') },
  economy: { summary: 'AWS calls per boot and per minute at 5/50/500 instances, watch RSS, boot storms under AWS-like throttling', load: () => import('./economy.js'), takesArgs: true },
};

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.summary}`);
  return `usage: npm run bench [-- <name>]   (as root: it runs labs; no name runs them all)\n${names.join('\n')}\n`;
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const names = name === undefined ? Object.keys(BENCHMARKS) : [name];
  const unknown = names.find((n) => BENCHMARKS[n] === undefined);
  if (unknown !== undefined || (rest.length > 0 && BENCHMARKS[names[0]!]?.takesArgs !== true)) {
    process.stderr.write(`bench: ${unknown !== undefined ? `unknown benchmark '${unknown}'` : `'${name}' takes no arguments`}\n${usage()}`);
    return 64;
  }
  let current = names[0];
  try {
    for (const n of names) {
      current = n;
      if (names.length > 1) process.stdout.write(`\n=== bench ${n}\n`);
      const bench = await BENCHMARKS[n]!.load();
      await (BENCHMARKS[n]!.takesArgs === true ? (bench as { main(argv: string[]): Promise<void> }).main(rest) : (bench as { main(): Promise<void> }).main());
    }
    return 0;
  } catch (error) {
    if (error instanceof SwarmnodeError) {
      process.stderr.write(`bench ${current}: ${error.message}\n  fix: ${error.action}\n`);
      return error.exitCode;
    }
    process.stderr.write(`bench ${current}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 1;
  }
}

process.exitCode = await run(process.argv.slice(2));
