// The size / quality / speed chart of a job's variants: an inline SVG, one point per variant with figures.
// x: the variant's size in bytes; y: mean KL divergence against the source (log scale), or the perplexity
// increase in % when no variant has a KLD; the point's area grows with generation speed (tok/s), which the
// label gives too.

const NS = 'http://www.w3.org/2000/svg';
const W = 720, H = 400, M = { left: 78, right: 150, top: 20, bottom: 52 };

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text !== undefined) el.textContent = text;
  return el;
}

function fmtBytes(n) {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  while (n >= 1000 && u < units.length - 1) { n /= 1000; u++; }
  return `${Number(n.toPrecision(3))} ${units[u]}`;
}

function linearTicks(lo, hi, count = 5) {
  const step0 = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map(f => f * mag).find(st => st >= step0) || step0;
  const ticks = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Lays out the rows of a job report; returns {svg, plotted, missing} where missing names what lacks figures. */
export function drawChart(rows) {
  // KLD when any variant has one, or when none has figures yet (the usual axis)
  const useKld = rows.some(r => r.meanKld > 0) || !rows.some(r => r.perplexityIncreasePercent != null);
  const metric = useKld ? 'meanKld' : 'perplexityIncreasePercent';
  const yName = useKld ? 'mean KLD (log scale)' : 'perplexity increase %';
  const plotted = [], missing = [];
  for (const r of rows) {
    const lacks = [];
    if (!(r.modelBytes > 0)) lacks.push('size');
    const y = r[metric];
    if (y === null || y === undefined || (useKld && !(y > 0))) lacks.push(useKld ? 'mean KLD' : 'ΔPPL');
    if (lacks.length) missing.push({ variant: r.variant, state: r.state, lacks });
    else plotted.push(r);
  }
  const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img',
    'aria-labelledby': 'chart-title chart-desc' });
  svg.append(s('title', { id: 'chart-title' }, `Size vs ${useKld ? 'mean KLD' : 'perplexity increase'} vs speed`));
  svg.append(s('desc', { id: 'chart-desc' }, plotted.map(r =>
    `${r.variant}: ${fmtBytes(r.modelBytes)}, ${useKld ? 'mean KLD' : 'ΔPPL %'} ${r[metric]}, `
    + `${r.generationTokensPerSecond ?? 'unknown'} tok/s`).join('; ') || 'no variant has figures yet'));
  const pw = W - M.left - M.right, ph = H - M.top - M.bottom;

  // axes frame
  svg.append(s('line', { class: 'axis', x1: M.left, y1: M.top + ph, x2: M.left + pw, y2: M.top + ph }));
  svg.append(s('line', { class: 'axis', x1: M.left, y1: M.top, x2: M.left, y2: M.top + ph }));
  svg.append(s('text', { x: M.left + pw / 2, y: H - 10, 'text-anchor': 'middle' }, 'size'));
  svg.append(s('text', { x: 16, y: M.top + ph / 2, 'text-anchor': 'middle',
    transform: `rotate(-90 16 ${M.top + ph / 2})` }, yName));
  if (!plotted.length) {
    svg.append(s('text', { x: M.left + pw / 2, y: M.top + ph / 2, 'text-anchor': 'middle' }, 'No figures yet'));
    return { svg, plotted, missing, metric };
  }

  // x: size, linear with some room either side
  const xs = plotted.map(r => r.modelBytes);
  let xlo = Math.min(...xs), xhi = Math.max(...xs);
  const xpad = (xhi - xlo) * 0.12 || xhi * 0.25;
  xlo = Math.max(0, xlo - xpad); xhi += xpad;
  const X = v => M.left + ((v - xlo) / (xhi - xlo)) * pw;

  // y: KLD on a log scale over whole decades; ΔPPL linear from 0 (or below, if a variant improved)
  const ys = plotted.map(r => r[metric]);
  let Y, yticks, ylabel;
  if (useKld) {
    let lo = Math.floor(Math.log10(Math.min(...ys))), hi = Math.ceil(Math.log10(Math.max(...ys)));
    if (hi === lo) hi = lo + 1;
    Y = v => M.top + ph - ((Math.log10(v) - lo) / (hi - lo)) * ph;
    yticks = []; for (let e = lo; e <= hi; e++) yticks.push(10 ** e);
    ylabel = v => v >= 0.001 && v < 1000 ? String(Number(v.toPrecision(3))) : v.toExponential(0);
  } else {
    let lo = Math.min(0, ...ys), hi = Math.max(...ys) * 1.15 || 1;
    Y = v => M.top + ph - ((v - lo) / (hi - lo)) * ph;
    yticks = linearTicks(lo, hi);
    ylabel = v => `${Number(v.toPrecision(3))}`;
  }
  for (const t of yticks) {
    const y = Y(t);
    svg.append(s('line', { class: 'grid', x1: M.left + 1, y1: y, x2: M.left + pw, y2: y }));
    svg.append(s('text', { x: M.left - 6, y: y + 4, 'text-anchor': 'end' }, ylabel(t)));
  }
  for (const t of linearTicks(xlo, xhi)) {
    const x = X(t);
    if (x < M.left - 0.5) continue;
    svg.append(s('line', { class: 'axis', x1: x, y1: M.top + ph, x2: x, y2: M.top + ph + 5 }));
    svg.append(s('text', { x, y: M.top + ph + 19, 'text-anchor': 'middle' }, fmtBytes(t)));
  }

  // points: area by generation speed
  const speeds = plotted.map(r => r.generationTokensPerSecond).filter(v => v > 0);
  const maxSpeed = speeds.length ? Math.max(...speeds) : 0;
  const group = s('g', { class: 'points' });
  for (const r of plotted) {
    const speed = r.generationTokensPerSecond;
    const radius = speed > 0 && maxSpeed > 0 ? 5 + 11 * Math.sqrt(speed / maxSpeed) : 5;
    const cx = X(r.modelBytes), cy = Y(r[metric]);
    const speedText = speed > 0 ? `${Math.round(speed)} tok/s` : 'speed n/a';
    const point = s('circle', { class: `point ${r.state}`, cx, cy, r: radius, 'data-variant': r.variant });
    point.append(s('title', {}, `${r.variant} (${r.state}): ${fmtBytes(r.modelBytes)}, `
      + `${useKld ? 'mean KLD ' + r.meanKld : 'ΔPPL ' + r.perplexityIncreasePercent + ' %'}, ${speedText}`));
    group.append(point);
    group.append(s('text', { x: cx + radius + 4, y: cy - 2 }, r.variant));
    group.append(s('text', { x: cx + radius + 4, y: cy + 12, class: 'speed' }, speedText));
  }
  svg.append(group);
  return { svg, plotted, missing, metric };
}
