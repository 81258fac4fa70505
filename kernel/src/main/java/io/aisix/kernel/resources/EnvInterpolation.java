package io.aisix.kernel.resources;

import java.util.List;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ${NAME}} in a string scalar is replaced by the environment variable {@code NAME}
 * (letters, digits and {@code _}, not starting with a digit); {@code $${} writes a literal
 * {@code ${}. A variable that is not set is an error at the scalar's line, never an empty string:
 * a provider key that silently became empty would only fail at request time. Values are never
 * echoed in messages, since they are usually secrets.
 */
final class EnvInterpolation implements LocatedYaml.Strings {
    private static final Pattern REF = Pattern.compile("\\$\\$\\{|\\$\\{([^}]*)}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final Function<String, String> env;

    EnvInterpolation(Function<String, String> env) {
        this.env = env;
    }

    @Override
    public String apply(String pointer, LocatedYaml.Location at, String value, List<LocatedYaml.Problem> problems) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        Matcher m = REF.matcher(value);
        StringBuilder out = new StringBuilder(value.length());
        while (m.find()) {
            String replacement;
            if (m.group(1) == null) {
                replacement = "${";
            } else if (!NAME.matcher(m.group(1)).matches()) {
                problems.add(new LocatedYaml.Problem(pointer, at, "'${" + m.group(1)
                        + "}' is not a valid environment variable reference (${NAME}, NAME of letters, digits and _)"));
                replacement = m.group();
            } else {
                String v = env.apply(m.group(1));
                if (v == null) {
                    problems.add(new LocatedYaml.Problem(pointer, at, "environment variable " + m.group(1)
                            + " is not set"));
                    replacement = "";
                } else {
                    replacement = v;
                }
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }
}
