// The Problems list, the Decisions (flatten) panel and the Certificate panel.

function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'onclick') e.addEventListener('click', v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat()) {
    if (kid === undefined || kid === null || kid === false) continue;
    e.appendChild(typeof kid === 'string' || typeof kid === 'number' ? document.createTextNode(String(kid)) : kid);
  }
  return e;
}

const ICON = { error: '✕', warning: '!', info: 'i' };

function where(span) {
  return span ? `${span.line}:${span.column}` : '—';
}

/** Related locations (loop members, the witness path, …) as links that select their text. */
export function relatedList(d, onSelect) {
  const items = [];
  for (const r of d.related || []) {
    items.push(
      h('li', {},
        h('a', {
          href: '#',
          class: 'fg-related-link',
          dataset: { start: r.span ? r.span.start : '', pointer: r.pointer },
          onclick: (ev) => {
            ev.preventDefault();
            ev.stopPropagation();
            onSelect(r.span);
          },
        }, r.node ? r.node : r.pointer),
        h('span', { class: 'muted' }, ` ${r.message}${r.span ? ` · ${where(r.span)}` : ''}`),
      ),
    );
  }
  const witness = d.witness && Object.keys(d.witness).length
    ? h('div', { class: 'fg-witness' }, 'Input: ', h('code', {}, Object.entries(d.witness).map(([k, v]) => `${k} = ${v}`).join(', ')))
    : null;
  if (!items.length && !witness) return null;
  return h('div', { class: 'fg-related' }, items.length ? h('ul', {}, items) : null, witness);
}

export function renderProblems(root, diagnostics, { onSelect }) {
  root.replaceChildren();
  if (!diagnostics.length) {
    root.appendChild(h('div', { class: 'empty' }, h('span', { class: 'ok-mark' }, '✓'), ' No problems: no loops, traps, dead ends or dead decisions.'));
    return;
  }
  const list = h('ul', { class: 'problems' });
  for (const d of diagnostics) {
    const item = h('li', {
      class: `problem sev-${d.severity}`,
      tabindex: 0,
      dataset: { code: d.code, start: d.span ? d.span.start : '', line: d.span ? d.span.line : '' },
      onclick: () => onSelect(d.span),
    },
    h('div', { class: 'problem-head' },
      h('span', { class: `sev-icon sev-${d.severity}`, title: d.severity }, ICON[d.severity] || '?'),
      h('span', { class: 'code', title: d.name }, d.code),
      h('span', { class: 'message' }, d.message),
      h('span', { class: 'loc' }, where(d.span)),
    ),
    relatedList(d, onSelect));
    item.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') onSelect(d.span);
    });
    list.appendChild(item);
  }
  root.appendChild(list);
}

function fmt(n) {
  return typeof n === 'number' ? (Number.isInteger(n) ? String(n) : n.toFixed(2)) : '—';
}

