import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A systemd unit file read the way systemd reads it, for the lab (which plays systemd with the
 * shipped units) and for the tests of those units: sections, comments (`#`, `;`), continuation
 * lines ending in `\`, later assignments overriding earlier ones, and list settings (Wants=,
 * After=, ...) accumulating, an empty assignment clearing the list.
 */
export class UnitFile {
  private constructor(
    readonly name: string,
    private readonly entries: readonly { section: string; key: string; value: string }[],
  ) {}

  static parse(name: string, text: string): UnitFile {
    const entries: { section: string; key: string; value: string }[] = [];
    let section = '';
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      let line = lines[i]!.trim();
      if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
      while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1)} ${lines[++i]!.trim()}`;
      const header = /^\[([^\]]+)\]$/.exec(line);
      if (header) {
        section = header[1]!;
        continue;
      }
      const eq = line.indexOf('=');
      if (eq <= 0 || section === '') throw new Error(`${name}:${i + 1}: not a setting of a section: ${line}`);
      entries.push({ section, key: line.slice(0, eq).trim(), value: line.slice(eq + 1).trim() });
    }
    return new UnitFile(name, entries);
  }

  /** A unit file shipped in systemd/ of this repository. */
  static shipped(name: string): UnitFile {
    return UnitFile.parse(`systemd/${name}`, readFileSync(`${repoRoot}systemd/${name}`, 'utf8'));
  }

  /** The effective value of a single-valued setting: the last assignment wins. */
  value(section: string, key: string): string | undefined {
    return this.assignments(section, key).at(-1);
  }

  /** A space-separated list setting, accumulated over its assignments; `Key=` empties it. */
  list(section: string, key: string): string[] {
    let items: string[] = [];
    for (const value of this.assignments(section, key)) {
      items = value === '' ? [] : [...items, ...value.split(/\s+/)];
    }
    return items;
  }

  /** Every assignment of the key, in order (settings such as SystemCallFilter= combine them). */
  assignments(section: string, key: string): string[] {
    return this.entries.filter((entry) => entry.section === section && entry.key === key).map((entry) => entry.value);
  }

  /** The keys set in a section, in order of first appearance. */
  keys(section: string): string[] {
    return [...new Set(this.entries.filter((entry) => entry.section === section).map((entry) => entry.key))];
  }

  /** The setting, or an error naming the unit file and the missing key. */
  required(section: string, key: string): string {
    const value = this.value(section, key);
    if (value === undefined) throw new Error(`${this.name} has no ${key}= in [${section}]`);
    return value;
  }
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** systemd time spans as the shipped units use them: 500ms, 5s, 10min, 1h (bare numbers are seconds). */
export function timeSpanMs(value: string): number {
  const match = /^(\d+)\s*(ms|s|min|h)?$/.exec(value);
  if (!match) throw new Error(`time span ${value} is not one the lab understands`);
  const unitMs: Record<string, number> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 };
  return Number(match[1]) * unitMs[match[2] ?? 's']!;
}
