// A strict checker for the Prometheus text format 0.0.4 as ephemdir writes
// it: every family has `# HELP` then `# TYPE` before its samples, names and
// label names follow the grammar, label values use only the three escapes,
// values parse as Go floats, and the text ends with a line feed. Returns the
// samples so tests can read values; throws naming the bad line.

export interface CheckedSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface CheckedFamily {
  name: string;
  help: string;
  type: string;
  samples: CheckedSample[];
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const LABEL_VALUE = '"(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:NaN|[+-]Inf|[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}=${LABEL_VALUE})(?:,${LABEL}=${LABEL_VALUE})*)?\\})? (${VALUE})(?: -?\\d+)?$`);
const PAIR = new RegExp(`(${LABEL})=(${LABEL_VALUE})`, 'g');

function unescape(v: string, help: boolean): string {
  return v.replace(help ? /\\([\\n])/g : /\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function checkExposition(text: string): CheckedFamily[] {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('exposition does not end with a line feed');
  const families: CheckedFamily[] = [];
  let current: CheckedFamily | null = null;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const where = `line ${i + 1}: ${JSON.stringify(line)}`;
    const help = new RegExp(`^# HELP (${NAME}) (.*)$`).exec(line);
    if (help) {
      if (families.some((f) => f.name === help[1])) throw new Error(`family given twice, ${where}`);
      if (help[2]!.replace(/\\[\\n]/g, '').includes('\\')) throw new Error(`bad escape in HELP, ${where}`);
      current = { name: help[1]!, help: unescape(help[2]!, true), type: '', samples: [] };
      families.push(current);
      return;
    }
    const type = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line);
    if (type) {
      if (!current || current.name !== type[1] || current.type || current.samples.length) throw new Error(`TYPE out of place, ${where}`);
      current.type = type[2]!;
      return;
    }
    if (line.startsWith('#')) throw new Error(`unexpected comment, ${where}`);
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line, ${where}`);
    if (!current || current.name !== m[1] || !current.type) throw new Error(`sample outside its family, ${where}`);
    const labels: Record<string, string> = {};
    for (const p of (m[2] ?? '').matchAll(PAIR)) {
      if (p[1]! in labels) throw new Error(`label given twice, ${where}`);
      labels[p[1]!] = unescape(p[2]!.slice(1, -1), false);
    }
    const v = m[3]!;
    current.samples.push({ name: m[1]!, labels, value: v === 'NaN' ? NaN : v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  });
  return families;
}

/** The single unlabelled value of family `name`. */
export function valueOf(families: CheckedFamily[], name: string, labels: Record<string, string> = {}): number {
  const f = families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name}`);
  const s = f.samples.find((x) => JSON.stringify(x.labels) === JSON.stringify(labels));
  if (!s) throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
  return s.value;
}
