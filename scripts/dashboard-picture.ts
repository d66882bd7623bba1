// Draws monitoring/grafana-dashboard.json as an SVG, panel by panel at their grid positions, with
// the values a lab run's Prometheus returned for each panel's queries (the snapshot the metrics lab
// test writes with SWARMNODE_DASHBOARD_SNAPSHOT=<file>). No Grafana renderer is available offline:
// this is a faithful drawing of the same panels and data, not a screenshot.
//   npx tsx scripts/dashboard-picture.ts <snapshot.json> monitoring/dashboard.svg
//   rsvg-convert monitoring/dashboard.svg -o monitoring/dashboard.png   (Debian librsvg2-bin)
import { readFileSync, writeFileSync } from 'node:fs';

interface Panel { type: string; title: string; gridPos: { x: number; y: number; w: number; h: number } }
interface Series { legend: string; values: [number, number][] }
interface Snapshot { start: number; end: number; panels: { title: string; type: string; unit: string | undefined; series: Series[] }[] }

const [snapshotFile, out] = process.argv.slice(2);
if (snapshotFile === undefined || out === undefined) throw new Error('usage: dashboard-picture.ts <snapshot.json> <out.svg>');
const dashboard = JSON.parse(readFileSync('monitoring/grafana-dashboard.json', 'utf8')) as { title: string; panels: Panel[] };
const snapshot = JSON.parse(readFileSync(snapshotFile, 'utf8')) as Snapshot;

const COL = 52;
const ROW = 30;
const PAD = 8;
/** The snapshot's query step is 2 s: a longer silence is a gap. */
const STEP_GAP_SEC = 5;
const COLORS = ['#73bf69', '#f2cc0c', '#5794f2', '#ff9830', '#f2495c', '#b877d9', '#8ab8ff', '#96d98d'];
const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const fmt = (v: number, unit: string | undefined): string => (Number.isInteger(v) ? String(v) : v.toFixed(2)) + (unit === 's' ? ' s' : unit === 'reqps' ? ' req/s' : '');

function stat(data: Snapshot['panels'][number], x: number, y: number, w: number, h: number): string {
  // One value per legend, from the series seen last (a new leader's gauge replaces the old one's).
  const last = data.series
    .filter((s) => s.values.length > 0)
    .map((s) => ({ legend: s.legend, at: s.values.at(-1)![0], value: s.values.at(-1)![1] }))
    .sort((a, b) => a.at - b.at);
  const byLegend = new Map(last.map((s) => [s.legend, s.value]));
  const cells = [...byLegend].slice(0, 3);
  const cw = (w - 2 * PAD) / Math.max(1, cells.length);
  return cells
    .map(([legend, value], i) => {
      const color = legend === 'unreachable' && value > 0 ? '#f2495c' : data.title === 'Quorum margin' ? (value <= 0 ? '#ff9830' : '#73bf69') : '#5794f2';
      const cx = x + PAD + i * cw;
      return `<rect x="${cx}" y="${y + 26}" width="${cw - 4}" height="${h - 34}" rx="3" fill="${color}" opacity="0.85"/>` +
        `<text x="${cx + cw / 2 - 2}" y="${y + 26 + (h - 34) / 2 + 2}" font-size="22" font-weight="bold" fill="#fff" text-anchor="middle">${esc(fmt(value, data.unit))}</text>` +
        `<text x="${cx + cw / 2 - 2}" y="${y + h - 14}" font-size="10" fill="#fff" text-anchor="middle">${esc(legend)}</text>`;
    })
    .join('');
}

