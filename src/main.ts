// Placeholder entry so the build pipeline has something to bundle; the agent work replaces it.
import { readFileSync } from 'node:fs';
const args = process.argv.slice(2);
if (args.includes('--version')) {
  process.stdout.write('swarmnode 0.1.0\n');
} else {
  process.stdout.write('usage: swarmnode <boot|watch|health|plan|status> [--flags]\n');
}
void readFileSync;
