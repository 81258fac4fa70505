package io.aisix.plugin.guardrailpii;

import io.aisix.spi.guardrail.GuardrailCheck;
import io.aisix.support.guardrail.BoundedText;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Logger;

/**
 * The compiled detectors of one {@code pii} guardrail. Every detector runs over the original text;
 * any match of a blocking detector refuses the text; otherwise overlapping matches are resolved
 * (earliest start, then longest, then detector priority) and each surviving match is replaced by
 * its detector's mask ({@code [<NAME>_REDACTED]} or a custom pattern's {@code replacement}) in one
 * pass, so one mask never hides or splits another's input.
 * An operator pattern that exhausts its read budget refuses the text (fail closed).
 */
final class PiiCheck implements GuardrailCheck {
    private static final Logger LOG = Logger.getLogger(PiiCheck.class.getName());
    private static final Comparator<Detector.Span> ORDER = Comparator.comparingInt(Detector.Span::start)
            .thenComparing(Comparator.comparingInt(Detector.Span::end).reversed())
            .thenComparingInt(s -> s.detector().priority());

    private final String name;
    private final List<Detector> detectors;
    private final long maxBufferBytes;
    private final boolean failClosed;

    PiiCheck(String name, List<Detector> detectors) {
        this(name, detectors, PiiGuardrailKind.DEFAULT_MAX_BUFFER_BYTES, true);
    }

    /**
     * @param maxBufferBytes the most streamed output text (UTF-8 bytes) scanned in one stream
     * @param failClosed     past it: end the stream ({@code fail_closed}) or stop scanning it
     */
    PiiCheck(String name, List<Detector> detectors, long maxBufferBytes, boolean failClosed) {
        this.name = name;
        this.detectors = detectors;
        this.maxBufferBytes = maxBufferBytes;
        this.failClosed = failClosed;
    }

    @Override
    public java.util.OptionalLong maxStreamBytes() {
        return java.util.OptionalLong.of(maxBufferBytes);
    }

    @Override
    public boolean failClosedPastBuffer() {
        return failClosed;
    }

    @Override
    public Verdict check(String text, Phase phase) {
        List<Detector.Span> spans = new ArrayList<>();
        int digits = digits(text);
        for (Detector d : detectors) {
            if (!d.gate().open(text, digits)) {
                continue;
            }
            int before = spans.size();
            try {
                d.find(text, spans);
            } catch (BoundedText.Exhausted e) {
                LOG.warning("guardrail '" + name + "': custom pattern '" + d.label()
                        + "' exceeded its evaluation budget on a " + text.length() + "-character text; the text is refused");
                return Verdict.block(text);
            }
            if (d.block() && spans.size() > before) {
                return Verdict.block(text);
            }
        }
        if (spans.isEmpty()) {
            return Verdict.pass(text);
        }
        spans.sort(ORDER);
        StringBuilder out = new StringBuilder(text.length());
        int at = 0;
        for (Detector.Span s : spans) {
            if (s.start() < at) {
                continue;
            }
            out.append(text, at, s.start()).append(s.detector().maskWith());
            at = s.end();
        }
        out.append(text, at, text.length());
        return new Verdict(true, false, out.toString());
    }

    private static int digits(String text) {
        int n = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c >= '0' && c <= '9') {
                n++;
            }
        }
        return n;
    }
}
