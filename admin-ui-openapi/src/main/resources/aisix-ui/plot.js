// Hand-written inline SVG line charts for the console (no library): one polyline per series,
// broken where a value is null, three horizontal grid lines and the first, middle and last
// bucket times. Built with createElementNS and textContent only.
'use strict';

const aisixPlot = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const W = 560, H = 190, L = 56, R = 10, T = 10, B = 24;
  const COLORS = ['#2a6fdb', '#1d8a4e', '#b7791f', '#8e44ad', '#c0392b', '#16a085', '#d35400', '#2c3e50', '#7f8c8d', '#e84393'];

  function svg(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function label(ts) {
    const d = new Date(ts);
    return String(d.getHours()).padStart(2, '0') + ':' + String(d.getMinutes()).padStart(2, '0');
  }

  // series: [{name, values: [number|null], dashed?}]; fmt formats axis values
  function lines(container, buckets, series, fmt) {
    const n = buckets.length;
    const max = niceMax(Math.max(0, ...series.flatMap(s => s.values.filter(v => v !== null))));
    const x = i => L + (n <= 1 ? 0 : i * (W - L - R) / (n - 1));
    const y = v => T + (H - T - B) * (1 - v / max);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img' });
    for (const f of [0, 0.5, 1]) {
      root.append(svg('line', { x1: L, x2: W - R, y1: y(max * f), y2: y(max * f), class: 'grid' }));
      root.append(svg('text', { x: L - 6, y: y(max * f) + 4, class: 'axis', 'text-anchor': 'end' }, fmt(max * f)));
    }
    for (const i of [0, Math.floor((n - 1) / 2), n - 1]) {
      const anchor = i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
      if (i >= 0 && buckets[i]) root.append(svg('text', { x: x(i), y: H - 6, class: 'axis', 'text-anchor': anchor }, label(buckets[i])));
    }
    let auto = 0; // series without a color of their own take the palette in order, the same in every chart
    series.forEach(s => {
      const color = s.color || COLORS[auto++ % COLORS.length];
      let pts = [];
      const flush = () => {
        if (pts.length === 1) root.append(svg('circle', { cx: pts[0][0], cy: pts[0][1], r: 2.5, fill: color }));
        else if (pts.length > 1) root.append(svg('polyline', { points: pts.map(p => p.join(',')).join(' '), fill: 'none', stroke: color,
          'stroke-width': 1.8, 'stroke-dasharray': s.dashed ? '5 3' : 'none', 'data-series': s.name }));
        pts = [];
      };
      s.values.forEach((v, i) => { if (v === null || v === undefined) flush(); else pts.push([x(i).toFixed(1), y(v).toFixed(1)]); });
      flush();
      s.color = color;
    });
    const legend = document.createElement('div');
    legend.className = 'legend';
    for (const s of series) {
      const item = document.createElement('span');
      const sw = svg('svg', { width: 14, height: 10 });
      sw.append(svg('line', { x1: 0, x2: 14, y1: 5, y2: 5, stroke: s.color, 'stroke-width': 2.5, 'stroke-dasharray': s.dashed ? '4 2' : 'none' }));
      item.append(sw, document.createTextNode(' ' + s.name));
      legend.append(item);
    }
    container.replaceChildren(root, legend);
  }

  // A horizontal progress bar: filled share of max, red past 100 %, amber past 80 %.
  function bar(spent, max) {
    const share = max > 0 ? spent / max : 0;
    const root = svg('svg', { viewBox: '0 0 400 12', preserveAspectRatio: 'none', class: 'bar' });
    root.append(svg('rect', { x: 0, y: 0, width: 400, height: 12, rx: 3, class: 'bar-bg' }));
    root.append(svg('rect', { x: 0, y: 0, width: (400 * Math.min(1, share)).toFixed(1), height: 12, rx: 3,
      class: 'bar-fill ' + (share >= 1 ? 'bad' : share >= 0.8 ? 'warn' : 'ok') }));
    return root;
  }

  return { lines, bar, COLORS };
})();
