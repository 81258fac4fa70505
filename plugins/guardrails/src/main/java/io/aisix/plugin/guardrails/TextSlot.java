package io.aisix.plugin.guardrails;

import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

/**
 * One place in a JSON tree that holds text a guardrail inspects (a message's content, a text
 * part, tool-call arguments), which can be rewritten in place when a guardrail masks.
 */
abstract sealed class TextSlot permits TextSlot.Field, TextSlot.Element, TextSlot.Item {
    private String text;

    TextSlot(String text) {
        this.text = text;
    }

    final String text() {
        return text;
    }

    /** Replaces the text here and in the tree. */
    final void set(String replacement) {
        this.text = replacement;
        write(replacement);
    }

    abstract void write(String replacement);

    /** A string field of an object. */
    static final class Field extends TextSlot {
        final ObjectNode holder;
        final String name;

        Field(ObjectNode holder, String name) {
            super(holder.get(name).asText());
            this.holder = holder;
            this.name = name;
        }

        @Override
        void write(String replacement) {
            holder.put(name, replacement);
        }
    }

    /** A string element of an array. */
    static final class Element extends TextSlot {
        private final ArrayNode array;
        private final int index;

        Element(ArrayNode array, int index) {
            super(array.get(index).asText());
            this.array = array;
            this.index = index;
        }

        @Override
        void write(String replacement) {
            array.set(index, TextNode.valueOf(replacement));
        }
    }

    /** An entry of a plain list of texts (a {@link io.aisix.spi.guardrail.TextGuard} call). */
    static final class Item extends TextSlot {
        private final List<String> list;
        private final int index;

        Item(List<String> list, int index) {
            super(list.get(index));
            this.list = list;
            this.index = index;
        }

        @Override
        void write(String replacement) {
            list.set(index, replacement);
        }
    }
}
