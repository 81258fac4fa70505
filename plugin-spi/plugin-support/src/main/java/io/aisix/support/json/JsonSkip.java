package io.aisix.support.json;

/**
 * Validating JSON lexing over UTF-8 bytes, without allocation: each method takes the input, a
 * position and the end of the input, checks the JSON there and returns the position just past
 * what it read. They accept exactly what the gateway's Jackson factory (default features, default
 * {@code StreamReadConstraints}) accepts, so a scanner built on them (the provider kit's
 * {@code OpenAiScan}; {@link JsonTree}, which the kernel's request validator reads bodies with) can
 * find the few values it needs without tokenising every field name and string through Jackson,
 * yet still refuses every document Jackson refuses:
 *
 * <ul>
 *   <li>white space is space, tab, CR and LF only; no comments;
 *   <li>strings: no raw control character below 0x20; only the escapes {@code \" \\ \/ \b \f \n
 *       \r \t} and {@code \}{@code uXXXX} with four hex digits; well-formed UTF-8 (lead byte
 *       0xC2-0xF4 and its continuation bytes, no overlong form, no encoded surrogate, nothing
 *       past U+10FFFF), which Jackson 2.23's {@code UTF8StreamJsonParser} checks alike whether it
 *       skips a string or decodes it; in a field name, escaped surrogates must pair up;
 *   <li>numbers: the JSON grammar (no leading zeros, no {@code +}, no {@code NaN}/{@code
 *       Infinity}, a digit after {@code .} and after the exponent), at most {@value
 *       #MAX_NUMBER_LENGTH} digits (integer digits, or integer, fraction and exponent digits
 *       together for a float, as {@code StreamReadConstraints} counts them);
 *   <li>literals {@code true}, {@code false}, {@code null};
 *   <li>containers nested at most {@value #MAX_DEPTH} deep (the outermost one is depth 1), no
 *       trailing comma;
 *   <li>field names of at most {@value #MAX_NAME_LENGTH} bytes of UTF-8 once escapes are
 *       resolved (chars, for text scanned as its UTF-8 encoding: {@link #name}).
 * </ul>
 *
 * <p>Nothing here reads past the value it was asked for: what follows a document is the caller's
 * business (Jackson, asked for tokens up to the end of the outermost value, never reads on
 * either). A malformed input throws {@link MalformedJsonException} (without a stack trace: bad
 * upstream input is not a bug), which says why and at which byte offset.
 */
public final class JsonSkip {
    /** {@code StreamReadConstraints.DEFAULT_MAX_DEPTH}. */
    public static final int MAX_DEPTH = 1000;
    /** {@code StreamReadConstraints.DEFAULT_MAX_NUM_LEN}. */
    public static final int MAX_NUMBER_LENGTH = 1000;
    /** {@code StreamReadConstraints.DEFAULT_MAX_NAME_LEN}. */
    public static final int MAX_NAME_LENGTH = 50_000;

    private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
    private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
    private static final byte[] NULL = {'n', 'u', 'l', 'l'};

    private JsonSkip() {
    }

    /** Malformed JSON at {@link #offset()}; carries no stack trace. */
    public static final class MalformedJsonException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int offset;

        MalformedJsonException(String reason, int offset) {
            super(reason + " at byte " + offset, null, false, false);
            this.offset = offset;
        }

