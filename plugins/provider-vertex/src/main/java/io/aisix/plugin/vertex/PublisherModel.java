package io.aisix.plugin.vertex;

import java.util.Locale;

/**
 * A Vertex AI model as a {@code models} row names it in {@code model_name}:
 * {@code publishers/{publisher}/models/{model}}, {@code {publisher}/{model}}, or a bare model id
 * whose publisher is {@code anthropic} for Claude models ({@code claude-...}) and {@code google}
 * otherwise.
 */
record PublisherModel(String publisher, String model) {

    static PublisherModel of(String modelName) {
        String name = modelName.trim();
        if (name.startsWith("publishers/")) {
            String rest = name.substring("publishers/".length());
            int slash = rest.indexOf('/');
            if (slash > 0 && rest.startsWith("models/", slash + 1)) {
                return new PublisherModel(rest.substring(0, slash).toLowerCase(Locale.ROOT),
                        rest.substring(slash + 1 + "models/".length()));
            }
        }
        int slash = name.indexOf('/');
        if (slash > 0) {
            return new PublisherModel(name.substring(0, slash).toLowerCase(Locale.ROOT), name.substring(slash + 1));
        }
        return new PublisherModel(name.toLowerCase(Locale.ROOT).startsWith("claude") ? "anthropic" : "google", name);
    }
}
