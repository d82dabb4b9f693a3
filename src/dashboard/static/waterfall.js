// The latency waterfall of one turn: a bar per stage from the caller's speech end, each
// stage's budget marked, overruns in red. The server computes the bars with the agent's
// own ledger, so the numbers match the logs and metrics.
import { el } from './common.js';

const LABELS = { endpointing: 'Endpoint', stt: 'STT', llm: 'LLM', tool: 'Tool', tts: 'TTS', network: 'Network', total: 'Total' };

function niceStep(span) {
  for (const s of [50, 100, 200, 250, 500, 1000, 2000, 5000, 10000]) if (span / s <= 6) return s;
  return 20000;
}

/** The waterfall of a turn (`turn.bars` from the API). */
export function turnWaterfall(turn) {
  const bars = turn.bars ?? [];
  const title = `Turn ${turn.index}`;
  if (bars.length === 0) return el('div', { class: 'turn-wf' }, el('h3', {}, title), el('p', { class: 'muted' }, 'No latency marks for this turn.'));
  const total = bars.find((b) => b.stage === 'total');
  const span = Math.max(500, ...bars.map((b) => Math.max(b.endMs, b.budgetMs === undefined ? 0 : b.startMs + b.budgetMs))) * 1.08;
  const pct = (ms) => `${Math.max(0, Math.min(100, (ms / span) * 100)).toFixed(2)}%`;
  const over = turn.overruns ?? [];
  const step = niceStep(span);
  const ticks = [];
  for (let t = 0; t <= span; t += step) ticks.push(el('span', { style: `left:${pct(t)}` }, t === 0 ? 'speech end' : `${t} ms`));
  return el(
    'div',
    { class: 'turn-wf', 'data-turn': turn.index },
    el(
      'h3',
      {},
      `${title}${total ? ` · caller waited ${Math.round(total.ms)} ms` : ''}`,
      over.length > 0 ? el('span', { class: 'error' }, ` · over budget: ${over.map((o) => `${o.stage} +${Math.round(o.ms - o.budgetMs)} ms`).join(', ')}`) : '',
    ),
    ...bars.map((b) =>
      el(
        'div',
        { class: 'wf-row', 'data-stage': b.stage },
        el('span', { class: 'wf-label' }, LABELS[b.stage] ?? b.stage),
        el(
          'div',
          { class: 'wf-track' },
          el('div', { class: `wf-bar ${b.stage}${b.over ? ' over' : ''}`, style: `left:${pct(b.startMs)};width:${pct(b.endMs - b.startMs)}`, title: `${b.stage}: ${b.startMs} → ${b.endMs} ms after speech end` }),
          b.budgetMs === undefined ? '' : el('div', { class: 'wf-budget', style: `left:${pct(b.startMs + b.budgetMs)}`, title: `${b.stage} budget ${b.budgetMs} ms` }),
        ),
        el('span', { class: `wf-ms${b.over ? ' over' : ''}` }, `${Math.round(b.ms)} ms${b.budgetMs === undefined ? '' : ` / ${b.budgetMs}`}`),
      ),
    ),
    el('div', { class: 'wf-axis' }, ...ticks),
  );
}

/** The legend under the waterfalls. */
export function legend(budget) {
  return el(
    'div',
    { class: 'legend' },
    el('span', {}, el('i', { style: 'background:#7aa2f7' }), 'within budget'),
    el('span', {}, el('i', { style: 'background:#d92d20' }), 'over budget'),
    el('span', {}, el('i', { style: 'background:#c77700' }), `budget: STT ${budget.stt} · LLM ${budget.llm} · TTS ${budget.tts} · network ${budget.network} ms`),
  );
}