        /** The byte offset in the input where the problem was seen. */
        public int offset() {
            return offset;
        }
    }

    /** A {@link MalformedJsonException} for callers that lex a structure of their own. */
    public static MalformedJsonException malformed(String reason, int at) {
        return new MalformedJsonException(reason, at);
    }

    /** The first position at or after {@code i} that is not white space ({@code end} when none is). */
    public static int ws(byte[] b, int i, int end) {
        while (i < end) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return i;
            }
            i++;
        }
        return i;
    }

    /** Like {@link #ws} but the input must go on: the position of the next token's first byte. */
    public static int token(byte[] b, int i, int end) {
        i = ws(b, i, end);
        if (i >= end) {
            throw malformed("unexpected end of input", i);
        }
        return i;
    }

    /**
     * After a field name ending before {@code i}: white space, the colon, white space; the
     * position of the value's first byte.
     */
    public static int colon(byte[] b, int i, int end) {
        i = token(b, i, end);
        if (b[i] != ':') {
            throw malformed("expected ':' after a field name", i);
        }
        return token(b, i + 1, end);
    }

    /**
     * A string value whose opening quote is at {@code i - 1}: the position just past its closing
     * quote.
     */
    public static int string(byte[] b, int i, int end) {
        return string(b, i, end, false);
    }

    /**
     * A field name whose opening quote is at {@code i}: a string whose escaped surrogates come in
     * pairs (a high one, then an escaped low one: both Jackson parsers check that), at most
     * {@value #MAX_NAME_LENGTH} bytes of UTF-8 once its escapes are resolved, or chars when
     * {@code text} (the input is a Java string encoded to UTF-8 for the scan, which Jackson would
     * have read with its char parser). The position just past its closing quote.
     */
    public static int name(byte[] b, int i, int end, boolean text) {
        if (b[i] != '"') {
            throw malformed("expected '\"' to start a field name", i);
        }
        i++;
        int after = string(b, i, end, true);
        if (after - 1 - i > MAX_NAME_LENGTH && nameLength(b, i, after - 1, text) > MAX_NAME_LENGTH) {
            throw malformed("field name longer than " + MAX_NAME_LENGTH, i);
        }
        return after;
    }

    private static int string(byte[] b, int i, int end, boolean name) {
        for (;;) {
            if (i >= end) {
                throw malformed("unexpected end of input in a string", i);
            }
            int c = b[i++];
            if (c >= ' ') {
                if (c == '"') {
                    return i;
                }
                if (c == '\\') {
                    i = escape(b, i, end, name);
                }
            } else if (c >= 0) {
                throw malformed("unescaped control character in a string", i - 1);
            } else {
                i = utf8(b, i, end, c & 0xFF);
            }
        }
    }

    /**
     * The length of a name written in {@code b[i, end)} once its escapes are resolved: in UTF-8
     * bytes, or in chars ({@code chars}).
     */
    private static int nameLength(byte[] b, int i, int end, boolean chars) {
        int n = 0;
        while (i < end) {
            int c = b[i];
            if (c == '\\') {
                if (b[i + 1] == 'u') {
                    c = hex4(b, i + 2);
                    // an escaped surrogate pair is four bytes of UTF-8
                    n += chars || c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate((char) c) ? 2 : 3;
                    i += 6;
                } else {
                    n++;
                    i += 2;
                }
            } else {
                // in chars: a lead byte counts, a four-byte one twice (a surrogate pair), continuations not
                n += !chars ? 1 : (c & 0xC0) == 0x80 ? 0 : (c & 0xF8) == 0xF0 ? 2 : 1;
                i++;
            }
        }
        return n;
    }

    /** The escape whose backslash is at {@code i - 1}: the position after it. */
    private static int escape(byte[] b, int i, int end, boolean name) {
        if (i >= end) {
            throw malformed("unexpected end of input in an escape", i);
        }
        switch (b[i]) {
            case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> {
                return i + 1;
            }
            case 'u' -> {
                char c = unicodeEscape(b, i + 1, end);
                if (!name || !Character.isSurrogate(c)) {
                    return i + 5;
                }
                // a name's escaped surrogates must pair up: a high one, then an escaped low one
                if (Character.isLowSurrogate(c) || i + 6 >= end || b[i + 5] != '\\' || b[i + 6] != 'u'
                        || !Character.isLowSurrogate(unicodeEscape(b, i + 7, end))) {
                    throw malformed("broken surrogate pair in a field name", i);
                }
                return i + 11;
            }
            default -> throw malformed("unrecognised escape", i);
        }
    }

    /** The char of the four hex digits of a {@code \\u} escape at {@code i}. */
    private static char unicodeEscape(byte[] b, int i, int end) {
        for (int k = i; k < i + 4; k++) {
            if (k >= end) {
                throw malformed("unexpected end of input in an escape", k);
            }
            if (hex(b[k]) < 0) {
                throw malformed("expected a hex digit in a \\u escape", k);
            }
        }
        return (char) hex4(b, i);
    }

    private static int hex4(byte[] b, int i) {
        return hex(b[i]) << 12 | hex(b[i + 1]) << 8 | hex(b[i + 2]) << 4 | hex(b[i + 3]);
    }

    private static int hex(int c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        c |= 0x20;
        return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    }

    /**
     * The rest of a multi-byte character whose lead byte {@code lead} is at {@code i - 1}: it
     * must be well-formed (no overlong form, no encoded surrogate, nothing past U+10FFFF).
     */
    private static int utf8(byte[] b, int i, int end, int lead) {
        int more = lead < 0xC2 ? -1 : lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : lead < 0xF5 ? 3 : -1;
        if (more < 0) {
            throw malformed("invalid UTF-8 start byte", i - 1);
        }
        for (int k = 0; k < more; k++, i++) {
            if (i >= end) {
                throw malformed("unexpected end of input in a UTF-8 character", i);
            }
            int c = b[i] & 0xFF;
            if ((c & 0xC0) != 0x80) {
                throw malformed("invalid UTF-8 continuation byte", i);
            }
            if (k == 0 && (lead == 0xE0 && c < 0xA0 || lead == 0xED && c >= 0xA0
                    || lead == 0xF0 && c < 0x90 || lead == 0xF4 && c >= 0x90)) {
                throw malformed("overlong, surrogate or out-of-range UTF-8 character", i);
            }
        }
        return i;
    }

    /** A number starting at {@code i} (a {@code -} or a digit): the position just past it. */
    public static int number(byte[] b, int i, int end) {
        return number(b, i, end, MAX_NUMBER_LENGTH);
    }

    /** {@link #number} with at most {@code maxLength} digits, counted as {@code StreamReadConstraints} counts them. */
    public static int number(byte[] b, int i, int end, int maxLength) {
        int start = i;
        if (b[i] == '-') {
            i++;
        }
        int digits = i;
        if (i >= end) {
            throw malformed("unexpected end of input in a number", i);
        }
        if (b[i] == '0') {
            i++;
            if (i < end && digit(b[i])) {
                throw malformed("leading zeros are not allowed", start);
            }
        } else if (digit(b[i])) {
            i = digits(b, i + 1, end);
        } else {
            throw malformed("expected a digit", i);
        }
        int length = i - digits;
        if (i < end && b[i] == '.') {
            int fraction = i + 1;
            i = digits(b, fraction, end);
            if (i == fraction) {
                throw malformed("decimal point not followed by a digit", i);
            }
            length += i - fraction;
        }
        if (i < end && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < end && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int exponent = i;
            i = digits(b, exponent, end);
            if (i == exponent) {
                throw malformed("exponent not followed by a digit", i);
            }
            length += i - exponent;
        }
        if (length > maxLength) {
            throw malformed("number longer than " + maxLength + " digits", start);
        }
        return i;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static int digits(byte[] b, int i, int end) {
        while (i < end && digit(b[i])) {
            i++;
        }
        return i;
    }

    private static int literal(byte[] b, int i, int end, byte[] word) {
        if (i + word.length > end) {
            throw malformed("unexpected end of input in a literal", i);
        }
        for (int k = 0; k < word.length; k++) {
            if (b[i + k] != word[k]) {
                throw malformed("unrecognised token", i);
            }
        }
        return i + word.length;
    }

    /**
     * Any value whose first byte is at {@code i} (no white space before it), inside containers
     * nested {@code depth} deep (0 for a document's outermost value); {@code text} as for
     * {@link #name}: the position just past it.
     */
    public static int value(byte[] b, int i, int end, int depth, boolean text) {
        if (i >= end) {
            throw malformed("unexpected end of input, expected a value", i);
        }
        return switch (b[i]) {
            case '"' -> string(b, i + 1, end, false);
            case '{' -> object(b, i + 1, end, depth + 1, text);
            case '[' -> array(b, i + 1, end, depth + 1, text);
            case 't' -> literal(b, i, end, TRUE);
            case 'f' -> literal(b, i, end, FALSE);
            case 'n' -> literal(b, i, end, NULL);
            case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> number(b, i, end);
            default -> throw malformed("unexpected character, expected a value", i);
        };
    }

    /**
     * Checks that a container nested {@code depth} deep (the outermost is 1) may be opened at
     * {@code at}.
     */
    public static void depth(int depth, int at) {
        depth(depth, at, MAX_DEPTH);
    }

    /** {@link #depth(int, int)} with at most {@code max} levels. */
    public static void depth(int depth, int at, int max) {
        if (depth > max) {
            throw malformed("nesting deeper than " + max, at);
        }
    }

    /** The members of an object whose {@code {} is at {@code i - 1}, nested {@code depth} deep. */
    private static int object(byte[] b, int i, int end, int depth, boolean text) {
        depth(depth, i - 1);
        i = token(b, i, end);
        if (b[i] == '}') {
            return i + 1;
        }
        for (;;) {
            i = colon(b, name(b, i, end, text), end);
            i = value(b, i, end, depth, text);
            i = afterMember(b, i, end, '}');
            if (i < 0) {
                return -i;
            }
        }
    }

    /** The elements of an array whose {@code [} is at {@code i - 1}, nested {@code depth} deep. */
    private static int array(byte[] b, int i, int end, int depth, boolean text) {
        depth(depth, i - 1);
        i = token(b, i, end);
        if (b[i] == ']') {
            return i + 1;
        }
        for (;;) {
            i = value(b, i, end, depth, text);
            i = afterMember(b, i, end, ']');
            if (i < 0) {
                return -i;
            }
        }
    }

    /**
     * After a member of a container closed by {@code close}: the position of the next member's
     * first byte after a comma, or minus the position just past the closing bracket.
     */
    public static int afterMember(byte[] b, int i, int end, char close) {
        i = token(b, i, end);
        byte c = b[i];
        if (c == ',') {
            return token(b, i + 1, end);
        }
        if (c == close) {
            return -(i + 1);
        }
        throw malformed("expected ',' or '" + close + "'", i);
    }

    /**
     * Whether the field name that {@link #name} read from {@code start} (its opening quote) to
     * {@code end} (just past its closing quote) is {@code ascii} once its escapes are resolved (a name whose
     * letters are {@code \}{@code u} escapes is that name, as Jackson reads it).
     */
    public static boolean nameEquals(byte[] b, int start, int end, byte[] ascii) {
        int k = 0;
        int i = start + 1;
        end--;
        while (i < end && k < ascii.length) {
            int c = b[i++];
            if (c == '\\') {
                c = b[i++];
                switch (c) {
                    case 'b' -> c = '\b';
                    case 'f' -> c = '\f';
                    case 'n' -> c = '\n';
                    case 'r' -> c = '\r';
                    case 't' -> c = '\t';
                    case 'u' -> {
                        c = hex4(b, i);
                        i += 4;
                    }
                    default -> {
                        // '"', '\\' and '/' stand for themselves
                    }
                }
            }
            // a non-ASCII byte (negative here) never matches: names are strict UTF-8, no overlong forms
            if (c != ascii[k++]) {
                return false;
            }
        }
        return i == end && k == ascii.length;
    }
}
