import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { FleetFigures } from './fleet.js';
import type { StormFigures } from './storm-figures.js';

/** Everything `npm run bench -- economy` measures; parts not run are absent. */
export interface EconomyFigures {
  fleets?: FleetFigures[];
  /** The real-engine boot storm and the 1,000-instance storm on engine stand-ins. */
  storms?: StormFigures[];
}

/** A run of the same harness on the code of `commit` ("today" in the words). */
export interface Baseline {
  commit: string;
  measuredAt: string;
  figures: EconomyFigures;
}

/** Reads the committed baseline, or undefined when there is none yet. */
export function readBaseline(path: string): Baseline | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Baseline) : undefined;
}

/** Merges the parts just measured into the baseline file (parts measured in separate runs add up). */
export function saveBaseline(path: string, commit: string, figures: EconomyFigures): void {
  const before = readBaseline(path);
  const merged: EconomyFigures = { ...(before?.commit === commit ? before.figures : {}) };
  if (figures.fleets !== undefined) merged.fleets = figures.fleets;
  if (figures.storms !== undefined) merged.storms = [...(merged.storms ?? []).filter((s) => !figures.storms?.some((n) => n.kind === s.kind)), ...figures.storms];
  writeFileSync(path, `${JSON.stringify({ commit, measuredAt: new Date().toISOString(), figures: merged }, null, 2)}\n`);
}
