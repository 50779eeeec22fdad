// Small helpers shared by the pages: element building, formatting, the API's JSON and problem+json.

/** h('td', {class: 'num'}, 'text', child…): an element; attributes starting with "on" are listeners. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// The API key the user entered, for this browser tab only (sessionStorage: gone when the tab closes, never sent
// anywhere but this API, in the Authorization header).
const KEY_ITEM = 'quantforge.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY_ITEM) || '';
}

export function setApiKey(key) {
  if (key) sessionStorage.setItem(KEY_ITEM, key);
  else sessionStorage.removeItem(KEY_ITEM);
}

/** The Authorization header for the entered key, or none. */
export function authHeaders() {
  const key = apiKey();
  return key ? { Authorization: `Bearer ${key}` } : {};
}

/** fetch + JSON; a non-2xx answer throws an ApiError carrying the problem+json body. */
export async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { Accept: 'application/json', ...(options.body ? { 'Content-Type': 'application/json' } : {}),
      ...authHeaders(), ...(options.headers || {}) },
  });
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch { body = { detail: text }; }
  if (!response.ok) {
    const error = new ApiError(response.status, body);
    // no key, or a revoked one: whichever page asked, the dashboard asks for a key (app.js)
    if (response.status === 401) window.dispatchEvent(new CustomEvent('quantforge:unauthorized', { detail: error }));
    throw error;
  }
  return body;
}

/** A problem+json as one paragraph and a list of its field errors. */
export function problemView(error) {
  const problem = error instanceof ApiError ? error.problem : null;
  const fields = Array.isArray(problem?.errors) ? problem.errors : [];
  return [
    h('p', {}, error.message),
    fields.length ? h('ul', {}, fields.map(f => h('li', {}, h('code', {}, f.field ?? f.name ?? ''), ': ', f.message ?? f.detail ?? ''))) : null,
  ];
}

export const ENDED = new Set(['SUCCEEDED', 'PARTIALLY_SUCCEEDED', 'FAILED', 'CANCELLED', 'REJECTED']);

export function stateBadge(state) {
  return h('span', { class: `state state-${state}` }, (state || '').replaceAll('_', ' '));
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = Number(n);
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) { value /= 1000; unit++; }
  return `${value.toFixed(value >= 100 || unit === 0 ? 0 : value >= 10 ? 1 : 2)} ${units[unit]}`;
}

export function num(value, digits = 2) {
  return value === null || value === undefined || Number.isNaN(value) ? '' : Number(value).toFixed(digits);
}

export function when(instant) {
  return instant ? new Date(instant).toLocaleString() : '';
}
