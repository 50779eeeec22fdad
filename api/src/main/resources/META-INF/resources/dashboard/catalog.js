// The catalog pages: models → a model's variants → one variant with its lineage.
//   #/catalog                         the models, with filters (the query string of GET /api/v1/catalog/models)
//   #/catalog/<model>                 every variant of a model: figures, state, OCI references, download
//   #/catalog/<model>/<variant id>    one variant: figures, OCI references, lineage, files
import { h, api, stateBadge, bytes, num, when } from './util.js';

const MODELS_PAGE = 50;
const FILTERS = [
  ['name', 'Name contains', 'llama'], ['format', 'Format', 'gguf'], ['profile', 'Profile', 'cpu-x86-avx2'],
  ['target', 'Hardware (OS, arch or accelerator)', 'aarch64'], ['label', 'Label', 'team=search'],
];

const modelPath = name => `/api/v1/catalog/models/${encodeURIComponent(name)}`;
export const modelHref = name => `#/catalog/${encodeURIComponent(name)}`;
const variantHref = v => `${modelHref(v.model)}/${v.id}`;
/** The download link (a 302 to a presigned URL): the model file, or the named one. */
function downloadHref(v, file) {
  const params = new URLSearchParams();
  if (file) params.set('file', file);
  if (v.state === 'REJECTED') params.set('includeRejected', 'true');
  const query = params.toString();
  return `${modelPath(v.model)}/variants/${v.id}/download${query ? '?' + query : ''}`;
}
/**
 * A download link. Following it needs the key, which a plain link cannot send: a click asks for the presigned URL
 * (.../download-link, with the key in a header) and goes there.
 */
function downloadLink(v, file, attributes, text) {
  const href = downloadHref(v, file);
  return h('a', { ...attributes, href, onclick: async event => {
    event.preventDefault();
    try {
      const { url } = await api(href.replace('/download', '/download-link'));
      location.href = url;
    } catch (error) {
      window.alert(`The download failed: ${error.message}`);
    }
  } }, text);
}
const target = t => t ? [t.os, t.arch, t.accelerator].filter(Boolean).join(' / ') : 'recipe';

/** The filters as they are in the page's hash (#/catalog?name=…), so a filtered list can be bookmarked. */
function filtersFromHash(query) {
  const params = new URLSearchParams(query || '');
  const chosen = {};
  for (const [key] of FILTERS) if (params.get(key)) chosen[key] = params.get(key);
  if (params.get('includeRejected') === 'true') chosen.includeRejected = 'true';
  return chosen;
}

export async function catalogPage(page, query) {
  const chosen = filtersFromHash(query);
  const form = h('form', { id: 'catalog-filters', class: 'filters', role: 'search', 'aria-label': 'Filter the models' },
    FILTERS.map(([key, label, example]) => h('div', {},
      h('label', { for: `filter-${key}` }, label),
      h('input', { type: 'text', id: `filter-${key}`, name: key, value: chosen[key] || '', placeholder: example,
        autocomplete: 'off' }))),
    h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'filter-rejected', name: 'includeRejected',
      value: 'true', checked: chosen.includeRejected === 'true' }),
      h('label', { for: 'filter-rejected' }, 'Include rejected variants')),
    h('div', {}, h('button', { type: 'submit' }, 'Filter')));
  const status = h('p', { class: 'muted', id: 'catalog-status', role: 'status' });
  const body = h('tbody');
  const more = h('button', { type: 'button', id: 'catalog-more', hidden: true }, 'More models');
  page('Catalog', form, status,
    h('div', { class: 'table-wrap' }, h('table', { id: 'catalog-table' },
      h('caption', {}, 'Models by name; a model is every variant built from sources of that name, over all jobs.'),
      h('thead', {}, h('tr', {}, ['Model', 'Variants', 'Rejected', 'Formats', 'Profiles', 'Latest published']
        .map((c, i) => h('th', { scope: 'col', class: i === 1 || i === 2 ? 'num' : null }, c)))),
      body)),
    more,
    h('p', {}, h('a', { href: '/api/v1/catalog/models' }, 'The catalog as JSON')));

  form.addEventListener('submit', event => {
    event.preventDefault();
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    const query = params.toString();
    location.hash = `#/catalog${query ? '?' + query : ''}`;
  });

  const load = async cursor => {
    const params = new URLSearchParams({ ...chosen, limit: MODELS_PAGE });
    if (cursor) params.set('cursor', cursor);
    const { models, nextCursor } = await api(`/api/v1/catalog/models?${params}`);
    body.append(...models.map(m => h('tr', { 'data-model': m.name },
      h('th', { scope: 'row' }, h('a', { href: modelHref(m.name) }, m.name)),
      h('td', { class: 'num' }, m.variants), h('td', { class: 'num' }, m.rejected),
      h('td', {}, (m.formats || []).join(', ')), h('td', {}, (m.profiles || []).join(', ')),
      h('td', {}, when(m.latestPublishedAt)))));
    const shown = body.querySelectorAll('tr[data-model]').length;
    status.textContent = shown ? `${shown} model${shown === 1 ? '' : 's'} shown${nextCursor ? ', more below' : ''}.`
      : 'No models match.';
    more.hidden = !nextCursor;
    more.onclick = () => load(nextCursor).catch(e => { status.textContent = `Could not load more: ${e.message}`; });
  };
  await load(null);
}

