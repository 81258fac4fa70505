package io.aisix.kernel.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * {@code proxy.url_rewrites} compiled: the first rule whose {@code match} is found in the raw
 * request path replaces that match with its {@code rewrite}, once (no rule sees another's result);
 * the query string is not part of the path and stays as sent.
 *
 * <p>Templates follow AISIX's: {@code $$} is a dollar sign, {@code ${name}} a group by name or
 * number, a bare {@code $name} takes the longest run of {@code [0-9A-Za-z_]} as the name (so
 * {@code $1x} is the group {@code 1x}: write {@code ${1}x}), and a {@code $} followed by anything
 * else is a dollar sign. {@link #compile} refuses what would rewrite traffic somewhere unintended:
 * a regex that does not compile or matches the empty path, a reference to a group the regex does
 * not define, and {@code ?}, {@code #}, white space or control characters in a template. Rust's
 * {@code (?P<name>...)} group syntax is read as Java's {@code (?<name>...)}.
 */
public final class UrlRewrites {
    /** A piece of a template: literal text, or a group (by number when {@code index >= 0}, else by name). */
    private record Part(String literal, int index, String name) {
    }

    private record Rule(String label, Pattern pattern, List<Part> parts) {
    }

    /** A rewrite that fired: the new path and the rule's label (its name, else its position). */
    public record Result(String path, String rule) {
    }

    private static final UrlRewrites NONE = new UrlRewrites(List.of());

    private final List<Rule> rules;

    private UrlRewrites(List<Rule> rules) {
        this.rules = rules;
    }

    /** No rule: every path stays. */
    public static UrlRewrites none() {
        return NONE;
    }

    /** Compiles the rules; a {@link ConfigException} names {@code proxy.url_rewrites[i].match|rewrite}. */
    public static UrlRewrites compile(List<GatewayConfig.UrlRewrite> settings) {
        if (settings.isEmpty()) {
            return NONE;
        }
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < settings.size(); i++) {
            GatewayConfig.UrlRewrite s = settings.get(i);
            String key = "proxy.url_rewrites[" + i + "]";
            if (s == null || s.match() == null || s.match().isEmpty()) {
                throw new ConfigException(key + ".match", "is required");
            }
            if (s.rewrite() == null) {
                throw new ConfigException(key + ".rewrite", "is required");
            }
            Pattern p;
            try {
                p = Pattern.compile(s.match().replace("(?P<", "(?<"));
            } catch (PatternSyntaxException e) {
                throw new ConfigException(key + ".match", "is not a valid regex (" + e.getDescription() + " near index "
                        + e.getIndex() + ")");
            }
            if (p.matcher("").find()) {
                throw new ConfigException(key + ".match", "matches the empty path, so it would rewrite every request");
            }
            String label = s.name() == null || s.name().isBlank() ? "#" + i : s.name();
            rules.add(new Rule(label, p, template(key + ".rewrite", s.rewrite(), p)));
        }
        return new UrlRewrites(List.copyOf(rules));
    }

    /** The rewritten path when a rule matches {@code rawPath}. */
    public Optional<Result> apply(String rawPath) {
        for (Rule r : rules) {
            Matcher m = r.pattern().matcher(rawPath);
            if (m.find()) {
                StringBuilder out = new StringBuilder(rawPath.length() + 16).append(rawPath, 0, m.start());
                for (Part part : r.parts()) {
                    if (part.literal() != null) {
                        out.append(part.literal());
                    } else {
                        String g = part.index() >= 0 ? m.group(part.index()) : m.group(part.name());
                        out.append(g == null ? "" : g);
                    }
                }
                return Optional.of(new Result(out.append(rawPath, m.end(), rawPath.length()).toString(), r.label()));
            }
        }
        return Optional.empty();
    }

    public boolean isEmpty() {
        return rules.isEmpty();
    }

    private static List<Part> template(String key, String t, Pattern p) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (c == '?' || c == '#' || Character.isWhitespace(c) || Character.isISOControl(c)) {
                throw new ConfigException(key, "must not contain '?', '#', white space or control characters (the query "
                        + "string is kept as sent)");
            }
        }
        Map<String, Integer> names = p.namedGroups();
        int groups = p.matcher("").groupCount();
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < t.length()) {
            char c = t.charAt(i);
            if (c != '$') {
                literal.append(c);
                i++;
                continue;
            }
            String ref;
            if (i + 1 < t.length() && t.charAt(i + 1) == '$') {
                literal.append('$');
                i += 2;
                continue;
            } else if (i + 1 < t.length() && t.charAt(i + 1) == '{') {
                int close = t.indexOf('}', i + 2);
                if (close < 0) {
                    throw new ConfigException(key, "has an unterminated ${...} group reference");
                }
                ref = t.substring(i + 2, close);
                i = close + 1;
            } else {
                int end = i + 1;
                while (end < t.length() && (Character.isLetterOrDigit(t.charAt(end)) && t.charAt(end) < 128
                        || t.charAt(end) == '_')) {
                    end++;
                }
                if (end == i + 1) {
                    literal.append('$'); // a lone dollar sign is text
                    i++;
                    continue;
                }
                ref = t.substring(i + 1, end);
                i = end;
            }
            Part part = group(key, ref, names, groups);
            if (!literal.isEmpty()) {
                parts.add(new Part(literal.toString(), -1, null));
                literal.setLength(0);
            }
            parts.add(part);
        }
        if (!literal.isEmpty()) {
            parts.add(new Part(literal.toString(), -1, null));
        }
        return List.copyOf(parts);
    }

    private static Part group(String key, String ref, Map<String, Integer> names, int groups) {
        if (!ref.isEmpty() && ref.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
            int index;
            try {
                index = Integer.parseInt(ref);
            } catch (NumberFormatException e) {
                index = Integer.MAX_VALUE;
            }
            if (index <= groups) {
                return new Part(null, index, null);
            }
        } else if (names.containsKey(ref)) {
            return new Part(null, -1, ref);
        }
        throw new ConfigException(key, "references capture group '" + ref + "', which the match does not define"
                + (ref.length() > 1 && Character.isDigit(ref.charAt(0)) ? " (write ${N}text to follow group N with text)"
                : ""));
    }
}
