package io.aisix.spi;

import java.util.Map;

/**
 * Declares a plugin's start-up configuration: the section {@code plugins.<pluginId>:} of the
 * start-up YAML, bound by the kernel to the record type {@link #type()}. Discovered with
 * {@link java.util.ServiceLoader} (declare it in {@code META-INF/services/io.aisix.spi.PluginConfig}),
 * at most one per plugin.
 *
 * <p><b>Binding.</b> The kernel binds every declared section before any plugin starts, so a bad
 * section fails the gateway's start-up and {@code aisix validate}, never a request. Binding is
 * strict: record components bind {@code snake_case} keys ({@code maxEntries} reads
 * {@code max_entries}), nested records bind mappings, {@code List}s bind sequences, and an unknown
 * key or a value of the wrong type is an error naming the full key (for example
 * {@code plugins.rate-limit.backend: must be a string}). A section for a plugin id that no
 * installed plugin declares is an error too. Environment variables override the file as for every
 * other key: {@code AISIX_PLUGINS__RATE_LIMIT__BACKEND=redis} sets {@code plugins.rate-limit.backend}
 * (an {@code _} in the id segment reads as {@code -}).
 *
 * <p><b>Defaults.</b> A missing section, and a missing key, bind as {@code null}: the record's
 * compact constructor fills its defaults, so binding an empty mapping must yield the plugin's
 * defaults. The kernel binds one even when the section is absent.
 *
 * <p><b>Checks.</b> Rules beyond types (allowed values, ranges, keys that need each other) go in
 * {@link #check}; they run right after binding. Anything that needs the network (reaching a server)
 * belongs in the plugin's {@code start}, not here: {@code aisix validate} calls {@link #check} too.
 *
 * <p><b>Needs.</b> A configuration that relies on a service another plugin provides (a Redis URL
 * needs the {@code redis} plugin's {@link io.aisix.spi.redis.RedisService}) says so in
 * {@link #needs}; the kernel and {@code aisix validate} refuse it, naming the key, when no installed
 * plugin provides that service.
 *
 * <p><b>Reading it.</b> {@link PluginContext#config(Class)} with {@link #type()} returns the bound
 * record to the plugin's factories and backends from {@code start} on.
 *
 * @param <C> the configuration record; it must be public (or its package open to reflection) so the
 *            kernel's binder can construct it
 */
public interface PluginConfig<C extends Record> {

    /** The plugin id, equal to the plugin's folder name: its section is {@code plugins.<id>}. */
    String pluginId();

    /** The record the section binds to. */
    Class<C> type();

    /**
     * Checks the bound configuration beyond its types.
     *
     * @throws StartupException naming the offending key relative to the section (for example
     *         {@code redis.url}); the kernel reports it as {@code plugins.<id>.redis.url}
     */
    default void check(C config) {
    }

    /**
     * The services of other plugins that {@code config} needs, each under the key (relative to the
     * section, as in {@link #check}) that asks for it; none by default. Checked right after
     * {@link #check}: a needed type that no installed plugin provides stops the start-up (and fails
     * {@code aisix validate}) with an error naming the key and the plugin to install. The types the
     * kernel can check: {@link io.aisix.spi.redis.RedisService}.
     */
    default Map<String, Class<?>> needs(C config) {
        return Map.of();
    }
}
