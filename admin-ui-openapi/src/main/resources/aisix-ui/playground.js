// Playground: chat with a model alias through this listener's /playground/api forwarder (caller key
// in Authorization, admin key in x-aisix-admin-key), streaming shown token by token, plus the
// gateway headers, a resource overview and the health document (admin key, /admin/v1).
'use strict';

(() => {
  const { el, clear, keys, bindKeys, call, admin, uiConfig, statusClass } = aisix;
  const API = '/playground/api';
  const GATEWAY_HEADER = /^(x-aisix-|x-ratelimit-|retry-after$)/;
  const $ = id => document.getElementById(id);
  let controller = null;
  let currentTab = 'provider_keys';
  let resources = {};

  const ms = v => Math.round(v) + ' ms';
  function proxyHeaders() {
    const h = { 'x-aisix-admin-key': keys.admin };
    if (keys.caller) h.authorization = 'Bearer ' + keys.caller;
    return h;
  }
  function errorText(r) {
    const j = r.json;
    return (j && ((j.error && j.error.message) || j.error_msg)) || r.text || ('status ' + r.status);
  }

  // --- models and chat -------------------------------------------------------------------------
  async function loadModels() {
    const r = await call('GET', API + '/v1/models', { headers: proxyHeaders() });
    if (!r.ok || !r.json || !Array.isArray(r.json.data)) {
      $('modelsInfo').textContent = 'models: ' + r.status + ' ' + errorText(r);
      return;
    }
    const select = $('model');
    const previous = select.value;
    clear(select, r.json.data.map(m => el('option', { value: m.id }, m.id)));
    if ([...select.options].some(o => o.value === previous)) select.value = previous;
    $('modelsInfo').textContent = r.json.data.length + ' models for this key';
    updateCurl();
  }

  function requestBody() {
    const messages = [];
    const system = $('system').value.trim();
    if (system) messages.push({ role: 'system', content: system });
    messages.push({ role: 'user', content: $('message').value });
    const body = { model: $('model').value, messages };
    if ($('stream').checked) {
      body.stream = true;
      body.stream_options = { include_usage: true };
    }
    const maxTokens = parseInt($('maxTokens').value, 10);
    if (maxTokens > 0) body.max_tokens = maxTokens;
    const temperature = parseFloat($('temperature').value);
    if (!Number.isNaN(temperature)) body.temperature = temperature;
    return body;
  }

  function resetResult() {
    for (const id of ['status', 'ttfb', 'latency', 'chunks', 'usage']) $(id).textContent = '–';
    $('status').className = '';
    $('output').textContent = '';
    $('error').textContent = '';
    clear($('gwHeaders'), el('tr', {}, el('th', {}, 'header'), el('th', {}, 'value')));
  }

  function showHeaders(headers) {
    const rows = [];
    headers.forEach((value, name) => { if (GATEWAY_HEADER.test(name)) rows.push([name, value]); });
    rows.sort((a, b) => a[0].localeCompare(b[0]));
    clear($('gwHeaders'), el('tr', {}, el('th', {}, 'header'), el('th', {}, 'value')),
      rows.map(([n, v]) => el('tr', { 'data-name': n }, el('td', { class: 'mono' }, n), el('td', { class: 'mono' }, v))));
  }

  function showUsage(u) {
    if (!u) return;
    $('usage').textContent = 'prompt ' + (u.prompt_tokens ?? '?') + ' · completion ' + (u.completion_tokens ?? '?')
      + ' · total ' + (u.total_tokens ?? '?');
  }

  async function send() {
    resetResult();
    const body = requestBody();
    if (!body.model) {
      $('error').textContent = 'Pick a model first (Load models with a caller key).';
      return;
    }
    controller = new AbortController();
    $('send').disabled = true;
    $('stop').disabled = false;
    const started = performance.now();
    try {
      const res = await fetch(API + '/v1/chat/completions', {
        method: 'POST', headers: { ...proxyHeaders(), 'content-type': 'application/json' },
        body: JSON.stringify(body), signal: controller.signal });
      $('status').textContent = res.status + (res.statusText ? ' ' + res.statusText : '');
      $('status').className = 'status ' + statusClass(res.status);
      showHeaders(res.headers);
      if ((res.headers.get('content-type') || '').startsWith('text/event-stream')) {
        await readStream(res, started);
      } else {
        const text = await res.text();
        let json;
        try { json = JSON.parse(text); } catch (e) { json = undefined; }
        $('ttfb').textContent = ms(performance.now() - started);
        if (res.ok && json && json.choices) {
          $('output').textContent = (json.choices[0].message && json.choices[0].message.content) || '';
          showUsage(json.usage);
        } else {
          $('error').textContent = json ? JSON.stringify(json, null, 2) : text;
        }
      }
    } catch (e) {
      $('error').textContent = e.name === 'AbortError' ? 'stopped' : String(e);
    }
    $('latency').textContent = ms(performance.now() - started);
    $('send').disabled = false;
    $('stop').disabled = true;
    controller = null;
  }

  // Server-sent events: blank-line separated; "event:" names the type, "data:" lines join with \n.
  async function readStream(res, started) {
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const out = $('output');
    const separator = /\r?\n\r?\n/;
    let buffer = '';
    let chunks = 0;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let m;
      while ((m = separator.exec(buffer)) !== null) {
        const raw = buffer.slice(0, m.index);
        buffer = buffer.slice(m.index + m[0].length);
        let event = '';
        const data = [];
        for (const line of raw.split(/\r?\n/)) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        const payload = data.join('\n');
        if (!payload || payload === '[DONE]') continue;
        if (event === 'error') {
          $('error').textContent = payload;
          continue;
        }
        let json;
        try { json = JSON.parse(payload); } catch (e) { continue; }
        const choice = json.choices && json.choices[0];
        const delta = choice && choice.delta && choice.delta.content;
        if (delta) {
          if (chunks === 0) $('ttfb').textContent = ms(performance.now() - started);
          chunks++;
          out.append(delta);
          out.scrollTop = out.scrollHeight;
          $('chunks').textContent = String(chunks);
        }
        if (json.usage) showUsage(json.usage);
      }
    }
  }

  function updateCurl() {
    const body = JSON.stringify(requestBody()).replace(/'/g, "'\\''");
    $('curl').textContent = 'curl -N ' + $('proxyUrl').value.replace(/\/$/, '') + '/v1/chat/completions \\\n'
      + '  -H "Authorization: Bearer $AISIX_CALLER_KEY" -H "content-type: application/json" \\\n'
      + "  -d '" + body + "'";
  }

  // --- resources and health ------------------------------------------------------------------
  function mask(secret) {
    // the Admin API already masks; this only guards against a row that slipped through in clear
    if (!secret) return '';
    if (secret.includes('…')) return secret;
    return secret.length <= 8 ? '…' : secret.slice(0, 3) + '…' + secret.slice(-4);
  }
  function limits(rl) {
    return rl ? Object.entries(rl).map(([k, v]) => k + ' ' + v).join(', ') : '';
  }
  function where(url) {
    try {
      const u = new URL(url);
      return u.protocol + '//' + u.host + u.pathname; // never userinfo or query (credentials live there)
    } catch (e) {
      return url ? '(set)' : '';
    }
  }
  function keyName(id) {
    const k = (resources.provider_keys || []).find(e => e.id === id);
    return k ? k.value.display_name : id;
  }

  const KINDS = [
    ['provider_keys', 'Provider keys', v => [['name', v.display_name], ['provider', v.provider + (v.adapter ? ' (' + v.adapter + ' wire)' : '')],
      ['api_base', v.api_base || 'default'], ['api_key', mask(v.api_key || v.secret)]]],
    ['models', 'Aliases', v => [['alias', v.display_name],
      ['serves', v.routing ? (v.routing.strategy || 'failover') + ' → ' + (v.routing.targets || []).map(t => t.model).join(', ')
        : keyName(v.provider_key_id) + ' / ' + v.model_name],
      ['limits', limits(v.rate_limit)]]],
    ['api_keys', 'Caller keys', v => [['name', v.display_name || ''], ['allowed models', (v.allowed_models || ['*']).join(', ')],
      ['state', v.disabled ? 'disabled' : v.expires_at ? 'expires ' + v.expires_at : 'active'], ['limits', limits(v.rate_limit)],
      ['key_hash', (v.key_hash || '').slice(0, 12) + '…']]],
    ['guardrails', 'Guardrails', v => [['name', v.name], ['kind', v.kind], ['hook', v.hook_point || 'both'],
      ['mode', v.enforcement_mode || 'block'], ['enabled', v.enabled === false ? 'no' : 'yes'], ['applies to', (v.applies_to || ['*']).join(', ')]]],
    ['cache_policies', 'Cache', v => [['name', v.name], ['backend', v.backend || 'memory'], ['ttl', (v.ttl_seconds || 3600) + ' s'],
      ['applies to', v.applies_to || 'all'], ['scope', v.scope || 'api_key'], ['enabled', v.enabled === false ? 'no' : 'yes']]],
    ['observability_exporters', 'Exporters', v => [['name', v.name], ['kind', v.kind], ['target', v.path || where(v.endpoint)],
      ['sample', v.sample_rate ?? 1], ['content', v.content_mode || 'metadata_only'], ['enabled', v.enabled === false ? 'no' : 'yes']]],
    ['rate_limit_policies', 'Rate limits', v => [['name', v.name], ['scope', (v.scope || 'api_key') + (v.scope_ref ? ' ' + v.scope_ref : '')],
      ['window', v.window || 'minute'], ['max requests', v.max_requests ?? ''], ['max tokens', v.max_tokens ?? '']]],
  ];

  async function loadResources() {
    if (!keys.admin) {
      $('resourcesInfo').textContent = 'enter the admin key to see resources and health';
      return;
    }
    const answers = await Promise.all(KINDS.map(([kind]) => admin('GET', '/admin/v1/' + kind)));
    const failed = answers.find(r => !r.ok);
    $('resourcesInfo').textContent = failed ? 'admin API: ' + failed.status + ' ' + errorText(failed) : '';
    resources = {};
    KINDS.forEach(([kind], i) => { resources[kind] = answers[i].ok && Array.isArray(answers[i].json) ? answers[i].json : []; });
    renderResources();
    const h = await admin('GET', '/admin/v1/health');
    if (h.ok && h.json) {
      $('healthStatus').textContent = h.json.status;
      $('healthStatus').className = 'status ' + (h.json.status === 'ok' ? 'ok' : h.json.status === 'degraded' ? 'warn' : 'bad');
      $('health').textContent = JSON.stringify(h.json, null, 2);
    } else {
      $('healthStatus').textContent = '';
      $('health').textContent = errorText(h);
    }
  }

  function renderResources() {
    clear($('tabs'), KINDS.map(([kind, title]) => el('button', {
      type: 'button', 'data-kind': kind, class: kind === currentTab ? 'current' : '',
      onclick: () => { currentTab = kind; renderResources(); } }, title + ' (' + (resources[kind] || []).length + ')')));
    const [kind, , columns] = KINDS.find(k => k[0] === currentTab);
    const rows = resources[kind] || [];
    if (!rows.length) {
      clear($('resources'), el('p', { class: 'muted' }, 'none'));
      return;
    }
    const head = columns(rows[0].value || {}).map(([name]) => name);
    clear($('resources'), el('table', { 'data-kind': kind },
      el('tr', {}, head.map(h => el('th', {}, h)), el('th', {}, 'id')),
      rows.map(r => el('tr', {}, columns(r.value || {}).map(([, v]) => el('td', {}, String(v))),
        el('td', { class: 'mono muted' }, r.id)))));
  }

  // --- wiring --------------------------------------------------------------------------------
  async function start() {
    bindKeys();
    const cfg = await uiConfig();
    const proxy = cfg.proxy || {};
    $('proxyUrl').value = (proxy.scheme || 'http') + '://' + location.hostname + (proxy.port ? ':' + proxy.port : '');
    $('loadModels').addEventListener('click', loadModels);
    $('send').addEventListener('click', send);
    $('stop').addEventListener('click', () => controller && controller.abort());
    $('refresh').addEventListener('click', loadResources);
    for (const id of ['model', 'system', 'message', 'stream', 'maxTokens', 'temperature', 'proxyUrl']) {
      $(id).addEventListener('input', updateCurl);
      $(id).addEventListener('change', updateCurl);
    }
    $('adminKey').addEventListener('change', loadResources);
    updateCurl();
    await loadResources();
    if (keys.admin && keys.caller) await loadModels();
  }

  start();
})();
