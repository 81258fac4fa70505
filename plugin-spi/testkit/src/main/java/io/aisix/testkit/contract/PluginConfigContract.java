package io.aisix.testkit.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.aisix.spi.PluginConfig;
import io.aisix.spi.StartupException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The {@link PluginConfig} contract as tests. A plugin with start-up configuration extends this
 * class with its declaration:
 *
 * <ul>
 *   <li>the declaration is in {@code META-INF/services/io.aisix.spi.PluginConfig} and its
 *       {@link PluginConfig#pluginId()} is the plugin's folder name;</li>
 *   <li>the record, and every record nested in it, is public with a public canonical constructor
 *       (the kernel's binder constructs it from another class loader) and has no primitive
 *       components (a missing key binds as {@code null});</li>
 *   <li>an empty section binds to the defaults: the canonical constructor accepts all
 *       {@code null}s, and {@link PluginConfig#check} accepts the result.</li>
 * </ul>
 *
 * @param <C> the configuration record
 */
public abstract class PluginConfigContract<C extends Record> {

    /** The plugin's declaration, as {@link java.util.ServiceLoader} makes it. */
    protected abstract PluginConfig<C> declaration();

    /** The plugin's folder under {@code plugins/}: by default the folder the tests run in (the module's). */
    protected String pluginFolder() {
        return Checks.moduleFolder();
    }

    @Test
    public void registeredForServiceLoaderUnderTheFolderName() {
        PluginConfig<C> d = declaration();
        assertEquals(pluginFolder(), d.pluginId(), "pluginId() must be the plugin's folder name: its section is "
                + "plugins.<folder>");
        Checks.assertRegistered(PluginConfig.class, d.getClass());
    }

    @Test
    public void theRecordIsOneTheKernelCanBind() {
        assertBindable(declaration().type(), "plugins." + declaration().pluginId());
    }

    @Test
    public void anEmptySectionBindsToDefaultsThatPassTheChecks() {
        PluginConfig<C> d = declaration();
        C defaults = empty(d.type());
        try {
            d.check(defaults);
        } catch (StartupException e) {
            fail("check() refuses the defaults (an absent plugins." + d.pluginId() + " section): " + e.getMessage(), e);
        }
    }

    private static void assertBindable(Class<?> type, String key) {
        assertTrue(type.isRecord(), key + ": " + type.getName() + " is not a record");
        assertTrue(Modifier.isPublic(type.getModifiers()), key + ": record " + type.getName() + " is not public");
        Constructor<?> canonical = canonical(type);
        assertTrue(Modifier.isPublic(canonical.getModifiers()), key + ": the canonical constructor of "
                + type.getName() + " is not public");
        for (RecordComponent c : type.getRecordComponents()) {
            assertFalse(c.getType().isPrimitive(), key + "." + c.getName() + " is a " + c.getType()
                    + ": a missing key binds as null, use the boxed type and default it in the constructor");
            if (c.getType().isRecord()) {
                assertBindable(c.getType(), key + "." + c.getName());
            }
        }
    }

    private static <R> R empty(Class<R> type) {
        Constructor<?> canonical = canonical(type);
        try {
            return type.cast(canonical.newInstance(new Object[canonical.getParameterCount()]));
        } catch (InvocationTargetException e) {
            throw new AssertionError("an empty section (every key null) does not bind: " + type.getSimpleName()
                    + "'s constructor threw " + e.getCause() + "; fill defaults in the compact constructor", e.getCause());
        } catch (IllegalArgumentException e) {
            throw new AssertionError("an empty section (every key null) does not bind: " + type.getSimpleName()
                    + " has a primitive component", e);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot construct " + type.getName() + ": " + e, e);
        }
    }

    private static Constructor<?> canonical(Class<?> type) {
        Class<?>[] types = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getType).toArray(Class<?>[]::new);
        try {
            return type.getDeclaredConstructor(types);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(type.getName() + " has no canonical constructor", e);
        }
    }
}
