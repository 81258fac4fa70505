package io.aisix.dist;

import static io.aisix.dist.InstalledGateway.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.store.etcd.EtcdServer;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official MCP TypeScript SDK ({@code @modelcontextprotocol/sdk}, its version pinned once in the
 * root pom as {@code version.mcp-ts-sdk}) as the caller of the installed gateway, with two upstream
 * MCP servers behind it (one answering JSON, one event streams): tools, resources and prompts,
 * every revision the SDK negotiates, one upstream handshake per server. The package is installed from the
 * npm registry into {@code target/mcp-ts-sdk/} at test time; the test is skipped only when node or
 * npm is not on the PATH ({@code scripts/install-deps.sh} installs both).
 */
@Timeout(300)
class McpTypeScriptSdkDistIT {
    static final Path CLIENT_DIR = Path.of("target", "mcp-ts-sdk");
    static final String AGENT = "sk-mcp-ts-agent-0123456789";

    @TempDir
    static Path dir;
    static EtcdServer etcd;
    static InstalledGateway gw;
    static McpDistIT.Upstream alpha;
    static McpDistIT.Upstream beta;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(onPath("node") && onPath("npm"), "MCP TypeScript SDK test skipped: node and npm are not on the PATH "
                + "(scripts/install-deps.sh installs them)");
        installSdk();
        etcd = EtcdServer.start();
        alpha = new McpDistIT.Upstream("alpha", "authorization", "Bearer alpha-gw-token", false);
        beta = new McpDistIT.Upstream("beta", "x-api-key", "beta-gw-key", true);
        gw = InstalledGateway.start(dir, """
                proxy: { addr: 127.0.0.1:0 }
                admin: { addr: 127.0.0.1:0 }
                metrics: { addr: 127.0.0.1:0 }
                etcd: { endpoints: [%s], prefix: /aisix }
                """.formatted(etcd.endpoint()), Map.of("JAVA_OPTS", "-Xms64m -Xmx128m"), null);
        create("mcp_servers", "{\"name\":\"alpha\",\"url\":\"" + alpha.url() + "\",\"auth_type\":\"bearer\","
                + "\"secret\":\"alpha-gw-token\",\"allowed_tools\":[\"echo\",\"add\"]}");
        create("mcp_servers", "{\"name\":\"beta\",\"url\":\"" + beta.url() + "\",\"auth_type\":\"api_key\","
                + "\"secret\":\"beta-gw-key\"}");
        create("api_keys", "{\"display_name\":\"ts-agent\",\"key\":\"" + AGENT + "\","
                + "\"mcp_access\":{\"allow\":[\"*\"],\"deny\":[\"beta__search\"]}}");
        create("api_keys", "{\"display_name\":\"ts-alpha-only\",\"key\":\"sk-mcp-ts-alpha-0123456789\","
                + "\"mcp_access\":{\"allow\":[\"alpha__*\"]}}");
        eventually("the MCP gateway serves both servers", Duration.ofSeconds(20), () ->
                gw.proxy("POST", "/mcp/beta", AGENT, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}").statusCode() == 200
                        && gw.proxy("POST", "/mcp/alpha", AGENT, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"}")
                        .statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            gw.close();
        }
        for (McpDistIT.Upstream u : new McpDistIT.Upstream[] {alpha, beta}) {
            if (u != null) {
                u.close();
            }
        }
        if (etcd != null) {
            etcd.close();
        }
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }

    /** npm install of the pinned SDK into target/ (once per build directory) and the client script next to it. */
    static void installSdk() throws IOException {
        String version = System.getProperty("aisix.mcp-ts-sdk.version");
        assertTrue(version != null && !version.isBlank(), "aisix.mcp-ts-sdk.version is set by distribution/pom.xml");
        Files.createDirectories(CLIENT_DIR);
        Path installed = CLIENT_DIR.resolve("node_modules/@modelcontextprotocol/sdk/package.json");
        if (!Files.exists(installed) || !McpDistIT.read(Files.readString(installed)).path("version").asText().equals(version)) {
            // a package.json of its own: npm must not walk up into a parent project
            Files.writeString(CLIENT_DIR.resolve("package.json"), "{\"name\":\"aisix-mcp-ts-sdk-it\",\"private\":true}\n");
            InstalledGateway.Exit npm = InstalledGateway.exec(CLIENT_DIR, Duration.ofMinutes(4), "npm", "install",
                    "--no-audit", "--no-fund", "--no-package-lock", "--save-exact",
                    "@modelcontextprotocol/sdk@" + version);
            assertEquals(0, npm.code(), "npm install @modelcontextprotocol/sdk@" + version + " failed:\n" + npm.stderr());
        }
        Files.copy(Path.of("src/test/node/mcp-sdk-client.mjs"), CLIENT_DIR.resolve("mcp-sdk-client.mjs"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    static void create(String kind, String json) {
        HttpResponse<String> r = gw.admin("POST", "/admin/v1/" + kind, json);
        assertEquals(201, r.statusCode(), kind + ": " + r.body());
    }

    /** Runs one scenario of src/test/node/mcp-sdk-client.mjs and returns what the SDK saw. */
    static JsonNode sdk(String scenario, String key) {
        InstalledGateway.Exit r = InstalledGateway.exec(CLIENT_DIR, Duration.ofSeconds(90), "node", "mcp-sdk-client.mjs",
                "http://127.0.0.1:" + gw.port("proxy"), key, scenario);
        assertEquals(0, r.code(), "the TypeScript SDK client failed (" + scenario + "):\n" + r.stderr() + "\n" + r.stdout());
        return McpDistIT.read(r.stdout());
    }

    static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void everyRevisionTheSdkNegotiatesListsAndCallsTheToolsOfBothUpstreams() {
        JsonNode all = sdk("revisions", AGENT);
        for (String rev : List.of("2025-03-26", "2025-06-18", "2025-11-25")) {
            JsonNode r = all.path(rev);
            assertEquals(rev, r.path("negotiated").asText(), "the gateway answers the revision the client asked for");
            assertEquals("aisix-mcp-gateway", r.path("server").path("name").asText(), r.toString());
            // alpha exposes echo and add only (allowed_tools); beta__search is denied by the key
            assertEquals(List.of("alpha__add", "alpha__echo", "beta__add", "beta__echo", "beta__secret_tool"),
                    strings(r.path("tools")), rev);
            assertEquals("alpha/echo:hi", r.path("alpha").asText(), rev);
            assertEquals("beta/echo:yo", r.path("beta").asText(), rev);
            assertTrue(r.path("forbidden").path("error").asText().contains("not allowed for this API key"), r.toString());
            assertEquals(-32602, r.path("forbidden").path("code").asInt(), r.toString());
            assertTrue(r.path("hidden").path("error").asText().contains("allowed_tools"), r.toString());
            assertTrue(r.path("ping").has("ok"), r.toString());
            // resources and prompts of both upstreams, namespaced like the tools
            assertEquals(List.of("alpha__note://alpha/readme", "beta__note://beta/readme"), strings(r.path("resources")));
            assertEquals(List.of("beta__note://beta/readme=beta readme"), strings(r.path("read")));
            assertEquals(List.of("alpha__greet", "beta__greet"), strings(r.path("prompts")));
            assertEquals("alpha greets ts", r.path("prompt").asText());
            List<String> callTypes = new ArrayList<>();
            for (JsonNode x : r.path("exchanges")) {
                String method = x.path("method").asText();
                if (!method.equals("initialize") && !method.equals("GET") && !method.equals("DELETE")) {
                    assertEquals(rev, x.path("version").asText(), "MCP-Protocol-Version on " + method + ": " + x);
                }
                if (method.equals("tools/call") && x.path("status").asInt() == 200) {
                    callTypes.add(x.path("type").asText().replaceAll(";.*", ""));
                }
            }
            // alpha__echo answered as JSON, beta__echo relayed as the upstream's event stream; the refusals are JSON
            assertEquals(List.of("application/json", "text/event-stream", "application/json", "application/json"),
                    callTypes, r.path("exchanges").toString());
        }
        assertFalse(beta.methods.contains("tools/call:search"), "a forbidden call never reaches the upstream");
        // every request above reused one upstream session per server: one handshake each
        assertEquals(1, alpha.methods.stream().filter("initialize"::equals).count(), alpha.methods.toString());
        assertEquals(1, beta.methods.stream().filter("initialize"::equals).count(), beta.methods.toString());
        assertTrue(alpha.seenAuth.stream().allMatch("Bearer alpha-gw-token"::equals), alpha.seenAuth.toString());
    }

    @Test
    void singleServerEndpoint() {
        JsonNode r = sdk("single", "sk-mcp-ts-alpha-0123456789");
        assertEquals(List.of("add", "echo"), strings(r.path("tools")), r.toString());
        assertEquals("alpha/add:2", r.path("add").asText(), r.toString());
    }

    @Test
    void refusedCallersSeeTheGatewaysError() {
        JsonNode bad = sdk("badKey", AGENT);
        assertEquals(401, bad.path("code").asInt(), bad.toString());
        assertTrue(bad.path("error").asText().contains("invalid API key"), bad.toString());
        JsonNode denied = sdk("noAccess", "sk-mcp-ts-alpha-0123456789");
        assertEquals(403, denied.path("code").asInt(), denied.toString());
        assertTrue(denied.path("error").asText().contains("may not use MCP server 'beta'"), denied.toString());
    }
}
