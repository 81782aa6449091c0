// The Prometheus text exposition format (version 0.0.4), rendered from plain
// data. Pure: families in, text out. Names are checked against the format's
// grammar so a typo cannot produce a file node_exporter rejects as a whole.

export type MetricType = 'gauge' | 'counter' | 'untyped';

export interface Sample {
  /** Label name → value; rendered in the order given. */
  labels?: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  name: string;
  help: string;
  type: MetricType;
  samples: readonly Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** HELP text: backslash and line feed are the only characters escaped. */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A label value: backslash, double quote and line feed are escaped. */
export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it: NaN, +Inf, -Inf or a decimal number. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function checkName(name: string, re: RegExp, what: string): void {
  if (!re.test(name)) throw new TypeError(`invalid Prometheus ${what} name: ${JSON.stringify(name)}`);
}

function sampleLine(name: string, s: Sample): string {
  const labels = Object.entries(s.labels ?? {});
  for (const [k] of labels) {
    checkName(k, LABEL_NAME, 'label');
    if (k.startsWith('__')) throw new TypeError(`label name ${JSON.stringify(k)} is reserved (leading __)`);
  }
  const set = labels.length ? `{${labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}` : '';
  return `${name}${set} ${formatValue(s.value)}\n`;
}

/**
 * The exposition text of `families`, each as `# HELP`, `# TYPE` and its
 * samples. A family name may appear once; a counter's name ends in `_total`
 * and a gauge's does not (the project's naming rule, checked here).
 */
export function renderExposition(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  let out = '';
  for (const f of families) {
    checkName(f.name, METRIC_NAME, 'metric');
    if (seen.has(f.name)) throw new TypeError(`metric family ${f.name} given twice`);
    seen.add(f.name);
    if (f.type === 'counter' && !f.name.endsWith('_total')) throw new TypeError(`counter ${f.name} must end in _total`);
    if (f.type !== 'counter' && f.name.endsWith('_total')) throw new TypeError(`${f.type} ${f.name} must not end in _total`);
    out += `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += sampleLine(f.name, s);
  }
  return out;
}