const FIGURES = [
  ['Size', v => bytes(v.modelBytes)], ['bpw', v => num(v.bitsPerWeight)], ['PPL', v => num(v.perplexity, 4)],
  ['ΔPPL %', v => v.perplexityIncreasePercent == null ? ''
    : (v.perplexityIncreasePercent >= 0 ? '+' : '') + num(v.perplexityIncreasePercent)],
  ['Mean KLD', v => num(v.meanKld, 6)], ['pp tok/s', v => num(v.promptTokensPerSecond, 1)],
  ['tg tok/s', v => num(v.generationTokensPerSecond, 1)],
];

function ociList(refs) {
  return refs?.length ? h('ul', { class: 'refs' }, refs.map(r => h('li', {}, h('code', {}, r)))) : 'not pushed';
}

export async function modelPage(page, name, query) {
  const includeRejected = new URLSearchParams(query || '').get('includeRejected') === 'true';
  const params = new URLSearchParams({ limit: 500 });
  if (includeRejected) params.set('includeRejected', 'true');
  const model = await api(`${modelPath(name)}?${params}`);
  const toggle = h('a', { href: `${modelHref(name)}${includeRejected ? '' : '?includeRejected=true'}`,
    id: 'toggle-rejected' }, includeRejected ? 'Hide rejected variants' : 'Show rejected variants too');
  page(`Model: ${name}`,
    h('p', {}, h('a', { href: '#/catalog' }, 'All models'), ' · ', toggle, ' · ',
      h('a', { href: `${modelPath(name)}?${params}` }, 'This model as JSON')),
    model.variants.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'model-variants' },
      h('caption', {}, 'Every variant over all jobs, grouped by profile, newest first; "latest" marks the newest of its'
        + ' profile.'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Variant'), h('th', { scope: 'col' }, 'Profile'),
        h('th', { scope: 'col' }, 'Hardware'), h('th', { scope: 'col' }, 'State'),
        FIGURES.map(([label]) => h('th', { scope: 'col', class: 'num' }, label)),
        h('th', { scope: 'col' }, 'OCI references'), h('th', { scope: 'col' }, 'Published'),
        h('th', { scope: 'col' }, 'Download'))),
      h('tbody', {}, model.variants.map(v => h('tr', { 'data-variant': v.id, 'data-state': v.state },
        h('th', { scope: 'row' }, h('a', { href: variantHref(v) }, v.variant), v.latest ? ' (latest)' : ''),
        h('td', {}, v.profile || 'recipe'), h('td', {}, target(v.target)), h('td', {}, stateBadge(v.state)),
        FIGURES.map(([, value]) => h('td', { class: 'num' }, value(v))),
        h('td', { class: 'oci' }, ociList(v.ociReferences)),
        h('td', {}, when(v.publishedAt)),
        h('td', {}, downloadLink(v, null, { 'aria-label': `Download ${v.variant} (${bytes(v.modelBytes)})` },
          'Download')))))))
      : h('p', {}, includeRejected ? 'No variants.' : 'No published variants; some may be rejected.'),
    model.nextOffset != null ? h('p', { class: 'muted' }, 'More variants than shown; see the JSON with offset=.') : null);
}

