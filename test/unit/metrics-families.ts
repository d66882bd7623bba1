/** One metric family of a Prometheus text exposition: its type and the label names its samples carry. */
export interface Family {
  name: string;
  type: string;
  labels: string[];
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/** The families of a text exposition (`# TYPE` lines and their samples), `le` left out of histograms. */
export function families(exposition: string): Map<string, Family> {
  const found = new Map<string, Family>();
  for (const line of exposition.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) {
      found.set(type[1] as string, { name: type[1] as string, type: type[2] as string, labels: [] });
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})? /.exec(line);
    if (sample === null) continue;
    const name = sample[1] as string;
    const family = found.get(name) ?? found.get(HISTOGRAM_SUFFIXES.reduce((n, s) => (n.endsWith(s) ? n.slice(0, -s.length) : n), name));
    if (family === undefined) continue;
    for (const label of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) {
      const labelName = label[1] as string;
      if (labelName !== 'le' && !family.labels.includes(labelName)) family.labels.push(labelName);
    }
  }
  for (const family of found.values()) family.labels.sort();
  return found;
}
