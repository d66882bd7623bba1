// `npm run bench -- <name>`: each benchmark is a module exporting `main(args)`, loaded only when run.
const BENCHES: Record<string, { summary: string; load: () => Promise<{ main(args: string[]): Promise<void> }> }> = {
  'scale-in': { summary: 'scale-in of a worker and a manager vs the bare engine (drain by hand, then leave)', load: () => import('./scale-in.js') },
};

const [name, ...args] = process.argv.slice(2);
const bench = name === undefined ? undefined : BENCHES[name];
if (bench === undefined) {
  const list = Object.entries(BENCHES).map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}`).join('\n');
  process.stderr.write(`usage: npm run bench -- <name>\n${list}\n`);
  process.exit(64);
}
await bench.load().then((m) => m.main(args));
