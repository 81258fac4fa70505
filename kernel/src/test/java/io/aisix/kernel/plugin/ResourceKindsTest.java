package io.aisix.kernel.plugin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.aisix.kernel.config.ConfigException;
import io.aisix.kernel.testsupport.StandInKind;
import io.aisix.spi.PluginContext;
import io.aisix.spi.resource.ResourceKind;
import io.aisix.support.resource.CoreKinds;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kernel's four kinds, then each plugin kind as its {@code bind(context)} returns it. */
class ResourceKindsTest {
    /** The kind as served: it saw the context the kernel assembles the kinds with. */
    static final StandInKind BOUND = new StandInKind("tenant_tags");
    static PluginContext seen;

    /** A plugin's kind named {@code tenant_tags}; each test's declares what its bind does. */
    abstract static class TagKind implements ResourceKind<JsonNode> {
        @Override
        public String name() {
            return "tenant_tags";
        }

        @Override
        public JsonNode decode(String id, JsonNode value) {
            return value;
        }
    }

    /** Needs the context (as the guardrails kind needs the installed guardrail kinds). */
    public static final class ContextKind extends TagKind {
        @Override
        public ResourceKind<JsonNode> bind(PluginContext context) {
            seen = context;
            return BOUND;
        }
    }

    /** Returns another kind: refused, since the store and URLs go by name. */
    public static final class RenamingKind extends TagKind {
        @Override
        public ResourceKind<JsonNode> bind(PluginContext context) {
            return new StandInKind("widgets");
        }
    }

    @TempDir
    Path dir;

    private PluginRegistry declaring(Class<?> kind) throws IOException {
        Path services = Files.createDirectories(dir.resolve("cp/META-INF/services"));
        Files.writeString(services.resolve(ResourceKind.class.getName()), kind.getName() + "\n");
        return PluginRegistry.load(null, new URLClassLoader(new URL[] {dir.resolve("cp").toUri().toURL()},
                getClass().getClassLoader()));
    }

    private static KernelPluginContext context() {
        return new KernelPluginContext(req -> {
            throw new AssertionError("no upstream calls");
        }, Clock.systemUTC());
    }

    @Test
    void theCoreKindsThenEachPluginKindBoundToTheContext() throws IOException {
        KernelPluginContext context = context();
        List<ResourceKind<?>> kinds = ResourceKinds.assemble(declaring(ContextKind.class), context);
        assertEquals(List.of("provider_keys", "models", "api_keys", "passthrough_routes", "tenant_tags"),
                kinds.stream().map(ResourceKind::name).toList());
        assertEquals(CoreKinds.all(), kinds.subList(0, 4));
        assertSame(BOUND, kinds.get(4), "the kind as bind returned it is the one served");
        assertSame(context, seen);
    }

    @Test
    void aBindThatChangesTheNameStopsStartup() throws IOException {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ResourceKinds.assemble(declaring(RenamingKind.class), context()));
        assertEquals("plugins: resource kind 'tenant_tags' bound to kind 'widgets' (bind must keep the name)",
                e.getMessage());
    }
}
