// The self-contained HTML report: one file that opens offline in any browser, with inline CSS, one
// inline script allowed by its SHA-256 in a strict CSP, and no external fetches. Everything from the
// session (device names, log lines, DTS paths, settings) is HTML-escaped, so a device named
// `<img src=x onerror=alert(1)>` shows as text; the CSP would block it even if an escape were missed.
import type { DeviceReport } from '../common';
import { OWN_CHECK } from '../bindings';
import { formatSpan } from '../common';
import { utf8Decode, utf8Encode } from './bytes';
import { sha256Base64, sha256Hex } from './checksums';
import { isoTime } from './export-text';
import { consoleItems } from './lines';
import { bindingSentence, deviceVerdicts, type DeviceVerdict, type ReportInputs, type SessionBindings, type TimelineEvent } from './report-model';
import type { SessionData } from './session-data';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface HtmlReportOptions {
  /** Console text beyond this many characters is cut (the bundle keeps everything). Default 4 MiB. */
  maxConsoleChars?: number;
  /** DT source files larger than this are listed but not shown. Default 256 KiB each. */
  maxSourceChars?: number;
  /** Time the report was generated (ms); default: the session start, so output is reproducible. */
  generatedAt?: number;
}

const CSS = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1b1f24;--mut:#57606a;--bd:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--hl:#fff1f0}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--mut:#8d96a0;--bd:#30363d;--ok:#3fb950;--bad:#f85149;--warn:#d29922;--hl:#3b1619}}
body{margin:0;font:14px/1.45 system-ui,sans-serif;background:var(--bg);color:var(--fg)}
header,section{padding:12px 24px}header{border-bottom:1px solid var(--bd)}
h1{font-size:20px;margin:0 0 6px}h2{font-size:16px;margin:18px 0 8px}
dl.meta{display:grid;grid-template-columns:max-content auto;gap:2px 14px;margin:0}dl.meta dt{color:var(--mut)}dl.meta dd{margin:0;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
nav a{margin-right:14px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{border:1px solid var(--bd);padding:3px 6px;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:var(--bg)}td.n{font-family:ui-monospace,monospace;overflow-wrap:anywhere}td.s{font-family:ui-monospace,monospace;white-space:nowrap}
tr.mismatch td,tr.predicted-only td,tr.actual-only td{background:var(--hl)}
.v-match{color:var(--ok);font-weight:600}.v-unobserved{color:var(--mut)}.v-mismatch,.v-predicted-only,.v-actual-only{color:var(--bad);font-weight:600}
.tools{margin:6px 0}.tools input[type=search]{width:280px}
pre{font:12px/1.35 ui-monospace,monospace;white-space:pre-wrap;overflow-wrap:anywhere;border:1px solid var(--bd);padding:8px;max-height:70vh;overflow:auto}
pre.console .m{color:var(--warn);font-weight:600}pre.console .ts{color:var(--mut)}pre.console .tx{color:var(--ok)}
details{margin:4px 0}summary{cursor:pointer}ol.why{margin:4px 0 8px}
.note{color:var(--mut)}.b,tr.b-error td:first-child{color:var(--bad)}tr.b-warning td:first-child{color:var(--warn)}svg text{fill:var(--fg);font:11px system-ui,sans-serif}
`;

// The one script: filter rows by text and show mismatches only. It only reads textContent and sets
// `hidden`, so even hostile row text stays inert.
const SCRIPT = `(function(){var q=document.getElementById('q'),m=document.getElementById('mm'),rows=[].slice.call(document.querySelectorAll('#devices tbody tr'));function f(){var s=q.value.toLowerCase(),o=m.checked;rows.forEach(function(r){var v=r.getAttribute('data-verdict');r.hidden=(o&&(v==='match'||v==='unobserved'))||(s!==''&&r.textContent.toLowerCase().indexOf(s)<0)})}q.addEventListener('input',f);m.addEventListener('change',f)})();`;

function cell(d: DeviceReport | null, key: 'state' | 'iommu' | 'deferrals' | 'bind'): string {
  if (!d) return '<td class="n">—</td>';
  switch (key) {
    case 'state':
      return `<td class="s">${escapeHtml(d.state)}${d.error !== undefined && d.error !== null ? ` (${escapeHtml(String(d.error))})` : ''}</td>`;
    case 'iommu':
      return `<td class="n">${d.iommuGroup === null ? '—' : escapeHtml(String(d.iommuGroup))}</td>`;
    case 'deferrals':
      return `<td class="n">${escapeHtml(String(d.deferrals))}</td>`;
    case 'bind':
      return `<td class="n">${d.bindIndex === null ? '—' : escapeHtml(String(d.bindIndex))}</td>`;
  }
}

function deviceTable(verdicts: DeviceVerdict[]): string {
  const rows = verdicts.map((v) => {
    const cls = escapeHtml(v.verdict);
    const diff = v.differences.length ? escapeHtml(v.differences.join('; ')) : '';
    return (
      `<tr class="${cls}" data-verdict="${cls}"><td class="n">${escapeHtml(v.name)}</td><td class="n">${escapeHtml(v.node ?? '')}</td>` +
      cell(v.predicted, 'state') + cell(v.predicted, 'iommu') + cell(v.predicted, 'deferrals') + cell(v.predicted, 'bind') +
      cell(v.actual, 'state') + cell(v.actual, 'iommu') + cell(v.actual, 'deferrals') + cell(v.actual, 'bind') +
      `<td class="v-${cls}">${cls}</td><td>${diff}${v.cause ? `<br><span class="note">cause: ${escapeHtml(v.cause)}</span>` : ''}` +
      `${(v.bindings ?? []).map((b) => `<br><span class="b">${escapeHtml(b)}</span>`).join('')}</td></tr>`
    );
  });
  const counts = { match: 0, other: 0 };
  for (const v of verdicts) if (v.verdict === 'match' || v.verdict === 'unobserved') counts.match++; else counts.other++;
  return `<section id="devices"><h2>Devices: predicted and actual</h2>
<p>${verdicts.length} devices, <span class="v-match">${counts.match} match or cannot be seen in the log</span>, <span class="v-mismatch">${counts.other} differ</span>.</p>
<div class="tools"><input id="q" type="search" placeholder="filter devices" aria-label="filter devices"> <label><input id="mm" type="checkbox"> mismatches only</label></div>
<table><thead><tr><th rowspan="2">device</th><th rowspan="2">DT node</th><th colspan="4">predicted</th><th colspan="4">actual</th><th rowspan="2">verdict</th><th rowspan="2">differences</th></tr>
<tr><th>state</th><th>IOMMU group</th><th>deferrals</th><th>bind #</th><th>state</th><th>IOMMU group</th><th>deferrals</th><th>bind #</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

/** Two lanes, predicted over actual; kernel time when the timeline is given, else bind order. */
function timeline(verdicts: DeviceVerdict[], events: readonly TimelineEvent[] | undefined): string {
  const W = 1100;
  const left = 90;
  const lanesY = { predicted: 40, actual: 100 };
  let points: { lane: 'predicted' | 'actual'; x: number; device: string; kind: string; text?: string }[] = [];
  let axis = 'bind order';
  if (events && events.length) {
    axis = 'kernel time (s)';
    const ts = events.map((e) => e.t).filter(Number.isFinite);
    const min = Math.min(...ts);
    const max = Math.max(...ts);
    const span = max - min || 1;
    points = events.filter((e) => Number.isFinite(e.t)).slice(0, 5000).map((e) => ({ lane: e.lane === 'actual' ? 'actual' : 'predicted', x: left + ((e.t - min) / span) * (W - left - 20), device: e.device, kind: e.kind, ...(e.text ? { text: e.text } : {}) }));
  } else {
    const n = Math.max(1, ...verdicts.flatMap((v) => [v.predicted?.bindIndex ?? 0, v.actual?.bindIndex ?? 0]));
    for (const v of verdicts.slice(0, 5000)) {
      for (const lane of ['predicted', 'actual'] as const) {
        const d = v[lane];
        if (d && d.bindIndex !== null) points.push({ lane, x: left + (d.bindIndex / n) * (W - left - 20), device: v.name, kind: `bind (${d.state})` });
        else if (d && d.deferrals > 0) points.push({ lane, x: W - 10, device: v.name, kind: `deferred ${d.deferrals}× (${d.state})` });
      }
    }
  }
  const verdictOf = new Map(verdicts.map((v) => [v.name, v.verdict]));
  const marks = points.map((p) => {
    const vd = verdictOf.get(p.device);
    const bad = vd !== undefined && vd !== 'match' && vd !== 'unobserved';
    const y = lanesY[p.lane];
    const shape = p.kind.startsWith('defer') ? `<rect x="${(p.x - 3).toFixed(1)}" y="${y - 9}" width="6" height="18"` : `<circle cx="${p.x.toFixed(1)}" cy="${y}" r="4"`;
    return `${shape} fill="${bad ? 'var(--bad)' : 'var(--ok)'}"><title>${escapeHtml(`${p.device}: ${p.kind}${p.text ? ` ${p.text}` : ''}`)}</title>${p.kind.startsWith('defer') ? '</rect>' : '</circle>'}`;
  });
  return `<section id="timeline"><h2>Timeline</h2><p class="note">Axis: ${escapeHtml(axis)}. Red marks are devices whose prediction and log differ; bars are deferrals. Hover for names.</p>
<svg role="img" aria-label="probe timeline" width="100%" viewBox="0 0 ${W} 130" preserveAspectRatio="none">
<line x1="${left}" y1="40" x2="${W - 10}" y2="40" stroke="var(--bd)"/><line x1="${left}" y1="100" x2="${W - 10}" y2="100" stroke="var(--bd)"/>
<text x="4" y="44">predicted</text><text x="4" y="104">actual</text>
${marks.join('\n')}
</svg></section>`;
}

function whyChains(verdicts: DeviceVerdict[]): string {
  const items = verdicts
    .filter((v) => (v.predicted?.why.length ?? 0) > 0 || (v.actual?.why.length ?? 0) > 0)
    .map((v) => {
      const chain = (label: string, d: DeviceReport | null) =>
        d && d.why.length
          ? `<div>${label}:</div><ol class="why">${d.why
              .map((s) => `<li><span class="n">${escapeHtml(s.subject)}</span>: ${escapeHtml(s.text)}${s.span ? ` <span class="note">(${escapeHtml(formatSpan(s.span))})</span>` : ''}</li>`)
              .join('')}</ol>`
          : '';
      return `<details${v.verdict !== 'match' && v.verdict !== 'unobserved' ? ' open' : ''}><summary><span class="n">${escapeHtml(v.name)}</span> <span class="v-${escapeHtml(v.verdict)}">${escapeHtml(v.verdict)}</span></summary>${chain('predicted', v.predicted)}${chain('actual', v.actual)}</details>`;
    });
  return `<section id="why"><h2>Why chains</h2>${items.length ? items.join('\n') : '<p class="note">No why chains were recorded.</p>'}</section>`;
}

/** Every binding finding of the board, at its DTS location with the include chain, as the app lists them. */
function bindingsSection(b: SessionBindings | undefined): string {
  const head = '<section id="bindings"><h2>Binding findings</h2>';
  if (!b) return `${head}<p class="note">The board's bindings were not checked in this session.</p></section>`;
  const st = b.status;
  const status =
    st.kind === 'checked'
      ? `Checked with dtschema ${st.dtschemaVersion} (dt-validate) against the bindings of Linux ${st.kernelVersion}.`
      : st.kind === 'not-installed'
        ? `${st.message}; to enable: ${st.enable}`
        : st.message;
  const rows = b.findings.map((f) => {
    const where = f.span ? [formatSpan(f.span), ...(f.span.includedFrom ?? []).slice().reverse().map((i) => `included from ${i.file}:${i.line}`)].join('\n') : '';
    const source = f.origin === 'bringup' ? OWN_CHECK : f.schema ? `dtschema ${f.schema}` : 'dtschema';
    return `<tr class="b-${escapeHtml(f.severity)}"><td class="s">${escapeHtml(f.severity)}</td><td class="n">${escapeHtml(f.nodePath || '(the whole DTB)')}</td><td>${escapeHtml(bindingSentence(f))}${f.message.includes('\n') ? `<br><span class="note">${escapeHtml(f.message).split('\n').join('<br>')}</span>` : ''}</td><td class="n">${escapeHtml(where).split('\n').join('<br>')}</td><td class="n">${escapeHtml(source)}</td></tr>`;
  });
  return `${head}<p>${escapeHtml(status)}${b.board ? ` Board: <span class="n">${escapeHtml(b.board)}</span>.` : ''} ${b.findings.length} finding(s).</p>
${rows.length ? `<table><thead><tr><th>severity</th><th>node</th><th>finding</th><th>where</th><th>from</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>` : ''}</section>`;
}

function dtSnapshot(data: SessionData, maxSource: number): string {
  const b = data.board;
  if (!b) return '<section id="dt"><h2>Device-tree snapshot</h2><p class="note">No board was open during this session.</p></section>';
  const files = b.files.map((f) => `<tr><td class="n">${escapeHtml(f.path)}</td><td class="n">${escapeHtml(f.sha256)}</td><td class="n">${f.size ?? ''}</td></tr>`).join('');
  const sources = b.sources
    .map((s) => {
      const body = s.bytes.length > maxSource ? `<p class="note">${s.bytes.length} bytes, not shown (over ${maxSource}); it is in the bundle.</p>` : `<pre>${escapeHtml(utf8Decode(s.bytes))}</pre>`;
      return `<details><summary class="n">${escapeHtml(s.path)}</summary>${body}</details>`;
    })
    .join('\n');
  return `<section id="dt"><h2>Device-tree snapshot</h2><dl class="meta"><dt>content hash</dt><dd>${escapeHtml(b.contentHash)}</dd>
<dt>DTB</dt><dd>${b.dtb ? `${b.dtb.length} bytes, sha256 ${sha256Hex(b.dtb)}` : 'not recorded'}</dd></dl>
<h3>Files (the include set)</h3><table><thead><tr><th>path</th><th>sha256</th><th>bytes</th></tr></thead><tbody>${files}</tbody></table>
${b.settings !== undefined ? `<h3>Model settings</h3><pre>${escapeHtml(JSON.stringify(b.settings, null, 2))}</pre>` : ''}
${b.request !== undefined ? `<h3>Board request</h3><pre>${escapeHtml(JSON.stringify(b.request, null, 2))}</pre>` : ''}
${sources ? `<h3>Sources</h3>${sources}` : ''}</section>`;
}

function consoleSection(data: SessionData, maxChars: number): string {
  const parts: string[] = [];
  let used = 0;
  let cut = false;
  const t0 = data.startedAt;
  for (const item of consoleItems(data.chunks, data.markers, true)) {
    let html: string;
    if (item.kind === 'marker') {
      html = `<span class="m">--- ${escapeHtml(item.marker.kind)}${item.marker.detail ? ` ${escapeHtml(item.marker.detail)}` : ''} (${escapeHtml(isoTime(item.marker.t))}) ---</span>`;
    } else {
      const l = item.line;
      const ts = `<span class="ts">${((l.t - t0) / 1000).toFixed(3).padStart(9)}</span> `;
      html = l.dir === 'tx' ? `${ts}<span class="tx">&gt; ${escapeHtml(l.text)}</span>` : ts + escapeHtml(l.text);
    }
    used += html.length;
    if (used > maxChars) {
      cut = true;
      break;
    }
    parts.push(html);
  }
  return `<section id="console"><h2>Console</h2><p class="note">Seconds since the session started (host time); typed input is prefixed with &gt;.${cut ? ' The console is cut here; the session bundle holds every byte.' : ''}</p><pre class="console">${parts.join('\n')}</pre></section>`;
}

export function exportHtml(data: SessionData, inputs: ReportInputs, opts: HtmlReportOptions = {}): string {
  const verdicts = deviceVerdicts(inputs);
  const title = inputs.title ?? `Bring-up session ${data.target ?? data.sessionId}`;
  const scriptHash = sha256Base64(utf8Encode(SCRIPT));
  const csp = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${scriptHash}'; img-src data:; base-uri 'none'; form-action 'none'`;
  const markers = data.markers.length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>${escapeHtml(title)}</h1>
<dl class="meta"><dt>session</dt><dd>${escapeHtml(data.sessionId)}</dd><dt>target</dt><dd>${escapeHtml(data.target ?? '—')}</dd>
<dt>started</dt><dd>${escapeHtml(isoTime(data.startedAt))}</dd><dt>received / sent</dt><dd>${data.bytesReceived} / ${data.bytesSent} bytes, ${markers} markers</dd>
<dt>report generated</dt><dd>${escapeHtml(isoTime(opts.generatedAt ?? data.startedAt))}</dd></dl>
<nav><a href="#devices">devices</a><a href="#timeline">timeline</a><a href="#why">why chains</a><a href="#bindings">bindings</a><a href="#dt">device tree</a><a href="#console">console</a></nav></header>
${deviceTable(verdicts)}
${timeline(verdicts, inputs.timeline)}
${whyChains(verdicts)}
${bindingsSection(inputs.bindings)}
${dtSnapshot(data, opts.maxSourceChars ?? 256 * 1024)}
${consoleSection(data, opts.maxConsoleChars ?? 4 * 1024 * 1024)}
<script>${SCRIPT}</script>
</body></html>
`;
}