function timeseries(data: Snapshot['panels'][number], x: number, y: number, w: number, h: number): string {
  const series = data.series.filter((s) => s.values.length > 0).slice(0, 8);
  if (series.length === 0) return `<text x="${x + w / 2}" y="${y + h / 2}" font-size="12" fill="#8e8e8e" text-anchor="middle">No data</text>`;
  const all = series.flatMap((s) => s.values.map(([, v]) => v)).filter(Number.isFinite);
  const max = Math.max(1, ...all);
  const min = Math.min(0, ...all);
  const px = x + 36;
  const pw = w - 44;
  const py = y + 26;
  const legendRows = Math.ceil(series.length / 3);
  const ph = h - 26 - 14 - legendRows * 12;
  const sx = (t: number): number => px + ((t - snapshot.start) / (snapshot.end - snapshot.start)) * pw;
  const sy = (v: number): number => py + ph - ((v - min) / (max - min)) * ph;
  const grid = [min, (min + max) / 2, max].map((v) => `<line x1="${px}" x2="${px + pw}" y1="${sy(v)}" y2="${sy(v)}" stroke="#2c3235"/><text x="${px - 4}" y="${sy(v) + 3}" font-size="9" fill="#8e8e8e" text-anchor="end">${esc(fmt(Number(v.toFixed(2)), undefined))}</text>`).join('');
  const lines = series
    .map((s, i) => {
      // A gap in the data (no leader exporting, a target gone) is drawn as a gap, as Grafana does.
      const runs: [number, number][][] = [];
      for (const point of s.values.filter(([, v]) => Number.isFinite(v))) {
        const run = runs.at(-1);
        if (run !== undefined && point[0] - run.at(-1)![0] <= STEP_GAP_SEC) run.push(point);
        else runs.push([point]);
      }
      return runs
        .map((run) => run.length === 1 ? `<circle cx="${sx(run[0]![0]).toFixed(1)}" cy="${sy(run[0]![1]).toFixed(1)}" r="1.8" fill="${COLORS[i % COLORS.length]}"/>` : `<polyline points="${run.map(([t, v]) => `${sx(t).toFixed(1)},${sy(v).toFixed(1)}`).join(' ')}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.6"/>`)
        .join('');
    })
    .join('');
  const colWidth = (w - 2 * PAD) / 3;
  const legend = series
    .map((s, i) => {
      const lx = x + PAD + (i % 3) * colWidth;
      const ly = y + h - 8 - (legendRows - 1 - Math.floor(i / 3)) * 12;
      return `<rect x="${lx}" y="${ly - 4}" width="10" height="3" fill="${COLORS[i % COLORS.length]}"/><text x="${lx + 14}" y="${ly}" font-size="9" fill="#ccccdc">${esc(s.legend.slice(0, Math.floor(colWidth / 5.6) - 3))}</text>`;
    })
    .join('');
  return grid + lines + legend;
}

function table(data: Snapshot['panels'][number], x: number, y: number, w: number): string {
  const rows = data.series.filter((s) => s.legend === 'exit code').slice(0, 6);
  return rows.map((s, i) => `<text x="${x + PAD}" y="${y + 44 + i * 14}" font-size="10" fill="#ccccdc">instance ${i + 1}: exit code ${fmt(s.values.at(-1)?.[1] ?? NaN, undefined)}</text>`).join('');
}

const height = Math.max(...dashboard.panels.map((p) => p.gridPos.y + p.gridPos.h)) * ROW + 50;
const parts = [`<svg xmlns="http://www.w3.org/2000/svg" width="${24 * COL + 16}" height="${height}" font-family="DejaVu Sans, sans-serif"><rect width="100%" height="100%" fill="#111217"/>`,
  `<text x="12" y="26" font-size="16" fill="#ccccdc">${esc(dashboard.title)} — lab run, ${new Date(snapshot.start * 1000).toISOString().slice(0, 16)}Z, ${Math.round((snapshot.end - snapshot.start) / 60)} min</text>`];
for (const panel of dashboard.panels) {
  const x = 8 + panel.gridPos.x * COL;
  const y = 40 + panel.gridPos.y * ROW;
  const w = panel.gridPos.w * COL - 6;
  const h = panel.gridPos.h * ROW - 6;
  if (panel.type === 'row') {
    parts.push(`<text x="${x}" y="${y + 20}" font-size="13" font-weight="bold" fill="#ccccdc">${esc(panel.title)}</text>`);
    continue;
  }
  const data = snapshot.panels.find((p) => p.title === panel.title) ?? { title: panel.title, type: panel.type, unit: undefined, series: [] };
  parts.push(`<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="2" fill="#181b1f" stroke="#2c3235"/><text x="${x + PAD}" y="${y + 17}" font-size="12" fill="#ccccdc">${esc(panel.title)}</text>`);
  parts.push(panel.type === 'stat' ? stat(data, x, y, w, h) : panel.type === 'table' ? table(data, x, y, w) : timeseries(data, x, y, w, h));
}
parts.push('</svg>\n');
writeFileSync(out, parts.join('\n'));
