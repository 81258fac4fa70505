package io.aisix.kernel.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.media.type.MediaType;
import io.helidon.common.media.type.MediaTypes;
import io.helidon.config.spi.ConfigNode;
import io.helidon.config.spi.ConfigParser;
import io.helidon.config.spi.ConfigParserException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * The helidon-config parser of the startup file: {@link TypedYaml} (Jackson's streaming parser,
 * YAML 1.2 scalars) instead of helidon-config-yaml (SnakeYAML with YAML 1.1 scalars, text only).
 * Each node's shape goes to {@link TypedPaths} for the binder. One parser reads one file: a failure
 * is a {@link ConfigParserException} whose cause is the {@link ConfigException} to report
 * ({@code cannot parse <file>: <problem> at line N}, or the file holds no mapping).
 */
final class StartupYamlParser implements ConfigParser {
    private final Path file;
    private final TypedPaths paths;

    StartupYamlParser(Path file, TypedPaths paths) {
        this.file = file;
        this.paths = paths;
    }

    @Override
    public Set<MediaType> supportedMediaTypes() {
        return Set.of(MediaTypes.APPLICATION_X_YAML);
    }

    @Override
    public ConfigNode.ObjectNode parse(Content content) throws ConfigParserException {
        JsonNode root;
        try {
            root = TypedYaml.read(content.data());
        } catch (JsonProcessingException e) {
            throw failed(new ConfigException("config", "cannot parse " + file + ": " + e.getOriginalMessage()
                    + line(e)));
        } catch (IOException e) {
            throw failed(new ConfigException("config", "cannot read " + file + ": " + e.getMessage()));
        }
        if (root == null || root.isNull()) {
            root = JsonNodeFactory.instance.objectNode();
        } else if (!root.isObject()) {
            throw failed(new ConfigException("config", file + " must hold a YAML mapping"));
        }
        try {
            return paths.helidon((ObjectNode) root);
        } catch (ConfigException e) {
            throw failed(e);
        }
    }

    /**
     * The line of the problem: SnakeYAML's mark where it has one (Jackson's own location is its last
     * token, a line or more before an unclosed bracket or a tab), else Jackson's.
     */
    private static String line(JsonProcessingException e) {
        if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
            return " at line " + (y.getProblemMark().getLine() + 1);
        }
        return e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr();
    }

    private static ConfigParserException failed(ConfigException e) {
        return new ConfigParserException(e.getMessage(), e);
    }
}
