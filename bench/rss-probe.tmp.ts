import { setTimeout as sleep } from 'node:timers/promises';
import { withLab } from './with-lab.js';
import { watchRssKb } from './economy/watch-rss.js';
for (const v of process.argv.slice(2)) {
  const binary = `/tmp/economy-runs/variant-${v}/swarmnode`;
  await withLab({ name: `rp-${v}`, managers: 1, workers: 1, binary }, async (lab) => {
    await Promise.all(lab.instances().map((i) => lab.bootExit(i.instanceId, 120_000)));
    const samples: string[] = [];
    for (const t of [30, 60, 120]) {
      await sleep(t === 30 ? 30_000 : t === 60 ? 30_000 : 60_000);
      samples.push(`${t}s: ` + lab.instances().map((i) => `${i.role} ${Math.round((watchRssKb(binary, i.netns) ?? 0) / 1024)}MB`).join(' '));
    }
    console.log(v, samples.join(' | '));
    const { execSync } = await import('node:child_process');
    for (const i of lab.instances()) {
      const pid = execSync(`pgrep -f "${binary} watch" || true`).toString().trim().split('\n');
      for (const p of pid.filter(Boolean)) {
        const { statSync, readlinkSync } = await import('node:fs');
        let ns = ''; try { ns = readlinkSync(`/proc/${p}/ns/net`); } catch { continue; } if (ns !== `net:[${statSync(i.netns).ino}]`) continue;
        console.log(i.role, execSync(`awk '/^[0-9a-f]+-[0-9a-f]+ /{m=$0} /^Rss:/{ if (m ~ /swarmnode/) print $2, m; else a+=$2 } END {print a, "other"}' /proc/${p}/smaps | sort -rn | head -4`).toString());
      }
    }
  });
}
process.exit(0);
