package io.aisix.kernel.config;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The constraints of one startup setting, on its {@link GatewayConfig} record component. The
 * loader enforces them ({@link ConfigLoader}) and {@link ConfigSchema} publishes them, so the two
 * cannot disagree. On a list the constraints apply to each element.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Setting {
    /** What the setting is for, shown by editors. */
    String description() default "";

    /** The allowed values, if the setting is one of a few words. */
    String[] oneOf() default {};

    /** Whether {@link #oneOf} ignores case. */
    boolean ignoreCase() default false;

    /** The smallest allowed value of a number. */
    long min() default Long.MIN_VALUE;

    /** A pattern the text must match (a search, as in JSON Schema). */
    String pattern() default "";

    /** The reason given when {@link #pattern} does not match; {@code %s} is the value. */
    String patternMessage() default "";
}
