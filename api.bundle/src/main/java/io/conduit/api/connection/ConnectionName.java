package io.conduit.api.connection;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type that names a connection plugin: {@code @Component @ConnectionName("ssh")} registers
 * the service property {@value ConnectionPlugin#NAME} {@code = "ssh"}.
 *
 * <p>DS derives the key of a single-element annotation from its simple name (OSGi Compendium 112.8.2.1):
 * {@code ConnectionName} becomes {@code connection.name}, and {@link #PREFIX_} makes it
 * {@code conduit.connection.name}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface ConnectionName {
    /** Prefix DS puts before the derived property name. */
    String PREFIX_ = "conduit.";

    /**
     * The plugin's name as hosts refer to it ({@code connection: ssh}): lower case letters, digits, {@code -}
     * and {@code _}, starting with a letter.
     *
     * @return the plugin name
     */
    String value();
}
