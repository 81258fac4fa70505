package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aisix.spi.Completion;
import io.aisix.spi.Exchange;
import io.aisix.spi.Filter;
import io.aisix.spi.FilterContext;
import io.aisix.spi.FilterFactory;
import io.aisix.spi.Response;
import io.aisix.spi.error.ErrorCode;
import io.aisix.spi.error.GatewayException;
import io.aisix.spi.resource.Snapshot;
import io.aisix.testkit.TestChain;
import io.aisix.testkit.TestExchange;
import io.aisix.testkit.TestPluginContext;
import io.aisix.testkit.TestSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The {@link FilterFactory} contract as tests. A plugin's test extends this class and supplies its
 * factory; JUnit runs the checks:
 *
 * <ul>
 *   <li>{@link FilterFactory#id()} is the plugin's folder name, or {@code <folder>:<part>} for one
 *       of several filters of a folder (the folder is by default the one the build runs the tests
 *       in, i.e. the module's); the stage is set;</li>
 *   <li>the factory is declared in {@code META-INF/services/io.aisix.spi.FilterFactory};</li>
 *   <li>{@link FilterFactory#create} is free of side effects and repeatable: twice with the same
 *       snapshot it starts no thread, and both filters answer the same exchange alike;</li>
 *   <li>the filter (activated) never throws on a rejected exchange: when the rest of the chain answers an
 *       error or throws a {@link GatewayException}, the filter returns an answer or lets a
 *       {@code GatewayException} through, and its completion callbacks do not throw either;</li>
 *   <li>{@link FilterFactory#activate} accepts what {@code create} returned;
 *       {@link FilterFactory#stop} can be called twice.</li>
 * </ul>
 *
 * <pre>{@code
 * class TenantTagContractTest extends FilterFactoryContract {
 *     protected FilterFactory newFactory() { return new TenantTagFilterFactory(); }
 *     protected Snapshot snapshot() { return TestSnapshot.builder().decode(KIND, "t1", "{...}").build(); }
 * }
 * }</pre>
 */
public abstract class FilterFactoryContract {

    /** A new factory, as {@link java.util.ServiceLoader} makes one (public no-argument constructor). */
    protected abstract FilterFactory newFactory();

    /**
     * The snapshot the filter is built for: holds the resources the plugin needs to build a filter
     * ({@link #buildsAFilter}). Empty by default.
     */
    protected Snapshot snapshot() {
        return TestSnapshot.empty();
    }

    /**
     * The context of {@link FilterFactory#start}: override to give the plugin's configuration record
     * ({@link TestPluginContext#config}) and a temporary {@link TestPluginContext#dataDir}.
     */
    protected TestPluginContext pluginContext() {
        return new TestPluginContext();
    }

    /** An exchange the filter handles: a chat completion by default; add the attributes the filter reads. */
    protected TestExchange exchange() {
        return TestExchange.chat("{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    }

    /** Whether {@link #snapshot} should give a filter (true): the checks of the filter need one. */
    protected boolean buildsAFilter() {
        return true;
    }

    /** The plugin's folder under {@code plugins/}: by default the folder the tests run in (the module's). */
    protected String pluginFolder() {
        return Checks.moduleFolder();
    }

    @Test
    public void idIsThePluginFolderName() {
        FilterFactory f = newFactory();
        String folder = pluginFolder();
        assertTrue(Checks.PLUGIN_ID.matcher(folder).matches(), "folder '" + folder + "' is not a plugin id "
                + "(lower-case words joined by hyphens)");
        assertTrue(f.id().equals(folder) || f.id().startsWith(folder + ":")
                        && Checks.PLUGIN_ID.matcher(f.id().substring(folder.length() + 1)).matches(),
                "id '" + f.id() + "': a filter's id is its plugin folder name ('" + folder + "'), or " + folder
                        + ":<part> when the folder holds several filters");
        assertNotNull(f.stage(), "stage()");
    }

    @Test
    public void registeredForServiceLoader() {
        Checks.assertRegistered(FilterFactory.class, newFactory().getClass());
    }

    @Test
    public void createIsRepeatableAndStartsNothing() {
        FilterFactory f = newFactory();
        TestPluginContext plugin = pluginContext();
        f.start(plugin);
        try {
            FilterContext context = plugin.filterContext(snapshot());
            Optional<Filter> first = Checks.startsNoThread("create()", () -> f.create(context));
            Optional<Filter> second = f.create(context);
            assertNotNull(first, "create() returned null instead of Optional.empty()");
            assertEquals(first.isPresent(), second.isPresent(), "create() twice with the same snapshot");
            if (buildsAFilter()) {
                assertTrue(first.isPresent(), "create() built no filter for snapshot(): give it the plugin's resources");
            }
            if (first.isPresent()) {
                Function<Exchange, Response> ok = ex -> Response.json("{}".getBytes(StandardCharsets.UTF_8));
                assertEquals(runAndEnd(first.get(), ok, "on an answered exchange"),
                        runAndEnd(second.get(), ok, "on an answered exchange"),
                        "two filters built from the same snapshot answer the same exchange differently");
            }
        } finally {
            f.stop();
        }
    }

    @Test
    public void aRejectedExchangeNeverMakesTheFilterThrow() {
        FilterFactory f = newFactory();
        TestPluginContext plugin = pluginContext();
        f.start(plugin);
        try {
            FilterContext context = plugin.filterContext(snapshot());
            Optional<Filter> filter = f.create(context);
            if (filter.isEmpty()) {
                assertTrue(!buildsAFilter(), "create() built no filter for snapshot()");
                return;
            }
            // as the kernel serves: activated (createIsRepeatableAndStartsNothing runs filters before that)
            f.activate(context, filter);
            List<Function<Exchange, Response>> rejections = List.of(
                    ex -> {
                        throw new GatewayException(ErrorCode.RATE_LIMIT_EXCEEDED, "rejected further down the chain");
                    },
                    ex -> {
                        throw new GatewayException(ErrorCode.UPSTREAM_ERROR, "the upstream failed");
                    },
                    ex -> Response.json(502, "{\"error\":{\"message\":\"bad gateway\"}}".getBytes(StandardCharsets.UTF_8)));
            for (var rejection : rejections) {
                runAndEnd(filter.get(), rejection, "on a rejected exchange");
            }
        } finally {
            f.stop();
        }
    }

    @Test
    public void activateAcceptsWhatCreateReturned() {
        FilterFactory f = newFactory();
        TestPluginContext plugin = pluginContext();
        f.start(plugin);
        try {
            FilterContext context = plugin.filterContext(snapshot());
            f.activate(context, f.create(context));
        } finally {
            f.stop();
        }
    }

    @Test
    public void stopCanBeCalledTwice() {
        FilterFactory f = newFactory();
        f.start(pluginContext());
        f.stop();
        try {
            f.stop();
        } catch (RuntimeException e) {
            fail("a second stop() threw " + e + ": stop must be idempotent", e);
        }
    }

    /**
     * Runs a fresh {@link #exchange} through the filter to {@code terminal} and ends it, as the
     * kernel would; its status (a {@code GatewayException}'s included). Anything else the filter or
     * a completion callback throws fails the check.
     */
    private int runAndEnd(Filter filter, Function<Exchange, Response> terminal, String situation) {
        TestExchange ex = exchange();
        int status;
        Optional<ErrorCode> code = Optional.empty();
        try {
            status = TestChain.of(filter, terminal).run(ex).status();
        } catch (GatewayException e) {
            status = e.status();
            code = Optional.of(e.code());
        } catch (RuntimeException e) {
            throw new AssertionError("the filter threw " + e + " " + situation + "; only a GatewayException "
                    + "(or an answer) may come out of it", e);
        }
        try {
            ex.complete(new Completion(status, code, false, true, false, System.nanoTime()));
        } catch (RuntimeException e) {
            throw new AssertionError("a completion callback threw " + e + " " + situation, e);
        }
        return status;
    }
}
