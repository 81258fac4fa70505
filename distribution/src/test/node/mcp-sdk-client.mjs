// The official MCP TypeScript SDK as a caller of the gateway's /mcp endpoints (McpTypeScriptSdkDistIT).
// Usage: node mcp-sdk-client.mjs <gateway base URL> <caller key> <scenario>
// Prints one JSON document on stdout: what the SDK saw; the Java test asserts on it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [base, key, scenario] = process.argv.slice(2);

/**
 * A client on `path` whose initialize asks for `revision` (the SDK always offers its latest; a
 * client built on an older SDK offers an older one, which is what the rewrite stands in for).
 * Every HTTP exchange is recorded: method, MCP-Protocol-Version sent, status and content type.
 */
async function open(path, revision, callerKey = key) {
  const exchanges = [];
  const recording = async (url, init = {}) => {
    let method = init.method ?? 'GET';
    if (typeof init.body === 'string') {
      const m = JSON.parse(init.body);
      method = m.method ?? 'response';
      if (m.method === 'initialize' && revision) {
        m.params.protocolVersion = revision;
        init = { ...init, body: JSON.stringify(m) };
      }
    }
    const r = await fetch(url, init);
    exchanges.push({
      method,
      version: new Headers(init.headers).get('mcp-protocol-version'),
      status: r.status,
      type: r.headers.get('content-type'),
    });
    return r;
  };
  const transport = new StreamableHTTPClientTransport(new URL(base + path), {
    requestInit: { headers: { Authorization: `Bearer ${callerKey}` } },
    fetch: recording,
  });
  const client = new Client({ name: 'aisix-ts-sdk-it', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport, exchanges };
}

const text = (r) => r.content.map((c) => c.text).join('');

async function attempt(fn) {
  try {
    return { ok: await fn() };
  } catch (e) {
    return { error: String(e.message ?? e), code: e.code ?? null };
  }
}

async function revision(rev) {
  const { client, transport, exchanges } = await open('/mcp', rev);
  const out = {
    negotiated: transport.protocolVersion,
    server: client.getServerVersion(),
    tools: (await client.listTools()).tools.map((t) => t.name).sort(),
    alpha: text(await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } })),
    beta: text(await client.callTool({ name: 'beta__echo', arguments: { text: 'yo' } })),
    forbidden: await attempt(() => client.callTool({ name: 'beta__search', arguments: { text: 'x' } })),
    hidden: await attempt(() => client.callTool({ name: 'alpha__secret_tool', arguments: { text: 'x' } })),
    ping: await attempt(() => client.ping()),
    resources: (await client.listResources()).resources.map((r) => r.uri).sort(),
    read: (await client.readResource({ uri: 'beta__note://beta/readme' })).contents.map((c) => `${c.uri}=${c.text}`),
    prompts: (await client.listPrompts()).prompts.map((p) => p.name).sort(),
    prompt: (await client.getPrompt({ name: 'alpha__greet', arguments: { who: 'ts' } })).messages[0].content.text,
  };
  await client.close();
  out.exchanges = exchanges;
  return out;
}

async function single() {
  const { client } = await open('/mcp/alpha');
  const out = {
    tools: (await client.listTools()).tools.map((t) => t.name).sort(),
    add: text(await client.callTool({ name: 'add', arguments: { text: '2' } })),
  };
  await client.close();
  return out;
}

const scenarios = {
  revisions: async () => {
    const out = {};
    for (const rev of ['2025-03-26', '2025-06-18', '2025-11-25']) {
      out[rev] = await revision(rev);
    }
    return out;
  },
  single,
  badKey: async () => attempt(() => open('/mcp', null, 'sk-not-a-key-0123456789')),
  noAccess: async () => attempt(async () => {
    const { client } = await open('/mcp/beta');
    return client.listTools();
  }),
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario ${scenario}`);
  process.exit(2);
}
process.stdout.write(JSON.stringify(await run()) + '\n');
