// `ephemdir explain [NAME]`: why a directory will or will not be removed.
import { escapeForTerminal as esc, formatRemaining } from '../../core/humanize';
import { explainJson, type ExplainModel } from '../../policy/explain';
import { api } from '../api';
import type { Painter } from '../color';
import { formatMeasured, formatTags, statusIcon } from '../format';
import { stringify } from '../json';
import { JSON_OPT, PLAIN_OPT, TARGET_HELP, defineCommand } from '../spec';
import { targetOrHere } from '../target';

export function renderExplain(m: ExplainModel, opts: { emoji: boolean; paint: Painter }): string {
  const { paint } = opts;
  const mark = opts.emoji ? { reason: '▸', blocker: '✗', ok: '✓', note: '·' } : { reason: '[*]', blocker: '[x]', ok: '[ok]', note: '[i]' };
  const detail = (d: string | undefined) => (d ? `: ${esc(d)}` : '');
  let out = `${statusIcon(m.listStatus, opts.emoji)} ${esc(m.name)}: ${paint(m.verdictColor, m.verdict)}\n`;
  out += `    ${paint('dim', esc(m.path))}\n`;
  if (m.stagingPath) out += `    ${paint('dim', `staging: ${esc(m.stagingPath)}`)}\n`;
  if (m.tags.length) out += `    ${paint('cyan', formatTags(m.tags))}\n`;
  if (m.description) out += `    ${paint('dim', esc(m.description))}\n`;
  if (m.reasons.length) {
    out += 'due because:\n';
    for (const r of m.reasons) out += `    ${mark.reason} ${r.label} (${r.code})${detail(r.detail)}\n`;
  }
  if (m.blockers.length) {
    out += 'held back because:\n';
    for (const b of m.blockers) out += `    ${paint('red', mark.blocker)} ${b.label} (${b.code})${detail(b.detail)}\n`;
  }
  if (m.notes.length) {
    out += 'notes:\n';
    for (const n of m.notes) out += `    ${mark.note} ${n.label} (${n.code})${detail(n.detail)}\n`;
  }
  if (!m.due && m.lifecycleState === 'active' && m.status === 'active') {
    const lifetime =
      m.remainingSeconds === null ? 'no time limit' : `${formatRemaining(Math.max(0, m.remainingSeconds))} left`;
    out += `${paint('green', mark.ok)} lifetime: ${lifetime}\n`;
    if (m.maxSizeBytes !== null) {
      const size = m.sizeBytes === null ? '?' : formatMeasured({ bytes: m.sizeBytes, complete: m.sizeComplete ?? true });
      out += `${paint('green', mark.ok)} size: ${size} of at most ${formatMeasured({ bytes: m.maxSizeBytes, complete: true })}\n`;
    }
    if (!m.blockers.length) out += `${paint('green', mark.ok)} ownership and identity verified\n`;
  }
  if (m.hint) out += `next step: ${esc(m.hint)}\n`;
  return out;
}

export default defineCommand(
  {
    name: 'explain',
    summary: 'why a directory will or will not be removed',
    args: '[NAME]',
    minArgs: 0,
    maxArgs: 1,
    complete: 'names',
    options: { json: JSON_OPT, plain: PLAIN_OPT },
    details: TARGET_HELP,
    examples: [
      { run: 'ephemdir explain build', does: 'why build will or will not be removed' },
      { run: 'ephemdir explain build --json', does: 'the same, as JSON' },
    ],
  },
  async (ctx, opts, args) => {
    const target = await targetOrHere(args[0]);
    const model = await api().explain(target);
    if (opts.json) ctx.out(stringify(explainJson(model)));
    else ctx.out(renderExplain(model, { emoji: ctx.emoji(opts.plain), paint: ctx.paint }));
    return 0;
  },
);
