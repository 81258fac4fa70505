package io.aisix.plugin.observe;

import io.aisix.spi.PluginConfig;

/**
 * {@code plugins.observe}: the observe plugin's start-up settings. The older spellings
 * {@code logging.access_log} (deprecated) and AISIX's {@code observability.access_log} still load.
 *
 * @param accessLog one line per request on the {@code aisix.access} logger (default true)
 */
public record ObserveConfig(Boolean accessLog) {
    public ObserveConfig {
        accessLog = accessLog == null || accessLog;
    }

    /** The declaration the kernel binds {@code plugins.observe} with. */
    public static final class Declaration implements PluginConfig<ObserveConfig> {
        @Override
        public String pluginId() {
            return "observe";
        }

        @Override
        public Class<ObserveConfig> type() {
            return ObserveConfig.class;
        }
    }
}