export async function variantPage(page, name, id) {
  const detail = await api(`${modelPath(name)}/variants/${id}?includeRejected=true`);
  const v = detail.variant;
  const lineage = detail.lineage || {};
  const source = lineage.source || {};
  page(`Variant: ${v.variant} of ${name}`,
    h('p', {}, h('a', { href: '#/catalog' }, 'All models'), ' · ', h('a', { href: modelHref(name) }, `Model ${name}`),
      ' · ', downloadLink(v, null, { id: 'variant-download' }, `Download the model (${bytes(v.modelBytes)})`),
      ' · ', h('a', { href: `${modelPath(name)}/variants/${id}?includeRejected=true` }, 'This variant as JSON')),
    h('dl', { class: 'facts', id: 'variant-facts' },
      h('dt', {}, 'State'), h('dd', {}, stateBadge(v.state), v.reason ? ` ${v.reason}` : ''),
      h('dt', {}, 'Profile'), h('dd', {}, v.profile || 'recipe'),
      h('dt', {}, 'Hardware'), h('dd', {}, target(v.target)),
      h('dt', {}, 'Format'), h('dd', {}, `${v.format} ${v.ftype}`),
      FIGURES.flatMap(([label, value]) => [h('dt', {}, label), h('dd', {}, value(v) || '–')]),
      h('dt', {}, 'Model file'), h('dd', {}, h('code', {}, v.modelUri || '')),
      h('dt', {}, 'SHA-256'), h('dd', {}, h('code', {}, v.sha256 || '')),
      h('dt', {}, 'Published'), h('dd', {}, when(v.publishedAt))),
    h('h2', { id: 'oci-h' }, 'OCI references where pushed'),
    h('div', { id: 'variant-oci', 'aria-labelledby': 'oci-h' }, ociList(v.ociReferences)),
    h('h2', { id: 'lineage-h' }, 'Lineage'),
    h('ol', { class: 'lineage', id: 'lineage', 'aria-labelledby': 'lineage-h' },
      h('li', {}, 'Source ', h('code', {}, source.uri || ''), ` (${source.format || ''})`,
        source.objects?.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'source-objects' },
          h('caption', {}, 'What the worker read: each object\'s S3 ETag and the SHA-256 of the bytes it streamed.'),
          h('thead', {}, h('tr', {}, ['Object', 'Size', 'ETag', 'SHA-256'].map(c => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, source.objects.map(o => h('tr', {}, h('td', {}, h('code', {}, o.uri)),
            h('td', { class: 'num' }, bytes(o.bytes)), h('td', {}, h('code', {}, o.etag || '–')),
            h('td', {}, h('code', {}, o.sha256))))))) : h('p', { class: 'muted' },
          'The worker that built it did not record the source\'s ETag and SHA-256.')),
      h('li', {}, 'Job ', lineage.job ? h('a', { href: `#/jobs/${lineage.job.id}` }, lineage.job.name || lineage.job.id) : '',
        lineage.job ? ` (${lineage.job.state}, submitted ${when(lineage.job.createdAt)})` : ''),
      h('li', {}, 'Task ', h('code', {}, lineage.task?.id || ''), lineage.worker ? ` on ${lineage.worker}` : ''),
      h('li', {}, `Variant ${lineage.variant || v.variant}, built by engine ${lineage.engineVersion || '?'}`
        + ` (commit ${lineage.engineCommit || '?'})`)),
    h('h2', { id: 'files-h' }, 'Files'),
    h('div', { class: 'table-wrap' }, h('table', { id: 'variant-files', 'aria-labelledby': 'files-h' },
      h('thead', {}, h('tr', {}, ['File', 'Size', 'SHA-256'].map(c => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, (detail.files || []).map(f => h('tr', {},
        h('td', {}, downloadLink(v, f.name, {}, f.name)),
        h('td', { class: 'num' }, bytes(f.bytes)), h('td', {}, h('code', {}, f.sha256 || ''))))))),
    detail.manifestError ? h('p', { class: 'muted' }, `Manifest: ${detail.manifestError}`) : null);
}
