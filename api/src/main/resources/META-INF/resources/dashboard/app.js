// The quantforge dashboard: hash routes over the REST API (no framework, nothing fetched but the API).
//   #/            jobs, live from the stream of every job's changes (/api/v1/jobs/events)
//   #/jobs/<id>   a job: its variants live from the job's SSE stream, the report table and the chart
//   #/submit      the submit form
//   #/profiles    the hardware profiles
//   #/catalog…    the catalog: models → a model's variants → a variant (catalog.js)
//   #/key         the API key form; any page the API answers 401 shows it too
import { h, api, apiKey, authHeaders, setApiKey, problemView, stateBadge, bytes, num, when, ENDED } from './util.js';
import { drawChart } from './chart.js';
import { catalogPage, modelPage, variantPage } from './catalog.js';

const main = document.getElementById('main');
const JOBS_SHOWN = 50;
let cleanup = [];

function onLeave(fn) { cleanup.push(fn); }

function page(title, ...content) {
  document.title = `${title} · quantforge`;
  // an optional part left out is null: nothing, not the text "null"
  main.replaceChildren(h('h1', {}, title), ...content.filter(c => c !== null && c !== undefined && c !== false));
}

async function route() {
  cleanup.forEach(fn => { try { fn(); } catch { /* already gone */ } });
  cleanup = [];
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?', 2);
  const job = path.match(/^\/jobs\/([0-9a-fA-F-]{36})$/);
  const catalog = path.match(/^\/catalog(?:\/([^/]+)(?:\/([0-9a-fA-F-]{36}))?)?$/);
  const name = job ? 'jobs' : catalog ? 'catalog' : path.slice(1) || 'jobs';
  for (const link of document.querySelectorAll('[data-nav]')) {
    if (link.dataset.nav === name) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  try {
    if (job) await jobPage(job[1]);
    else if (name === 'jobs') await jobsPage();
    else if (name === 'submit') await submitPage();
    else if (name === 'profiles') await profilesPage();
    else if (catalog && catalog[2]) await variantPage(page, decodeURIComponent(catalog[1]), catalog[2]);
    else if (catalog && catalog[1]) await modelPage(page, decodeURIComponent(catalog[1]), query);
    else if (catalog) await catalogPage(page, query);
    else if (name === 'key') keyPage();
    else page('Not found', h('p', {}, 'No such page. ', h('a', { href: '#/' }, 'Back to the jobs')));
  } catch (error) {
    if (error.status === 401) keyPage(error);
    else page('Something went wrong', h('div', { class: 'alert', role: 'alert' }, problemView(error)));
  }
  if (document.activeElement !== document.body && !main.contains(document.activeElement)) main.focus();
}

// ---- Jobs -----------------------------------------------------------------------------------------------

function progressOf(job) {
  const tasks = job.tasks || [];
  if (!tasks.length) return 0;
  return Math.round(tasks.reduce((sum, t) => sum + (ENDED.has(t.state) ? 100 : t.progress || 0), 0) / tasks.length);
}

function jobRow(job) {
  const pct = progressOf(job);
  return h('tr', { 'data-job': job.id, 'data-state': job.state },
    h('td', {}, h('a', { href: `#/jobs/${job.id}` }, job.name || job.id.slice(0, 8))),
    h('td', {}, job.modelName || ''),
    h('td', { class: 'job-state' }, stateBadge(job.state)),
    h('td', {}, h('progress', { max: 100, value: pct, 'aria-label': `${job.name || job.id} progress` }), ` ${pct} %`),
    h('td', {}, (job.tasks || []).map(t => t.variant || t.profile).join(', ')),
    h('td', {}, Object.entries(job.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ')),
    h('td', {}, when(job.createdAt)));
}

async function jobsPage() {
  const status = h('p', { class: 'muted', id: 'jobs-status', role: 'status' }, 'Loading…');
  const body = h('tbody');
  const table = h('table', { id: 'jobs' },
    h('caption', {}, 'Newest first; live: new jobs and their progress appear as they happen.'),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Job'), h('th', { scope: 'col' }, 'Model'),
      h('th', { scope: 'col' }, 'State'), h('th', { scope: 'col' }, 'Progress'), h('th', { scope: 'col' }, 'Variants'),
      h('th', { scope: 'col' }, 'Labels'), h('th', { scope: 'col' }, 'Submitted'))),
    body);
  page('Jobs', h('div', { class: 'toolbar' }, h('a', { href: '#/submit' }, 'Submit a job'), status),
    h('div', { class: 'table-wrap' }, table));
  const jobs = new Map();
  const render = () => {
    const newest = [...jobs.values()].sort((a, b) => (b.createdAt || '').localeCompare(a.createdAt || ''))
      .slice(0, JOBS_SHOWN);
    body.replaceChildren(...newest.map(jobRow));
    if (!newest.length) body.append(h('tr', {}, h('td', { colspan: 7 }, 'No jobs yet. ', h('a', { href: '#/submit' }, 'Submit one'), '.')));
  };
  const load = async () => {
    try {
      const listed = await api(`/api/v1/jobs?limit=${JOBS_SHOWN}`);
      listed.jobs.forEach(j => jobs.set(j.id, j));
      render();
      status.textContent = 'Live.';
    } catch (error) {
      status.textContent = `Could not load the jobs: ${error.message}`;
    }
  };
  // follow first, load after 'ready': a job submitted in between is not missed. EventSource cannot send the key: a
  // short-lived token goes in the URL, and a new one is fetched when the stream closes (an expired token on reconnect)
  let stream = null;
  let left = false;
  onLeave(() => { left = true; if (stream) stream.close(); });
  const open = async () => {
    const { token } = await api('/api/v1/jobs/events/tokens', { method: 'POST' });
    if (left) return;
    stream = new EventSource(`/api/v1/jobs/events?token=${encodeURIComponent(token)}`);
    stream.addEventListener('ready', load);
    stream.addEventListener('resync', load);
    stream.addEventListener('job', event => {
      const job = JSON.parse(event.data);
      jobs.set(job.id, job);
      render();
    });
    stream.addEventListener('error', () => {
      status.textContent = 'Reconnecting to the live stream…';  // EventSource retries itself; 'ready' reloads the list
      if (stream.readyState !== EventSource.CLOSED) return;
      setTimeout(() => { if (!left) open().catch(() => { status.textContent = 'The live stream closed; reload the page.'; }); }, 1000);
    });
  };
  await open();
}

// ---- One job --------------------------------------------------------------------------------------------

const REPORT_COLUMNS = [
  ['variant', 'Variant'], ['profile', 'Profile'], ['ftype', 'File type'], ['state', 'State'],
  ['modelBytes', 'Size', r => bytes(r.modelBytes)], ['bitsPerWeight', 'bpw', r => num(r.bitsPerWeight)],
  ['compressionRatio', 'Ratio', r => num(r.compressionRatio)], ['perplexity', 'PPL', r => num(r.perplexity, 4)],
  ['perplexityIncreasePercent', 'ΔPPL %', r => r.perplexityIncreasePercent == null ? ''
    : (r.perplexityIncreasePercent >= 0 ? '+' : '') + num(r.perplexityIncreasePercent)],
  ['meanKld', 'Mean KLD', r => num(r.meanKld, 6)], ['sameTopPercent', 'Same top %', r => num(r.sameTopPercent, 1)],
  ['promptTokensPerSecond', 'pp tok/s', r => num(r.promptTokensPerSecond, 1)],
  ['generationTokensPerSecond', 'tg tok/s', r => num(r.generationTokensPerSecond, 1)],
  ['threads', 'Threads'], ['reason', 'Reason'],
];
const TEXT_COLUMNS = new Set(['variant', 'profile', 'ftype', 'state', 'reason']);

/** A task that built its variant (a rejected one too) shows it complete; a failed one where it stopped. */
const built = t => t.state === 'SUCCEEDED' || t.state === 'REJECTED';

async function jobPage(id) {
  const facts = h('dl', { class: 'facts' });
  const cancel = h('button', { type: 'button', class: 'danger', id: 'cancel', hidden: true }, 'Cancel job');
  const notice = h('div', { role: 'status', class: 'muted', id: 'job-notice' });
  const tasksBody = h('tbody');
  const reportSection = h('div', { id: 'report' }, h('p', { class: 'muted' }, 'Loading the report…'));
  const chartSection = h('div', { id: 'chart' });
  const jobState = h('span', { id: 'job-state', 'aria-live': 'polite' });
  page('Job', h('p', {}, 'State: ', jobState, ' ', cancel), notice, facts,
    h('h2', { id: 'variants-h' }, 'Variants'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'variants', 'aria-labelledby': 'variants-h' },
      h('thead', {}, h('tr', {}, ['Variant', 'Profile', 'State', 'Progress', 'Worker', 'Reason']
        .map(c => h('th', { scope: 'col' }, c)))), tasksBody)),
    h('h2', { id: 'chart-h' }, 'Size vs quality vs speed'), chartSection,
    h('h2', { id: 'report-h' }, 'Report'), reportSection,
    h('p', {}, h('a', { href: `/api/v1/jobs/${id}/report` }, 'Report as JSON'), ' · ',
      h('a', { href: `/api/v1/jobs/${id}` }, 'Job as JSON')));

  let job = null;
  const tasks = new Map();
  let stopped = false;
  let reportTimer = null;

  const renderJob = () => {
    main.querySelector('h1').textContent = job.name ? `Job: ${job.name}` : 'Job';
    document.title = `${job.name || job.id} · quantforge`;
    jobState.replaceChildren(stateBadge(job.state));
    jobState.dataset.state = job.state;
    const running = !ENDED.has(job.state);
    cancel.hidden = !running;
    cancel.disabled = !!job.cancelRequested;
    if (job.cancelRequested && running) cancel.textContent = 'Cancelling…';
    facts.replaceChildren(
      h('dt', {}, 'Id'), h('dd', {}, h('code', {}, job.id)),
      h('dt', {}, 'Model'), h('dd', {}, job.modelName || ''),
      h('dt', {}, 'Source'), h('dd', {}, `${job.source?.uri || ''} (${job.source?.format || ''})`),
      h('dt', {}, 'Labels'), h('dd', {}, Object.entries(job.labels || {}).map(([k, v]) => `${k}=${v}`).join(', ') || 'none'),
      h('dt', {}, 'Submitted'), h('dd', {}, when(job.createdAt)),
      h('dt', {}, 'Finished'), h('dd', {}, when(job.finishedAt) || '–'));
    renderTasks();
  };
  const renderTasks = () => {
    tasksBody.replaceChildren(...[...tasks.values()].map(t => h('tr', { 'data-task': t.id, 'data-state': t.state },
      h('th', { scope: 'row' }, t.variant || ''),
      h('td', {}, t.profile || 'recipe'),
      h('td', {}, stateBadge(t.state)),
      h('td', {}, h('progress', { max: 100, value: built(t) ? 100 : t.progress || 0,
        'aria-label': `${t.variant} progress` }), ` ${built(t) ? 100 : t.progress || 0} %`),
      h('td', {}, t.worker || ''),
      h('td', {}, t.failureReason || ''))));
  };
  const loadReport = async () => {
    const report = await api(`/api/v1/jobs/${id}/report`);
    if (stopped) return;
    renderReport(report);
  };
  const scheduleReport = () => {
    clearTimeout(reportTimer);
    reportTimer = setTimeout(() => loadReport().catch(e => { notice.textContent = `Report: ${e.message}`; }), 300);
  };
  const renderReport = report => {
    const rows = report.rows || [];
    reportSection.replaceChildren(
      h('p', { class: 'muted' }, report.sourcePerplexity != null
        ? `Source perplexity ${num(report.sourcePerplexity, 4)} on ${report.evalText || 'the default text'}.`
        : 'The source perplexity is not measured yet.'),
      h('div', { class: 'table-wrap' }, h('table', { id: 'report-table', 'aria-labelledby': 'report-h' },
        h('thead', {}, h('tr', {}, REPORT_COLUMNS.map(([key, label]) =>
          h('th', { scope: 'col', class: TEXT_COLUMNS.has(key) ? null : 'num' }, label)))),
        h('tbody', {}, rows.map(r => h('tr', {}, REPORT_COLUMNS.map(([key, , format]) => {
          const value = format ? format(r) : r[key] ?? '';
          return key === 'state' ? h('td', {}, stateBadge(value))
            : h('td', { class: TEXT_COLUMNS.has(key) ? null : 'num' }, value);
        })))))));
    const { svg, plotted, missing, metric } = drawChart(rows);
    const caption = h('figcaption', { id: 'chart-caption' },
      `${plotted.length} of ${rows.length} variants plotted: size on x, `
      + (metric === 'meanKld' ? 'mean KL divergence against the source on y (log scale, lower is better)'
        : 'perplexity increase % on y (no variant has a mean KLD)')
      + '; a larger point is faster generation (tok/s, also in the label); a red point is a rejected variant.');
    const missingList = missing.length ? h('p', { id: 'chart-missing' }, 'Not plotted: ',
      missing.map(m => `${m.variant || '?'} (${m.state}: no ${m.lacks.join(' or ')})`).join('; '), '.') : null;
    chartSection.replaceChildren(...[h('figure', {}, svg, caption), missingList].filter(Boolean));
  };

  job = await api(`/api/v1/jobs/${id}`);
  job.tasks.forEach(t => tasks.set(t.id, t));
  renderJob();
  await loadReport();

  cancel.addEventListener('click', async () => {
    cancel.disabled = true;
    try {
      await fetch(`/api/v1/jobs/${id}`, { method: 'DELETE', headers: { Accept: 'application/json', ...authHeaders() } })
        .then(async r => { if (!r.ok && r.status !== 409) throw new Error((await r.json().catch(() => ({}))).detail || `HTTP ${r.status}`); });
      notice.textContent = 'Cancel requested; running variants stop when their worker reports.';
    } catch (error) {
      notice.textContent = `Could not cancel: ${error.message}`;
      cancel.disabled = false;
    }
  });

  if (ENDED.has(job.state)) return;
  // EventSource cannot send the key: a short-lived token for this job's stream goes in the URL instead
  const { token } = await api(`/api/v1/jobs/${id}/events/tokens`, { method: 'POST' });
  const stream = new EventSource(`/api/v1/jobs/${id}/events?token=${encodeURIComponent(token)}`);
  onLeave(() => { stopped = true; stream.close(); clearTimeout(reportTimer); });
  stream.addEventListener('job', event => {
    job = JSON.parse(event.data);
    job.tasks.forEach(t => tasks.set(t.id, t));
    renderJob();
    scheduleReport();
    if (ENDED.has(job.state)) stream.close(); // the server ends the stream with the job; do not reconnect
  });
  stream.addEventListener('task', event => {
    const update = JSON.parse(event.data);
    const before = tasks.get(update.task.id);
    tasks.set(update.task.id, update.task);
    if (update.jobState && update.jobState !== job.state) { job.state = update.jobState; renderJob(); } else renderTasks();
    if (!before || before.state !== update.task.state || update.task.benchmark) scheduleReport();
  });
  stream.addEventListener('error', () => {
    if (stream.readyState === EventSource.CLOSED) notice.textContent = 'The live stream closed; reload for the latest state.';
  });
}

