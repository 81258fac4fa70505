package io.aisix.providerkit;

/**
 * Writes canonical {@code chat.completion.chunk} events for one stream without building JSON
 * trees: the {@code id/object/created/model} prefix is rendered once, each chunk appends its
 * choice. Used by adapters that translate a foreign event stream into the OpenAI shape.
 */
public final class ChunkWriter {
    private final String prefix;

    /**
     * @param id      the stream's completion id
     * @param created unix seconds
     * @param alias   the alias the caller sent (the chunks' {@code model})
     */
    public ChunkWriter(String id, long created, String alias) {
        StringBuilder sb = new StringBuilder(96);
        sb.append("{\"id\":");
        ProviderJson.quote(sb, id);
        sb.append(",\"object\":\"chat.completion.chunk\",\"created\":").append(created).append(",\"model\":");
        ProviderJson.quote(sb, alias);
        sb.append(",\"choices\":[");
        this.prefix = sb.toString();
    }

    private StringBuilder start(int extra) {
        return new StringBuilder(prefix.length() + 64 + extra).append(prefix).append("{\"index\":0,\"delta\":");
    }

    private static String end(StringBuilder sb) {
        return sb.append(",\"finish_reason\":null}]}").toString();
    }

    /** The first chunk: {@code delta: {role: assistant, content: ""}}. */
    public String role() {
        return end(start(0).append("{\"role\":\"assistant\",\"content\":\"\"}"));
    }

    public String content(String text) {
        StringBuilder sb = start(text.length()).append("{\"content\":");
        ProviderJson.quote(sb, text);
        return end(sb.append('}'));
    }

    /** A reasoning delta ({@code delta.reasoning_content}, DeepSeek's spelling). */
    public String reasoning(String text) {
        StringBuilder sb = start(text.length()).append("{\"reasoning_content\":");
        ProviderJson.quote(sb, text);
        return end(sb.append('}'));
    }

    /** The first delta of a tool call: id, type and name, with the first arguments fragment. */
    public String toolCallStart(int index, String id, String name, String arguments) {
        StringBuilder sb = start(arguments.length() + 32).append("{\"tool_calls\":[{\"index\":").append(index)
                .append(",\"id\":");
        ProviderJson.quote(sb, id);
        sb.append(",\"type\":\"function\",\"function\":{\"name\":");
        ProviderJson.quote(sb, name);
        sb.append(",\"arguments\":");
        ProviderJson.quote(sb, arguments);
        return end(sb.append("}}]}"));
    }

    /** A further fragment of a tool call's arguments. */
    public String toolCallArguments(int index, String fragment) {
        StringBuilder sb = start(fragment.length()).append("{\"tool_calls\":[{\"index\":").append(index)
                .append(",\"function\":{\"arguments\":");
        ProviderJson.quote(sb, fragment);
        return end(sb.append("}}]}"));
    }

    /** The last choice chunk: empty delta and the finish reason. */
    public String finish(String reason) {
        StringBuilder sb = new StringBuilder(prefix.length() + 64).append(prefix)
                .append("{\"index\":0,\"delta\":{},\"finish_reason\":");
        ProviderJson.quote(sb, reason);
        return sb.append("}]}").toString();
    }

    /** The usage-only chunk OpenAI sends with {@code stream_options.include_usage}: empty choices. */
    public String usage(UsageInfo usage) {
        StringBuilder sb = new StringBuilder(prefix.length() + 128).append(prefix).append("],\"usage\":");
        usage.appendJson(sb);
        return sb.append('}').toString();
    }
}
