import { cpus } from 'node:os';

/** One line of the benchmark's table: a figure, and the floor or reference it is measured against. */
export interface Figure {
  name: string;
  value: number | null;
  unit: string;
  /** Why `value` is null (e.g. recall without Qdrant). */
  note?: string;
  reference?: { label: string; value: number };
  /** value ÷ reference, or reference ÷ value for "lower is better" latencies (see `better`). */
  ratio?: number;
}

export interface Goal {
  goal: string;
  measured: string;
  met: boolean;
}

const round = (n: number) => (Math.abs(n) >= 100 ? Math.round(n) : Math.round(n * 100) / 100);

/** A figure compared with its floor: ratio = value / floor (for latency: how many times the floor). */
export function against(name: string, value: number, unit: string, label: string, reference: number): Figure {
  return {
    name,
    value: round(value),
    unit,
    reference: { label, value: round(reference) },
    ratio: round(value / reference),
  };
}

export function plain(name: string, value: number | null, unit: string, note?: string): Figure {
  return { name, value: value === null ? null : round(value), unit, ...(note ? { note } : {}) };
}

export function machine() {
  return {
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

export function renderTable(figures: readonly Figure[], goals: readonly Goal[]): string {
  const rows = figures.map((f) => [
    f.name,
    f.value === null ? (f.note ?? 'n/a') : `${f.value} ${f.unit}`,
    f.reference ? `${f.reference.value} ${f.unit} (${f.reference.label})` : '',
    f.ratio === undefined ? '' : `${f.ratio}×`,
  ]);
  const header = ['figure', 'measured', 'against', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const table = [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const goalLines = goals.map((g) => `${g.met ? 'met   ' : 'MISSED'}  ${g.goal}: ${g.measured}`);
  return `${table.join('\n')}\n\nGoals\n${goalLines.join('\n')}\n`;
}
