package io.aisix.kernel.plugin;

import java.util.List;

/**
 * What one plugin contributed, for {@code GET /admin/v1/plugins}.
 *
 * @param id       the folder name, or {@code classpath} for services found on the host class path
 * @param version  the jar's Implementation-Version, or {@code unknown}
 * @param provides entries such as {@code filter:auth-api-key@AUTH/100} or {@code adapter:openai}
 * @param jars     the jar file names
 */
public record PluginInfo(String id, String version, List<String> provides, List<String> jars) {
}
