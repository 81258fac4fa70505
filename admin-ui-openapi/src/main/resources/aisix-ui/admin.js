// API browser: renders /admin/openapi.json and sends admin calls with the key typed above.
'use strict';

(() => {
  const { el, clear, keys, bindKeys, call, statusClass, pretty } = aisix;
  const METHODS = ['get', 'post', 'put', 'delete', 'patch'];
  let spec;
  let ops = [];

  function resolve(node) {
    let n = node;
    for (let i = 0; n && n.$ref && i < 10; i++) {
      n = n.$ref.replace(/^#\//, '').split('/').reduce((o, k) => (o ? o[k] : undefined), spec);
    }
    return n || {};
  }
  const refName = node => (node && node.$ref ? node.$ref.split('/').pop() : null);

  function typeOf(schema) {
    if (!schema) return '';
    if (schema.$ref) return refName(schema);
    if (schema.const !== undefined) return JSON.stringify(schema.const);
    if (schema.enum) return schema.enum.map(v => JSON.stringify(v)).join(' | ');
    if (schema.oneOf) return schema.oneOf.map(typeOf).join(' | ');
    if (schema.type === 'array') return 'array<' + typeOf(schema.items || {}) + '>';
    if (Array.isArray(schema.type)) return schema.type.join(' | ');
    return schema.type || 'any';
  }

  function schemaTable(schema) {
    const s = resolve(schema);
    if (!s.properties) return el('p', { class: 'mono' }, typeOf(schema));
    const required = new Set(s.required || []);
    return el('table', {},
      el('tr', {}, el('th', {}, 'field'), el('th', {}, 'type'), el('th', {}, 'default'), el('th', {}, 'description')),
      Object.entries(s.properties).map(([name, p]) => el('tr', {},
        el('td', { class: 'mono' }, name, required.has(name) ? ' *' : ''),
        el('td', { class: 'mono' }, typeOf(p)),
        el('td', { class: 'mono' }, p.default !== undefined ? JSON.stringify(p.default) : ''),
        el('td', {}, p.description || resolve(p).description || ''))));
  }

  function example(schema) {
    const s = resolve(schema);
    if (s.examples && s.examples.length) return JSON.stringify(s.examples[0], null, 2);
    return '{\n}';
  }

  function opId(method, path, op) { return op.operationId || (method + ' ' + path); }

  function index() {
    ops = [];
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        ops.push({ id: opId(method, path, op), method, path, op, item, tag: (op.tags || ['other'])[0] });
      }
    }
  }

  function renderList() {
    const f = document.getElementById('opFilter').value.trim().toLowerCase();
    const list = document.getElementById('opList');
    const current = decodeURIComponent(location.hash.replace(/^#op=/, ''));
    const tagOrder = (spec.tags || []).map(t => t.name);
    const groups = new Map(tagOrder.map(t => [t, []]));
    for (const o of ops) {
      const hay = (o.method + ' ' + o.path + ' ' + o.tag + ' ' + (o.op.summary || '')).toLowerCase();
      if (f && !hay.includes(f)) continue;
      if (!groups.has(o.tag)) groups.set(o.tag, []);
      groups.get(o.tag).push(o);
    }
    clear(list, [...groups].filter(([, g]) => g.length).map(([tag, g]) => [
      el('div', { class: 'group' }, tag),
      g.map(o => el('a', { class: 'op' + (o.id === current ? ' current' : ''), href: '#op=' + encodeURIComponent(o.id), 'data-op': o.id, title: o.op.summary || '' },
        el('span', { class: 'badge ' + o.method }, o.method.toUpperCase()), el('span', { class: 'path' }, o.path)))]));
  }

  function params(o) {
    return [...(o.item.parameters || []), ...(o.op.parameters || [])].map(resolve);
  }

  function renderOp(o) {
    const view = document.getElementById('opView');
    const onProxy = Boolean(o.item.servers);
    const isPage = o.path.endsWith('/') && !o.path.startsWith('/admin/v1');
    const ps = params(o);
    const body = o.op.requestBody && o.op.requestBody.content && o.op.requestBody.content['application/json'];
    const secured = (o.op.security || spec.security || []).length > 0;
    const responses = Object.entries(o.op.responses || {});

    const tryIt = [];
    if (onProxy) {
      tryIt.push(el('p', { class: 'muted' }, 'Served on the proxy listener with a caller key: try it in the ',
        el('a', { href: '/playground/' }, 'playground'), '.'));
    } else if (isPage) {
      tryIt.push(el('p', {}, el('a', { href: o.path }, 'Open ' + o.path)));
    } else {
      const inputs = ps.filter(p => p.in === 'path' || p.in === 'header').map(p => el('label', { class: 'row' },
        el('span', { class: 'mono' }, p.name + (p.required ? ' *' : '')),
        el('input', { type: 'text', 'data-param': p.name, 'data-in': p.in, placeholder: p.in })));
      const textarea = body ? el('textarea', { id: 'tryBody', rows: 10 }, example(body.schema)) : null;
      const result = el('div', { id: 'tryResult', class: 'result' });
      const send = el('button', { id: 'trySend', onclick: () => tryCall(o, view, textarea, result, secured) }, 'Send');
      tryIt.push(el('div', {}, inputs, textarea, el('div', { class: 'row' }, send,
        secured ? el('span', { class: 'muted' }, 'sends the admin key typed above') : el('span', { class: 'muted' }, 'no key needed'))), result);
    }

    clear(view,
      el('div', { class: 'title' }, el('span', { class: 'badge ' + o.method }, o.method.toUpperCase()), o.path),
      el('p', {}, el('strong', {}, o.op.summary || ''), ' ',
        el('span', { class: 'pill' }, onProxy ? 'proxy listener' : 'admin listener'), ' ',
        el('span', { class: 'pill' }, secured ? (onProxy ? 'caller key' : 'admin key') : 'no auth')),
      o.op.description ? el('p', {}, o.op.description) : null,
      ps.length ? [el('h3', {}, 'Parameters'), el('table', {},
        el('tr', {}, el('th', {}, 'name'), el('th', {}, 'in'), el('th', {}, 'type'), el('th', {}, 'description')),
        ps.map(p => el('tr', {}, el('td', { class: 'mono' }, p.name + (p.required ? ' *' : '')), el('td', {}, p.in),
          el('td', { class: 'mono' }, typeOf(p.schema)), el('td', {}, p.description || ''))))] : null,
      body ? [el('h3', {}, 'Request body · ' + (refName(body.schema) || typeOf(body.schema))), schemaTable(body.schema)] : null,
      el('h3', {}, 'Responses'),
      el('table', {}, responses.map(([code, r]) => {
        const rr = resolve(r);
        const content = rr.content || {};
        const types = Object.entries(content).map(([t, c]) => t + (c.schema ? ' · ' + typeOf(c.schema) : ''));
        const hs = Object.keys(rr.headers || {});
        return el('tr', {}, el('td', { class: 'code' }, code), el('td', {}, rr.description || ''),
          el('td', { class: 'mono' }, types.join('\n')), el('td', { class: 'mono' }, hs.join(', ')));
      })),
      el('h3', {}, 'Try it'), tryIt);
  }

  async function tryCall(o, view, textarea, result, secured) {
    let path = o.path;
    const headers = {};
    for (const input of view.querySelectorAll('input[data-param]')) {
      const v = input.value.trim();
      if (input.dataset.in === 'path') path = path.replace('{' + input.dataset.param + '}', encodeURIComponent(v));
      else if (v) headers[input.dataset.param] = v;
    }
    if (/\{[^}]+\}/.test(path)) {
      clear(result, el('p', { class: 'error' }, 'fill in every path parameter'));
      return;
    }
    if (secured && keys.admin) headers.authorization = 'Bearer ' + keys.admin;
    clear(result, el('p', { class: 'muted' }, 'sending…'));
    const r = await call(o.method.toUpperCase(), path, { headers, body: textarea ? textarea.value : undefined });
    const shown = ['content-type', 'www-authenticate', 'etag', 'x-aisix-request-id'].filter(h => r.headers.get(h));
    clear(result,
      el('div', { class: 'row' }, el('span', { id: 'tryStatus', class: 'status ' + statusClass(r.status) }, r.status || 'network error'),
        el('span', { class: 'muted' }, Math.round(r.ms) + ' ms'), el('span', { class: 'mono muted' }, o.method.toUpperCase() + ' ' + path)),
      shown.length ? el('p', { class: 'mono muted' }, shown.map(h => h + ': ' + r.headers.get(h)).join('\n')) : null,
      el('pre', { id: 'tryResponse' }, pretty(r)));
  }

  function route() {
    renderList();
    const id = decodeURIComponent(location.hash.replace(/^#op=/, ''));
    const o = ops.find(x => x.id === id) || ops.find(x => x.path === '/admin/v1/health');
    if (o) renderOp(o);
  }

  async function start() {
    bindKeys();
    const r = await call('GET', '/admin/openapi.json');
    if (!r.ok || !r.json) {
      clear(document.getElementById('opView'), el('p', { class: 'error' }, 'Could not load /admin/openapi.json (' + r.status + ')'));
      return;
    }
    spec = r.json;
    index();
    clear(document.getElementById('specInfo'), 'OpenAPI ' + spec.openapi + ' · ' + spec.info.title + ' ' + spec.info.version
      + ' · ' + ops.length + ' operations');
    document.getElementById('opFilter').addEventListener('input', renderList);
    window.addEventListener('hashchange', route);
    route();
  }

  start();
})();
