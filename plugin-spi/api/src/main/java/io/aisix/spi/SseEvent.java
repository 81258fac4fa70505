package io.aisix.spi;

import java.util.Objects;

/**
 * One server-sent event. {@code event} is empty for unnamed events; {@code data} is the payload
 * (normally one JSON document) without the {@code data: } prefix.
 *
 * @param event the event name ({@code event:} line); empty for an unnamed event
 * @param data  the payload; several lines are sent as several {@code data:} lines
 */
public record SseEvent(String event, String data) {
    /**
     * Checks the event.
     *
     * @throws NullPointerException when {@code event} or {@code data} is {@code null}
     */
    public SseEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(data, "data");
    }

    /** An unnamed event carrying {@code data}. */
    public static SseEvent data(String data) {
        return new SseEvent("", data);
    }
}
