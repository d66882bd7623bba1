// `npm run bench -- boot`: (1) launch to node Ready with swarmnode against joins by hand through the
// engine API, (2) AWS calls per boot by API for fleets of 5, 50 and 500 instances, (3) 50 boots at
// once against a throttled endpoint. Every figure comes from real engines in the lab.
import { fileURLToPath } from 'node:url';
import { awsCallsPerBoot } from './boot-aws-calls.js';
import { readyTimes } from './boot-ready-times.js';
import { throttledBoots } from './boot-throttled.js';
import { ensureBuilt } from './ensure-build.js';

const say = (text: string): void => {
  process.stdout.write(`${text}\n`);
};

export async function main(): Promise<void> {
  await ensureBuilt(fileURLToPath(new URL('..', import.meta.url)), say);
  const parts = [
    { title: '(1) time from instance launch to node Ready', run: readyTimes },
    { title: '(2) AWS calls per boot, by API, against the fleet size', run: awsCallsPerBoot },
    { title: '(3) 50 boots at once against a throttled AWS endpoint', run: throttledBoots },
  ];
  for (const part of parts) {
    const started = Date.now();
    say(`\n${part.title}`);
    await part.run(say);
    say(`  (measured in ${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }
}