export function renderFlatten(root, result, { ms, currentText, apply }) {
  root.replaceChildren();
  const reports = result.reports || [];
  if (!reports.length) {
    root.appendChild(h('div', { class: 'empty' }, 'No decision trees to flatten in this flow.'));
    return;
  }
  const hops = reports.reduce((s, r) => s + (r.hopsRemoved || 0), 0);
  const before = reports.reduce((s, r) => s + (r.expectedEvaluationsBefore || 0), 0);
  const after = reports.reduce((s, r) => s + (r.expectedEvaluationsAfter || 0), 0);
  const flattened = reports.filter((r) => r.status === 'flattened').length;
  const canApply = typeof result.document === 'string' && result.document !== currentText();
  root.appendChild(
    h('div', { class: 'summary' },
      h('span', {}, h('b', {}, String(flattened)), ` of ${reports.length} decision trees flattened`),
      h('span', {}, h('b', {}, String(hops)), ' hops saved'),
      h('span', {}, 'expected evaluations per call ', h('b', {}, `${fmt(before)} → ${fmt(after)}`)),
      h('span', { class: 'muted' }, `flattened and certified in ${ms.toFixed(1)} ms`),
      canApply ? h('button', { class: 'apply', onclick: () => apply(result.document) }, 'Apply flattening') : null,
    ),
  );
  const table = h('table', { class: 'report' },
    h('thead', {}, h('tr', {},
      h('th', {}, 'decision'), h('th', {}, 'status'), h('th', {}, 'conditions'),
      h('th', {}, 'hops saved'), h('th', {}, 'expected evaluations'), h('th', {}, 'details'))));
  const body = h('tbody');
  for (const r of reports) {
    const details = [];
    if (r.inlinedNodes && r.inlinedNodes.length) details.push(`inlined ${r.inlinedNodes.join(', ')}`);
    if (r.removedNodes && r.removedNodes.length) details.push(`removes ${r.removedNodes.join(', ')}`);
    for (const c of r.removedConditions || []) {
      details.push(h('span', {}, `drops ${c.nodeId}[${c.condition}] `, h('code', {}, c.expression), ` (${c.reason.replace('_', ' ')})`));
    }
    if (r.mergedConditions) details.push(`${r.mergedConditions} merged`);
    if (r.reordered) details.push('reordered');
    if (r.reason) details.push(r.reason);
    body.appendChild(h('tr', { class: `status-${r.status}` },
      h('td', {}, h('code', {}, r.nodeId)),
      h('td', {}, h('span', { class: `tag ${r.status}` }, r.status)),
      h('td', { class: 'num' }, `${r.conditionsBefore} → ${r.conditionsAfter}`),
      h('td', { class: 'num' }, String(r.hopsRemoved)),
      h('td', { class: 'num' }, `${fmt(r.expectedEvaluationsBefore)} → ${fmt(r.expectedEvaluationsAfter)}`),
      h('td', { class: 'details' }, details.length ? details.map((d) => h('div', {}, d)) : '—')));
  }
  table.appendChild(body);
  root.appendChild(table);
}

export function renderCertificate(root, result) {
  root.replaceChildren();
  const cert = result.certificate || { decisions: [] };
  const decisions = cert.decisions || [];
  root.appendChild(
    h('div', { class: `summary cert ${cert.allAppliedCertified ? 'good' : 'bad'}` },
      h('span', { class: 'cert-mark' }, cert.allAppliedCertified ? '✓' : '✕'),
      h('span', { class: 'cert-text' }, cert.allAppliedCertified
        ? 'Every applied rewrite is certified: each flattened decision routes every input exactly like the original tree.'
        : 'Nothing could be certified: the input could not be read.')),
  );
  if (!decisions.length) {
    root.appendChild(h('div', { class: 'empty' }, 'No decision was rewritten, so there is nothing to certify.'));
    return;
  }
  const table = h('table', { class: 'report' },
    h('thead', {}, h('tr', {}, h('th', {}, 'decision'), h('th', {}, 'certified'), h('th', {}, 'regions checked'), h('th', {}, 'boundary inputs'), h('th', {}, 'note'))));
  const body = h('tbody');
  for (const c of decisions) {
    const note = c.counterexample
      ? `counterexample: ${Object.entries(c.counterexample).map(([k, v]) => `${k} = ${v}`).join(', ')}`
      : c.reason || '';
    body.appendChild(h('tr', {},
      h('td', {}, h('code', {}, c.nodeId)),
      h('td', {}, h('span', { class: `tag ${c.certified ? 'flattened' : 'notFlattened'}` }, c.certified ? 'yes' : 'no')),
      h('td', { class: 'num' }, fmt(c.regionsChecked)),
      h('td', { class: 'num' }, fmt(c.boundaryInputsChecked)),
      h('td', { class: 'details' }, note || '—')));
  }
  table.appendChild(body);
  root.appendChild(table);
}
