// The dashboard as a user drives it, in Debian's chromium through playwright-core. Run by DashboardTest:
//   QF_DASHBOARD_URL   the API's root (the dashboard is served at /)
//   QF_SOURCE_URI      a model in object storage (hf format)
//   QF_PROFILES        comma-separated profiles to tick on the submit form
//   QF_SCREENSHOTS     where the screenshots go
//   QF_JOB_TIMEOUT_MS  how long the job may take to end on the page
// Prints one JSON line (the job id, its final state, the chart's points, the variants, what the live job list and
// the catalog pages showed) as its last line; any failure exits non-zero with the reason on stderr.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = name => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('QF_DASHBOARD_URL').replace(/\/$/, '');
const source = env('QF_SOURCE_URI');
const profiles = env('QF_PROFILES').split(',');
const shots = env('QF_SCREENSHOTS');
const apiKey = env('QF_API_KEY');
const auth = { Authorization: `Bearer ${apiKey}` };
const jobTimeout = Number(process.env.QF_JOB_TIMEOUT_MS || 180000);
mkdirSync(shots, { recursive: true });

const userDataDir = mkdtempSync(join(tmpdir(), 'qf-dashboard-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const pageErrors = [];
const offsite = [];
const log = (...args) => console.error('[dashboard]', ...args);
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('pageerror', e => pageErrors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') log('console error:', m.text()); });
  page.on('request', r => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) offsite.push(r.url()); });
  const shot = async name => {
    await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
    log('screenshot', name);
  };

  // the jobs page at /
  await page.goto(`${base}/`);
  // authentication is on: the API answers 401 and the dashboard asks for a key
  await page.getByRole('heading', { level: 1, name: 'API key' }).waitFor();
  await shot('0-api-key');
  await page.locator('#api-key').fill(apiKey);
  await page.getByRole('button', { name: 'Use this key' }).click();
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  // the key stays for the tab: a reload (keyboard focus back at the page's start) still shows the jobs
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Jobs' }).waitFor();
  await page.locator('#jobs-status', { hasText: 'Live' }).waitFor();
  const catalogLinkVisible = await page.locator('#catalog-nav').isVisible();

  // a job submitted elsewhere (here: straight to the API) appears in the list without a reload, and its
  // cancellation shows too; the marker on window proves the page was not loaded again
  await page.evaluate(() => { window.qfNotReloaded = true; });
  const submitted = await fetch(`${base}/api/v1/jobs`, {
    method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json', ...auth },
    body: JSON.stringify({ source: { uri: source, format: 'hf' }, targets: [profiles[0]], name: 'live list e2e',
      labels: { suite: 'dashboard-live' } }),
  });
  if (submitted.status !== 202) throw new Error(`submitting the live-list job: HTTP ${submitted.status}`);
  const liveJobId = (await submitted.json()).id;
  const liveRow = page.locator(`#jobs tr[data-job="${liveJobId}"]`);
  await liveRow.waitFor({ timeout: 15000 });
  await shot('0-jobs-live-new-job');
  const cancelled = await fetch(`${base}/api/v1/jobs/${liveJobId}`, { method: 'DELETE', headers: auth });
  if (cancelled.status !== 202) throw new Error(`cancelling the live-list job: HTTP ${cancelled.status}`);
  await page.locator(`#jobs tr[data-job="${liveJobId}"][data-state="CANCELLED"]`).waitFor({ timeout: 15000 });
  const liveListNotReloaded = await page.evaluate(() => window.qfNotReloaded === true);

  // the submit form, reached by keyboard: Tab from the page's start to the nav link, Enter
  await page.keyboard.press('Tab'); // the skip link
  let reached = false;
  for (let i = 0; i < 6 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => document.activeElement?.textContent === 'Submit a job'
      && document.activeElement.closest('nav') !== null);
  }
  if (!reached) throw new Error('the "Submit a job" link is not reachable with Tab');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { level: 1, name: 'Submit a job' }).waitFor();
  await page.getByLabel('Source URI').fill(source);
  await page.getByLabel('Format').selectOption('hf');
  for (const profile of profiles) {
    await page.locator(`#profiles input[name=profile][value="${profile}"]`).check();
  }
  await page.getByLabel('Name (optional)').fill('dashboard e2e');
  await page.getByLabel('Labels (optional)').fill('suite=dashboard\nbrowser=chromium');
  await shot('1-submit-form');
  await page.getByRole('button', { name: 'Submit job' }).click();

  // the job page, live until the job ends
  await page.waitForURL(/#\/jobs\/[0-9a-f-]{36}$/, { timeout: 30000 });
  const jobId = page.url().split('/').pop();
  log('submitted job', jobId);
  await page.locator('#variants tbody tr').first().waitFor();
  await shot('2-job-started');
  const seenStates = new Set();
  const started = Date.now();
  let state = null;
  while (Date.now() - started < jobTimeout) {
    state = await page.locator('#job-state').getAttribute('data-state');
    seenStates.add(state);
    if (['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED'].includes(state)) break;
    await page.waitForTimeout(250);
  }
  log('job state', state, 'after', Date.now() - started, 'ms; states seen', [...seenStates].join(' '));
  const variants = await page.locator('#variants tbody tr').count();
  // the report (and so the chart) is reloaded once the job has ended: wait for a point per variant
  await page.waitForFunction(n => document.querySelectorAll('svg.chart circle.point').length === n
      && !document.querySelector('#chart-missing'), variants, { timeout: 15000 })
    .catch(() => log('the chart did not get a point per variant in time'));
  const points = await page.locator('svg.chart circle.point').evaluateAll(cs => cs.map(c => ({
    variant: c.dataset.variant, cx: Number(c.getAttribute('cx')), cy: Number(c.getAttribute('cy')),
    r: Number(c.getAttribute('r')) })));
  const reportRows = await page.locator('#report-table tbody tr').count();
  // nothing rendered as a stray "null" or "undefined" on the page
  const stray = (await page.locator('main').innerText()).match(/\b(null|undefined|NaN)\b/g) || [];
  const cancelVisible = await page.locator('#cancel').isVisible();
  await page.locator('#chart').scrollIntoViewIfNeeded();
  await shot('3-job-succeeded');
  await page.locator('svg.chart').screenshot({ path: join(shots, '4-chart.png') });

  // back to the list: the job is there, ended
  await page.getByRole('link', { name: 'Jobs', exact: true }).click();
  const row = page.locator(`#jobs tr[data-job="${jobId}"]`);
  await row.waitFor();
  const listState = (await row.locator('.job-state').textContent()).trim();
  await shot('5-jobs');
  await page.getByRole('link', { name: 'Profiles', exact: true }).click();
  await page.locator('#profiles-table tbody tr').first().waitFor();
  const profileRows = await page.locator('#profiles-table tbody tr').count();
  await shot('6-profiles');

  // the catalog: the models, filtered to the job's model; the model's page; one variant's page
  const model = (await (await fetch(`${base}/api/v1/jobs/${jobId}`, { headers: { Accept: 'application/json', ...auth } }))
    .json()).modelName;
  await page.getByRole('link', { name: 'Catalog', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Catalog' }).waitFor();
  await page.getByLabel('Name contains').fill(model);
  await page.getByRole('button', { name: 'Filter' }).click();
  await page.waitForURL(/#\/catalog\?name=/);
  const modelRow = page.locator(`#catalog-table tr[data-model="${model}"]`);
  await modelRow.waitFor();
  const catalogVariants = Number((await modelRow.locator('td').first().textContent()).trim());
  await shot('7-catalog');
  await modelRow.getByRole('link', { name: model, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: `Model: ${model}` }).waitFor();
  await page.locator('#model-variants tbody tr').first().waitFor();
  const modelVariants = await page.locator('#model-variants tbody tr').evaluateAll(rows => rows.map(r => ({
    id: r.dataset.variant, state: r.dataset.state, variant: r.querySelector('th a')?.textContent,
    oci: r.querySelector('td.oci')?.textContent.trim(),
    download: r.querySelector('a[href*="/download"]')?.getAttribute('href') })));
  await shot('8-model');
  const ownVariant = modelVariants.find(v => v.id && v.id !== '');
  await page.locator(`#model-variants tr[data-variant="${ownVariant.id}"] th a`).click();
  await page.locator('#lineage').waitFor();
  const variantHeading = (await page.locator('h1').textContent()).trim();
  const lineageObjects = await page.locator('#source-objects tbody tr').evaluateAll(rows => rows.map(r =>
    [...r.querySelectorAll('td')].map(td => td.textContent.trim())));
  const variantOci = (await page.locator('#variant-oci').textContent()).trim();
  const lineageText = (await page.locator('#lineage').innerText()).trim();
  const download = await page.locator('#variant-download').getAttribute('href');
  const downloaded = await fetch(`${base}${download}`, { redirect: 'manual', headers: auth });
  const catalogStray = (await page.locator('main').innerText()).match(/\b(null|undefined|NaN)\b/g) || [];
  await shot('9-variant');

  console.log(JSON.stringify({ jobId, state, seenStates: [...seenStates], variants, reportRows, points, listState,
    profileRows, cancelVisible, catalogLinkVisible, stray, pageErrors, offsite, liveJobId, liveListNotReloaded,
    model, catalogVariants, modelVariants, variantHeading, lineageObjects, lineageText, variantOci,
    downloadStatus: downloaded.status, catalogStray }));
} finally {
  await context.close();
  rmSync(userDataDir, { recursive: true, force: true });
}
