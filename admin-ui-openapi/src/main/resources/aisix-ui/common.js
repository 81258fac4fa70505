// Shared by the operator pages. Builds DOM nodes with textContent only (never innerHTML), so
// nothing read from the gateway can inject markup. Keys live in memory, or in this tab's
// sessionStorage when "remember" is ticked; they are never written anywhere else.
'use strict';

const aisix = (() => {
  const STORE = 'aisix.keys';

  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  function clear(node, ...children) {
    node.replaceChildren(...children.flat(Infinity).filter(c => c !== undefined && c !== null && c !== false)
      .map(c => c instanceof Node ? c : document.createTextNode(String(c))));
  }

  // Key inputs: ids adminKey / callerKey, checkbox rememberKeys.
  const keys = { admin: '', caller: '' };
  function bindKeys() {
    const remember = document.getElementById('rememberKeys');
    let saved = {};
    try { saved = JSON.parse(sessionStorage.getItem(STORE) || '{}'); } catch (e) { saved = {}; }
    for (const name of ['admin', 'caller']) {
      const input = document.getElementById(name + 'Key');
      if (!input) continue;
      if (saved[name]) { keys[name] = saved[name]; input.value = saved[name]; }
      input.addEventListener('input', () => { keys[name] = input.value.trim(); persist(); });
    }
    if (remember) {
      remember.checked = Object.keys(saved).length > 0;
      remember.addEventListener('change', persist);
    }
    function persist() {
      if (remember && remember.checked) sessionStorage.setItem(STORE, JSON.stringify(keys));
      else sessionStorage.removeItem(STORE);
    }
  }

  // One timed fetch; answers {status, ok, headers, text, json, ms}. Network errors answer status 0.
  async function call(method, path, { headers = {}, body, signal } = {}) {
    const started = performance.now();
    const init = { method, headers: { ...headers }, signal };
    if (body !== undefined && body !== null && body !== '') {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      if (!Object.keys(init.headers).some(h => h.toLowerCase() === 'content-type')) init.headers['content-type'] = 'application/json';
    }
    try {
      const res = await fetch(path, init);
      const text = await res.text();
      let json;
      try { json = text ? JSON.parse(text) : undefined; } catch (e) { json = undefined; }
      return { status: res.status, ok: res.ok, headers: res.headers, text, json, ms: performance.now() - started };
    } catch (e) {
      return { status: 0, ok: false, headers: new Headers(), text: String(e), json: undefined, ms: performance.now() - started };
    }
  }

  function admin(method, path, body) {
    return call(method, path, { headers: keys.admin ? { authorization: 'Bearer ' + keys.admin } : {}, body });
  }

  let configPromise;
  function uiConfig() {
    configPromise = configPromise || call('GET', '/admin/ui-config.json').then(r => r.json || {});
    return configPromise;
  }

  function statusClass(status) {
    return status >= 200 && status < 300 ? 'ok' : status >= 400 || status === 0 ? 'bad' : 'warn';
  }

  function pretty(r) {
    return r.json !== undefined ? JSON.stringify(r.json, null, 2) : r.text;
  }

  return { el, clear, keys, bindKeys, call, admin, uiConfig, statusClass, pretty };
})();
