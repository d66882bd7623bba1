import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/lab.js';
import { until } from './watch-helpers.js';

export const METRICS_PORT = 9470;

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/**
 * A real Prometheus (Debian's) on a host of the lab network of its own, scraping every instance's
 * `swarmnode watch` each second through a file of targets the test keeps up to date. Stopped by
 * its pid; the lab's `down` would also kill it (its command line names the lab's directory).
 */
export class LabPrometheus {
  private constructor(
    private readonly lab: Lab,
    private readonly process: ChildProcess,
    readonly url: string,
    private readonly targetsFile: string,
  ) {}

  static async start(lab: Lab): Promise<LabPrometheus> {
    const host = await lab.addServiceHost(10);
    const targetsFile = join(host.dir, 'targets.json');
    const config = join(host.dir, 'prometheus.yml');
    writeFileSync(targetsFile, '[]\n');
    writeFileSync(
      config,
      [
        'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
        'scrape_configs:',
        '  - job_name: swarmnode',
        `    file_sd_configs: [{ files: ['${targetsFile}'], refresh_interval: 1s }]`,
        '',
      ].join('\n'),
    );
    const child = spawn(
      'nsenter',
      [`--net=${host.netns}`, '--', 'prometheus', `--config.file=${config}`, `--storage.tsdb.path=${join(host.dir, 'data')}`, `--web.listen-address=${host.ip}:9090`, '--log.level=warn'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    const prometheus = new LabPrometheus(lab, child, `http://${host.ip}:9090`, targetsFile);
    await until('prometheus ready', async () => ((await fetch(`${prometheus.url}/-/ready`)).ok ? true : undefined), 60_000);
    prometheus.refreshTargets();
    return prometheus;
  }

  /** Every running instance of the lab, as a scrape target. */
  refreshTargets(): string[] {
    const targets = this.lab.instances().filter((i) => i.running).map((i) => `${i.privateIp}:${METRICS_PORT}`);
    // Whole or not at all: Prometheus re-reads the file as soon as it changes.
    writeFileSync(`${this.targetsFile}.tmp`, `${JSON.stringify([{ targets, labels: { cluster: this.lab.cluster } }])}\n`);
    renameSync(`${this.targetsFile}.tmp`, this.targetsFile);
    return targets;
  }

  async query(expr: string): Promise<PromSample[]> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as { status: string; error?: string; data: { result: PromSample[] } };
    if (body.status !== 'success') throw new Error(`prometheus: ${expr}: ${body.error ?? body.status}`);
    return body.data.result;
  }

  async queryRange(expr: string, startSec: number, endSec: number, stepSec: number): Promise<{ metric: Record<string, string>; values: [number, string][] }[]> {
    const params = new URLSearchParams({ query: expr, start: String(startSec), end: String(endSec), step: String(stepSec) });
    const body = (await (await fetch(`${this.url}/api/v1/query_range?${params}`)).json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
    if (body.status !== 'success') throw new Error(`prometheus: ${expr}: ${body.error ?? body.status}`);
    return body.data.result;
  }

  /** The single value of an expression, or undefined when it has none (or several). */
  async scalar(expr: string): Promise<number | undefined> {
    const result = await this.query(expr);
    return result.length === 1 ? Number(result[0]!.value[1]) : undefined;
  }

  stop(): void {
    if (this.process.pid !== undefined && this.process.exitCode === null) this.process.kill('SIGKILL');
  }
}

/** `promtool check metrics` on one exposition: its findings, '' when clean. */
export function promtoolFindings(exposition: string): string {
  const check = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (check.error) throw check.error;
  return `${check.stdout}${check.stderr}`.trim() + (check.status === 0 ? '' : ` (exit ${check.status})`);
}
