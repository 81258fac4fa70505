// Operator console: an overview (plots from /admin/v1/stats, budget bars from /admin/v1/spend,
// model health) and one table per resource kind with forms generated from the kind's published
// JSON Schema (/admin/schemas/kinds/<kind>.schema.json). Every call carries the admin key typed
// above. Secrets arrive masked from the Admin API and are sent back unchanged (the API keeps the
// stored secret for a masked value), so no secret is ever shown; a new caller key is shown once.
'use strict';

(() => {
  const { el, clear, keys, bindKeys, admin } = aisix;
  const API = '/admin/v1/';
  // Fields whose values are secrets: typed into password inputs, never displayed.
  const SECRET = new Set(['api_key', 'secret', 'key', 'client_secret', 'password', 'token']);
  const schemas = new Map();
  let kinds = [];
  let current = '';
  let keyNames = new Map();
  let timer;

  const status = msg => clear(document.getElementById('consoleStatus'), msg || '');
  const usd = v => '$' + (v >= 100 ? v.toFixed(2) : v >= 1 ? v.toFixed(4) : v.toFixed(6));
  const num = v => (v >= 1e6 ? (v / 1e6).toFixed(1) + 'M' : v >= 1e3 ? (v / 1e3).toFixed(1) + 'k' : String(Math.round(v * 100) / 100));
  const ms = v => (v === null || v === undefined ? '–' : v + ' ms');

  // ---------- tabs ----------
  // Built once; switching only moves the `current` class, so a click never lands on a replaced button.
  function tabs() {
    clear(document.getElementById('tabs'), ['', ...kinds].map(k =>
      el('button', { type: 'button', 'data-kind': k, onclick: () => show(k) }, k || 'Overview')));
  }

  function show(kind) {
    current = kind;
    location.hash = kind ? 'kind=' + kind : '';
    for (const b of document.querySelectorAll('#tabs button')) b.classList.toggle('current', b.dataset.kind === kind);
    document.getElementById('overview').hidden = kind !== '';
    document.getElementById('kindView').hidden = kind === '';
    if (kind) openKind(kind); else overview();
  }

  // ---------- overview ----------
  async function overview() {
    if (!keys.admin) { status('type the admin key'); return; }
    const win = document.getElementById('window').value;
    const by = document.getElementById('by').value;
    const [stats, spend, budgets, health, apiKeys] = await Promise.all([
      admin('GET', API + 'stats?window=' + win + '&by=' + by + '&top=8'), admin('GET', API + 'spend'),
      admin('GET', API + 'budgets'), admin('GET', API + 'models/status'), admin('GET', API + 'api_keys')]);
    if (stats.status === 401) { status('the admin key was refused (401)'); return; }
    if (apiKeys.ok && Array.isArray(apiKeys.json)) {
      keyNames = new Map(apiKeys.json.map(r => [r.id, (r.value && r.value.display_name) || r.id]));
    }
    if (stats.ok) plots(stats.json, by); else status('stats: ' + stats.status);
    renderBudgets(budgets, spend);
    renderHealth(health);
    if (stats.ok) status('updated ' + new Date().toLocaleTimeString());
  }

  const seriesName = (name, by) => (by === 'key' && keyNames.has(name) ? keyNames.get(name) : name);

  function plots(doc, by) {
    const buckets = doc.buckets.map(b => Date.parse(b));
    const series = doc.series.map(s => ({ ...s, label: seriesName(s.name, by) }));
    clear(document.getElementById('statsInfo'), doc.total.totals.requests + ' requests · ' + usd(doc.total.totals.cost_usd)
      + ' · buckets of ' + (doc.bucket_seconds / 60) + ' min');
    aisixPlot.lines(document.getElementById('plotRequests'), buckets,
      [...series.map(s => ({ name: s.label, values: s.requests })), { name: 'errors (all)', values: doc.total.errors, dashed: true, color: '#c53030' }], num);
    aisixPlot.lines(document.getElementById('plotLatency'), buckets,
      [{ name: 'p50 (all)', values: doc.total.p50_ms, color: '#1c2430' }, { name: 'p99 (all)', values: doc.total.p99_ms, dashed: true, color: '#1c2430' },
        ...series.map(s => ({ name: s.label + ' p99', values: s.p99_ms }))], num);
    aisixPlot.lines(document.getElementById('plotTokens'), buckets,
      series.map(s => ({ name: s.label, values: s.prompt_tokens.map((p, i) => p + s.completion_tokens[i]) })), num);
    aisixPlot.lines(document.getElementById('plotSpend'), buckets,
      series.map(s => ({ name: s.label, values: s.cost_usd })), v => '$' + num(v));
    clear(document.getElementById('statsTable'),
      el('tr', {}, ['' + (by === 'key' ? 'caller key' : 'model'), 'requests', 'errors', 'p50', 'p99', 'prompt tokens', 'completion tokens', 'spend']
        .map(h => el('th', {}, h))),
      series.map(s => el('tr', { 'data-name': s.name },
        el('td', { title: s.name }, s.label), el('td', { class: 'requests' }, s.totals.requests), el('td', { class: 'errors' }, s.totals.errors),
        el('td', {}, ms(s.totals.p50_ms)), el('td', {}, ms(s.totals.p99_ms)), el('td', {}, s.totals.prompt_tokens),
        el('td', {}, s.totals.completion_tokens), el('td', { class: 'spend' }, usd(s.totals.cost_usd)))),
      series.length ? null : el('tr', {}, el('td', { colspan: 8, class: 'muted' }, 'no requests in this window')));
  }

  function renderBudgets(budgets, spend) {
    const box = document.getElementById('budgets');
    if (budgets.status === 404) { clear(box, el('p', { class: 'muted' }, 'the budgets plugin is not installed')); return; }
    if (!budgets.ok) { clear(box, el('p', { class: 'error' }, 'budgets: ' + budgets.status)); return; }
    const counters = spend.ok && spend.json ? spend.json.counters : [];
    const rows = budgets.json.filter(b => b.value.enabled !== false);
    if (!rows.length) { clear(box, el('p', { class: 'muted' }, 'no budgets: create one in the budgets tab')); return; }
    clear(box, rows.map(b => {
      const mine = counters.filter(c => c.budget_id === b.id);
      const bars = mine.length ? mine : [{ subject: '', spent_usd: 0, max_usd: b.value.max_usd, mode: b.value.mode || 'hard' }];
      return bars.map(c => {
        const pct = c.max_usd > 0 ? Math.round(100 * c.spent_usd / c.max_usd) : 0;
        const subject = c.subject === '*' ? 'global' : c.subject ? (keyNames.get(c.subject) || c.subject) : 'no spend yet';
        return el('div', { class: 'budget', 'data-budget': b.value.name, 'data-subject': c.subject || '' },
          el('div', { class: 'row' }, el('strong', {}, b.value.name), el('span', { class: 'muted' }, (b.value.scope || 'global') + ' · ' + subject),
            el('span', { class: 'spacer' }),
            el('span', { class: 'budget-amount' }, usd(c.spent_usd) + ' / ' + usd(c.max_usd) + ' (' + pct + '%)'),
            el('span', { class: 'pill' }, c.mode || b.value.mode || 'hard'), el('span', { class: 'pill' }, b.value.period || 'month')),
          aisixPlot.bar(c.spent_usd, c.max_usd),
          c.period_end ? el('div', { class: 'muted small' }, 'resets ' + new Date(c.period_end).toLocaleString()) : null);
      });
    }));
  }

  function renderHealth(health) {
    const t = document.getElementById('modelHealth');
    if (!health.ok || !Array.isArray(health.json)) { clear(t, el('tr', {}, el('td', { class: 'error' }, 'models/status: ' + health.status))); return; }
    clear(t, el('tr', {}, ['model', 'kind', 'status', 'reason'].map(h => el('th', {}, h))),
      health.json.map(m => el('tr', { 'data-model': m.display_name },
        el('td', {}, m.display_name), el('td', {}, m.kind),
        el('td', { class: 'status ' + (m.status === 'healthy' ? 'ok' : m.status === 'not_applicable' ? '' : 'bad') }, m.status),
        el('td', { class: 'muted' }, m.status_reason || ''))));
  }

  // ---------- resource tables ----------
  async function schemaOf(kind) {
    if (!schemas.has(kind)) {
      const r = await aisix.call('GET', '/admin/schemas/kinds/' + encodeURIComponent(kind) + '.schema.json');
      schemas.set(kind, r.ok && r.json ? r.json : { properties: {} });
    }
    return schemas.get(kind);
  }

  async function openKind(kind) {
    clear(document.getElementById('kindTitle'), kind);
    clear(document.getElementById('formArea'));
    document.getElementById('newRow').onclick = async () => form(kind, await schemaOf(kind), null);
    await loadRows(kind);
  }

  const rowName = v => (v && (v.display_name || v.name)) || '';

  function summary(kind, value) {
    const parts = [];
    for (const [k, v] of Object.entries(value || {})) {
      if (k === 'display_name' || k === 'name' || v === null) continue;
      const shown = SECRET.has(k) ? '••• (masked)' : typeof v === 'object' ? JSON.stringify(v) : String(v);
      parts.push(k + ': ' + (shown.length > 60 ? shown.slice(0, 57) + '…' : shown));
    }
    return parts.join(' · ');
  }

  async function loadRows(kind) {
    const table = document.getElementById('rows');
    table.setAttribute('data-kind', kind);
    if (!keys.admin) { clear(table, el('tr', {}, el('td', { class: 'muted' }, 'type the admin key'))); return; }
    const r = await admin('GET', API + kind);
    if (!r.ok || !Array.isArray(r.json)) { clear(table, el('tr', {}, el('td', { class: 'error' }, kind + ': ' + r.status + ' ' + ((r.json && r.json.error_msg) || '')))); return; }
    if (kind !== current) return;
    const schema = await schemaOf(kind);
    clear(table, el('tr', {}, ['name', 'id', 'fields', 'revision', ''].map(h => el('th', {}, h))),
      r.json.map(row => el('tr', { 'data-id': row.id, 'data-name': rowName(row.value) },
        el('td', {}, rowName(row.value)), el('td', { class: 'mono' }, row.id),
        el('td', { class: 'mono small' }, summary(kind, row.value)), el('td', {}, row.revision),
        el('td', { class: 'actions' },
          el('button', { type: 'button', class: 'secondary', 'data-action': 'edit', onclick: () => form(kind, schema, row) }, 'Edit'),
          kind === 'api_keys' ? el('button', { type: 'button', class: 'secondary', 'data-action': 'rotate', onclick: () => rotateCaller(row) }, 'Rotate') : null,
          kind === 'provider_keys' ? el('button', { type: 'button', class: 'secondary', 'data-action': 'rotate', onclick: () => replaceSecret(kind, schema, row) }, 'Replace secret') : null,
          deleteButton(kind, row)))),
      r.json.length ? null : el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'none yet')));
  }

  // Two clicks delete (no blocking confirm dialog): the first arms the button for five seconds.
  function deleteButton(kind, row) {
    const b = el('button', { type: 'button', class: 'danger', 'data-action': 'delete' }, 'Delete');
    b.addEventListener('click', async () => {
      if (!b.dataset.armed) {
        b.dataset.armed = '1';
        b.textContent = 'Really delete?';
        setTimeout(() => { delete b.dataset.armed; b.textContent = 'Delete'; }, 5000);
        return;
      }
      const r = await aisix.call('DELETE', API + kind + '/' + encodeURIComponent(row.id),
        { headers: { authorization: 'Bearer ' + keys.admin, 'if-match': String(row.revision) } });
      if (!r.ok) showResult(el('p', { class: 'error' }, 'delete failed: ' + r.status + ' ' + ((r.json && r.json.error_msg) || '')));
      await loadRows(kind);
    });
    return b;
  }

  function showResult(...nodes) {
    clear(document.getElementById('formArea'), el('div', { id: 'formResult', class: 'result' }, nodes));
  }

  async function rotateCaller(row) {
    const r = await aisix.call('POST', API + 'api_keys/' + encodeURIComponent(row.id) + '/rotate',
      { headers: { authorization: 'Bearer ' + keys.admin, 'if-match': String(row.revision) } });
    if (r.ok && r.json && r.json.key) {
      showResult(el('p', {}, 'New key for ', el('strong', {}, rowName(r.json.value) || row.id), ' (shown once; the old one no longer works):'),
        el('pre', { id: 'newKey', class: 'secret-once' }, r.json.key));
    } else {
      showResult(el('p', { class: 'error' }, 'rotate failed: ' + r.status + ' ' + ((r.json && r.json.error_msg) || '')));
    }
    await loadRows('api_keys');
  }

  // Replacing a provider secret: only the secret fields, everything else sent back as read.
  function replaceSecret(kind, schema, row) {
    const fields = Object.keys(schema.properties || {}).filter(f => SECRET.has(f));
    const inputs = fields.map(f => el('input', { type: 'password', id: 'f-' + f, name: f, autocomplete: 'off', placeholder: 'new ' + f }));
    const err = el('div', { id: 'formError', class: 'error' });
    const submit = el('button', { type: 'button', id: 'formSubmit' }, 'Replace');
    submit.addEventListener('click', async () => {
      const body = { ...row.value };
      let any = false;
      inputs.forEach(i => { if (i.value.trim()) { body[i.name] = i.value.trim(); any = true; } });
      if (!any) { clear(err, 'type the new secret'); return; }
      const r = await aisix.call('PUT', API + kind + '/' + encodeURIComponent(row.id),
        { headers: { authorization: 'Bearer ' + keys.admin, 'if-match': String(row.revision) }, body });
      if (r.ok) { showResult(el('p', { class: 'status ok' }, 'secret replaced for ' + rowName(row.value))); await loadRows(kind); } else { issues(r, err, new Map()); }
    });
    clear(document.getElementById('formArea'), el('div', { class: 'form', id: 'resourceForm' },
      el('h3', {}, 'Replace the secret of ' + rowName(row.value)),
      fields.map((f, i) => el('label', { class: 'field' }, el('span', { class: 'mono' }, f), inputs[i])),
      el('div', { class: 'row' }, submit, el('button', { type: 'button', class: 'secondary', onclick: () => clear(document.getElementById('formArea')) }, 'Cancel')), err));
  }

  const types = p => (Array.isArray(p.type) ? p.type : p.type ? [p.type] : []).filter(t => t !== 'null');

  // The form's fields: the schema's, except that a caller key is typed as `key` (optional: the
  // gateway generates one) and never as its stored hash.
  function fieldsOf(kind, schema, editing) {
    const required = new Set(schema.required || []);
    const out = [];
    for (const [name, p] of Object.entries(schema.properties || {})) {
      if (kind === 'api_keys' && name === 'key_hash') {
        if (!editing) out.push({ name: 'key', p: { type: 'string', description: 'leave empty to have the gateway generate one (shown once)' }, required: false });
        continue;
      }
      out.push({ name, p, required: required.has(name) });
    }
    return out;
  }

  function widget(f, value) {
    const { name, p } = f;
    const t = types(p);
    const id = 'f-' + name;
    const enumVals = p.enum ? p.enum.filter(v => v !== null) : null;
    if (enumVals) {
      return el('select', { id, name }, f.required ? null : el('option', { value: '' }, p.default !== undefined ? '(default: ' + p.default + ')' : '(unset)'),
        enumVals.map(v => el('option', { value: String(v), selected: value === v }, String(v))));
    }
    if (t.length === 1 && t[0] === 'boolean') {
      return el('input', { type: 'checkbox', id, name, checked: value === undefined || value === null ? p.default === true : value === true });
    }
    if (t.length === 1 && (t[0] === 'integer' || t[0] === 'number')) {
      return el('input', { type: 'number', id, name, step: t[0] === 'integer' ? '1' : 'any', value: value ?? '' });
    }
    if (t.length === 1 && t[0] === 'string') {
      return el('input', { type: SECRET.has(name) ? 'password' : 'text', id, name, autocomplete: 'off', value: value ?? '',
        placeholder: p.format || (p.default !== undefined ? 'default: ' + p.default : '') });
    }
    return el('textarea', { id, name, rows: 3, 'data-json': '1', placeholder: 'JSON' + (p.default !== undefined ? ', default ' + JSON.stringify(p.default) : '') },
      value === undefined || value === null ? '' : JSON.stringify(value, null, 2));
  }

  function form(kind, schema, row) {
    const editing = Boolean(row);
    const value = editing ? row.value : {};
    const fields = fieldsOf(kind, schema, editing);
    const errs = new Map();
    const controls = new Map();
    const rowsEls = fields.map(f => {
      const w = widget(f, value[f.name]);
      controls.set(f.name, { f, w });
      const e = el('div', { class: 'field-error error', 'data-error-for': f.name });
      errs.set(f.name, e);
      const desc = f.p.description || '';
      return el('label', { class: 'field', 'data-field': f.name },
        el('span', { class: 'mono' }, f.name, f.required ? el('span', { class: 'req' }, ' *') : null), w,
        desc ? el('span', { class: 'muted small' }, desc.length > 140 ? desc.slice(0, 137) + '…' : desc) : null, e);
    });
    const err = el('div', { id: 'formError', class: 'error' });
    const submit = el('button', { type: 'button', id: 'formSubmit' }, editing ? 'Save' : 'Create');
    submit.addEventListener('click', async () => {
      errs.forEach(e => clear(e));
      clear(err);
      // what the form does not show (a caller key's key_hash) is sent back as read
      const body = editing ? Object.fromEntries(Object.entries(value).filter(([k]) => !controls.has(k))) : {};
      let bad = false;
      for (const [name, { f, w }] of controls) {
        if (w.type === 'checkbox') {
          const dflt = f.p.default === true;
          if (w.checked !== dflt || (editing && value[name] !== undefined && value[name] !== null)) body[name] = w.checked;
        } else if (w.dataset.json) {
          if (!w.value.trim()) continue;
          try { body[name] = JSON.parse(w.value); } catch (e) { clear(errs.get(name), 'not valid JSON: ' + e.message); bad = true; }
        } else if (w.type === 'number') {
          if (w.value.trim() !== '') body[name] = Number(w.value);
        } else if (w.value.trim() !== '') {
          body[name] = w.value.trim();
        }
      }
      for (const [name, { f }] of controls) {
        if (f.required && body[name] === undefined) { clear(errs.get(name), 'required'); bad = true; }
      }
      if (bad) return;
      const headers = { authorization: 'Bearer ' + keys.admin };
      if (editing) headers['if-match'] = String(row.revision);
      const r = await aisix.call(editing ? 'PUT' : 'POST', API + kind + (editing ? '/' + encodeURIComponent(row.id) : ''), { headers, body });
      if (!r.ok) { issues(r, err, errs); return; }
      const saved = rowName(r.json && r.json.value) || (r.json && r.json.id);
      if (r.json && r.json.key) {
        showResult(el('p', {}, 'Created ', el('strong', {}, saved), ' (id ', el('span', { class: 'mono', id: 'createdId' }, r.json.id),
          '). Its key, shown once: copy it now.'), el('pre', { id: 'newKey', class: 'secret-once' }, r.json.key));
      } else {
        showResult(el('p', { class: 'status ok' }, (editing ? 'Saved ' : 'Created ') + saved + ' · id ',
          el('span', { class: 'mono', id: 'createdId' }, r.json && r.json.id)));
      }
      await loadRows(kind);
    });
    clear(document.getElementById('formArea'), el('div', { class: 'form', id: 'resourceForm', 'data-kind': kind },
      el('h3', {}, (editing ? 'Edit ' + rowName(value) : 'New ' + kind.replace(/s$/, '')) + (schema.title ? ' · ' + schema.title : '')),
      el('div', { class: 'fields' }, rowsEls), err,
      el('div', { class: 'row' }, submit, el('button', { type: 'button', class: 'secondary', onclick: () => clear(document.getElementById('formArea')) }, 'Cancel'))));
  }

  // The Admin API's 400: {error_msg, errors: [{path: JSON pointer, message}]}; each issue beside
  // the field its pointer starts with, the rest (and the message) above the buttons.
  function issues(r, err, errs) {
    const body = r.json || {};
    const rest = [];
    for (const i of body.errors || []) {
      const field = (i.path || '').split('/')[1];
      const target = field && errs.get(field.replace(/~1/g, '/').replace(/~0/g, '~'));
      if (target) target.append(el('div', {}, (i.path.split('/').length > 2 ? i.path + ': ' : '') + i.message));
      else rest.push(el('div', {}, (i.path && i.path !== '/' ? i.path + ': ' : '') + i.message));
    }
    clear(err, el('div', {}, r.status + ' ' + (body.error_msg || r.text || '')), rest);
  }

  // ---------- start ----------
  function schedule() {
    clearInterval(timer);
    timer = setInterval(() => {
      if (current === '' && document.getElementById('autoRefresh').checked && keys.admin) overview();
    }, 10000);
  }

  async function start() {
    bindKeys();
    const idx = await aisix.call('GET', '/admin/schemas/');
    kinds = ((idx.json && idx.json.schemas) || []).map(s => (s.match(/\/kinds\/([^/]+)\.schema\.json$/) || [])[1]).filter(Boolean);
    document.getElementById('adminKey').addEventListener('change', () => (current ? loadRows(current) : overview()));
    for (const id of ['window', 'by']) document.getElementById(id).addEventListener('change', overview);
    document.getElementById('refreshStats').addEventListener('click', () => (current ? loadRows(current) : overview()));
    tabs();
    const m = location.hash.match(/^#kind=(.+)$/);
    show(m && kinds.includes(m[1]) ? m[1] : '');
    schedule();
  }

  start();
})();
