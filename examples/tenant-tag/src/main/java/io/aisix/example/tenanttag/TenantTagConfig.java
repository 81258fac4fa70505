package io.aisix.example.tenanttag;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import java.util.regex.Pattern;

/**
 * {@code plugins.tenant-tag} in the gateway's start-up config: the plugin's typed configuration,
 * bound by the kernel (unknown keys are errors naming the plugin; environment:
 * {@code AISIX_PLUGINS__TENANT_TAG__HEADER}).
 *
 * <pre>{@code
 * plugins:
 *   tenant-tag: { header: x-tenant-tag }
 * }</pre>
 *
 * @param header the response header that carries the tag (default {@code x-tenant-tag})
 */
public record TenantTagConfig(String header) {
    private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9!#$%&'*+.^_`|~-]+");

    public TenantTagConfig {
        header = header == null ? "x-tenant-tag" : header;
    }

    /** The declaration the kernel binds {@code plugins.tenant-tag} with (a {@code PluginConfig} service). */
    public static final class Declaration implements PluginConfig<TenantTagConfig> {
        @Override
        public String pluginId() {
            return "tenant-tag";
        }

        @Override
        public Class<TenantTagConfig> type() {
            return TenantTagConfig.class;
        }

        @Override
        public void check(TenantTagConfig config) {
            if (!TOKEN.matcher(config.header()).matches()) {
                throw new StartupException("header", "must be an HTTP header name");
            }
        }
    }
}
