package io.aisix.providerkit;

/**
 * The parts of a {@code data:} URL that provider wires carry separately: the media type (without
 * parameters such as {@code ;base64}) and the payload after the comma.
 */
public record DataUrl(String mediaType, String data) {

    /** Splits a URL that starts with {@code data:}; a URL without a comma has an empty payload. */
    public static DataUrl parse(String url) {
        if (!url.startsWith("data:")) {
            throw new IllegalArgumentException("not a data: URL");
        }
        int comma = url.indexOf(',');
        String meta = comma < 0 ? url.substring(5) : url.substring(5, comma);
        int semi = meta.indexOf(';');
        return new DataUrl(semi < 0 ? meta : meta.substring(0, semi), comma < 0 ? "" : url.substring(comma + 1));
    }
}