// ---- Submit ---------------------------------------------------------------------------------------------

async function submitPage() {
  const { profiles } = await api('/api/v1/profiles');
  const alert = h('div', { class: 'alert', role: 'alert', id: 'submit-error' });
  const form = h('form', { class: 'submit', id: 'submit-form', novalidate: true },
    h('div', {}, h('label', { for: 'source-uri' }, 'Source URI'),
      h('input', { type: 'text', id: 'source-uri', name: 'uri', required: true, autocomplete: 'off',
        placeholder: 's3://models/stories260K', 'aria-describedby': 'source-uri-hint' }),
      h('p', { class: 'hint', id: 'source-uri-hint' }, 'A Hugging Face checkpoint prefix or a GGUF object in object storage.')),
    h('div', {}, h('label', { for: 'source-format' }, 'Format'),
      h('select', { id: 'source-format', name: 'format' },
        h('option', { value: 'hf' }, 'Hugging Face checkpoint (hf)'), h('option', { value: 'gguf' }, 'GGUF file (gguf)'))),
    h('fieldset', { class: 'checks', id: 'profiles' }, h('legend', {}, 'Profiles (one variant each)'),
      profiles.map(p => h('label', {},
        h('input', { type: 'checkbox', name: 'profile', value: p.name }),
        h('span', {}, h('strong', {}, p.name), ` — ${p.format} ${p.ftype}`, h('br'),
          h('span', { class: 'hint' }, p.description || ''))))),
    h('div', {}, h('label', { for: 'job-name' }, 'Name (optional)'),
      h('input', { type: 'text', id: 'job-name', name: 'name', autocomplete: 'off' })),
    h('div', {}, h('label', { for: 'labels' }, 'Labels (optional)'),
      h('textarea', { id: 'labels', name: 'labels', rows: 3, 'aria-describedby': 'labels-hint', placeholder: 'team=search' }),
      h('p', { class: 'hint', id: 'labels-hint' }, 'One key=value per line.')),
    alert,
    h('div', {}, h('button', { type: 'submit', id: 'submit-button' }, 'Submit job')));
  page('Submit a job', form);

  form.addEventListener('submit', async event => {
    event.preventDefault();
    alert.replaceChildren();
    const data = new FormData(form);
    const chosen = data.getAll('profile');
    const labels = {};
    const bad = [];
    for (const line of String(data.get('labels') || '').split('\n').map(l => l.trim()).filter(Boolean)) {
      const at = line.indexOf('=');
      if (at < 1) bad.push(line); else labels[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    const problems = [];
    if (!String(data.get('uri')).trim()) problems.push('Give the source URI.');
    if (!chosen.length) problems.push('Choose at least one profile.');
    if (bad.length) problems.push(`Labels must be key=value: ${bad.join(', ')}`);
    if (problems.length) {
      alert.replaceChildren(h('ul', {}, problems.map(p => h('li', {}, p))));
      return;
    }
    const request = { source: { uri: String(data.get('uri')).trim(), format: data.get('format') }, targets: chosen };
    if (Object.keys(labels).length) request.labels = labels;
    if (String(data.get('name')).trim()) request.name = String(data.get('name')).trim();
    const button = form.querySelector('#submit-button');
    button.disabled = true;
    try {
      const job = await api('/api/v1/jobs', { method: 'POST', body: JSON.stringify(request) });
      location.hash = `#/jobs/${job.id}`;
    } catch (error) {
      alert.replaceChildren(...problemView(error));
      button.disabled = false;
    }
  });
}

// ---- Profiles -------------------------------------------------------------------------------------------

function gatesText(gates) {
  const names = { maxMeanKld: 'mean KLD ≤', maxPerplexityIncreasePercent: 'ΔPPL % ≤', minSameTopPercent: 'same top % ≥' };
  return Object.entries(gates || {}).map(([k, v]) => `${names[k] || k} ${v}`).join(', ') || 'none';
}

async function profilesPage() {
  const { profiles } = await api('/api/v1/profiles');
  page('Profiles', h('div', { class: 'table-wrap' }, h('table', { id: 'profiles-table' },
    h('thead', {}, h('tr', {}, ['Profile', 'Builds', 'Machine', 'Runtime', 'Quality gates', 'What for']
      .map(c => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, profiles.map(p => h('tr', {},
      h('th', { scope: 'row' }, p.name), h('td', {}, `${p.format} ${p.ftype}`),
      h('td', {}, [p.target?.os, p.target?.arch, p.target?.accelerator].filter(Boolean).join(' / ')),
      h('td', {}, p.runtime || ''), h('td', {}, gatesText(p.gates)), h('td', {}, p.description || '')))))));
}

// ---- API key --------------------------------------------------------------------------------------------

function keyPage(error) {
  const input = h('input', { id: 'api-key', name: 'api-key', type: 'password', autocomplete: 'off', required: true,
    size: 50, 'aria-describedby': 'api-key-help' });
  const form = h('form', { id: 'key-form', onsubmit: event => {
    event.preventDefault();
    setApiKey(input.value.trim());
    detectCatalog();
    if (location.hash === '#/key') location.hash = '#/';
    else route();
  } },
  h('p', {}, h('label', { for: 'api-key' }, 'API key'), ' ', input),
  h('p', { id: 'api-key-help', class: 'muted' }, 'A key with the jobs:read scope (and jobs:submit to submit or cancel),',
    ' from ', h('code', {}, 'quantforge keys create'), ' or ', h('code', {}, './quantforge demo'),
    '. It is kept in this tab only.'),
  h('p', {}, h('button', { type: 'submit' }, 'Use this key'), ' ',
    apiKey() ? h('button', { type: 'button', onclick: () => { setApiKey(''); keyPage(); } }, 'Forget the key') : null));
  page('API key', ...[error ? h('div', { class: 'alert', role: 'alert' }, problemView(error)) : null, form].filter(Boolean));
}

async function detectCatalog() {
  try {
    const response = await fetch('/api/v1/catalog/models?limit=1', { headers: { Accept: 'application/json', ...authHeaders() } });
    document.getElementById('catalog-nav').hidden = !response.ok;
  } catch {
    document.getElementById('catalog-nav').hidden = true;
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('quantforge:unauthorized', event => {
  if (document.getElementById('key-form')) return;
  cleanup.forEach(fn => { try { fn(); } catch { /* already gone */ } });
  cleanup = [];
  keyPage(event.detail);
});
detectCatalog();
route();
