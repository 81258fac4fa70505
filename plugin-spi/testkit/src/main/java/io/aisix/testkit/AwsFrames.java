package io.aisix.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/** AWS event-stream frames written with the SDK's encoder (prelude and message CRC32 included). */
final class AwsFrames {
    private AwsFrames() {
    }

    /** An {@code event} frame: {@code :event-type}, JSON content type, the payload. */
    static byte[] event(String type, byte[] json) {
        Map<String, HeaderValue> h = new LinkedHashMap<>();
        h.put(":event-type", HeaderValue.fromString(type));
        h.put(":content-type", HeaderValue.fromString("application/json"));
        h.put(":message-type", HeaderValue.fromString("event"));
        return bytes(new Message(h, json));
    }

    /** A modeled {@code exception} frame ({@code :exception-type}, e.g. {@code throttlingException}). */
    static byte[] exception(String type, String message) {
        Map<String, HeaderValue> h = new LinkedHashMap<>();
        h.put(":exception-type", HeaderValue.fromString(type));
        h.put(":content-type", HeaderValue.fromString("application/json"));
        h.put(":message-type", HeaderValue.fromString("exception"));
        return bytes(new Message(h, ("{\"message\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8)));
    }

    private static byte[] bytes(Message m) {
        ByteBuffer b = m.toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
