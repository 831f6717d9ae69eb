package io.conduit.api.inventory;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type that names an inventory source: {@code @InventorySourceName("docker")} registers
 * {@value InventorySource#NAME} {@code = "docker"}.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface InventorySourceName {
    /** Prefix DS puts before the derived name {@code inventory.source.name}. */
    String PREFIX_ = "conduit.";

    /** @return the source's name, used as {@code -i NAME:ARGUMENT} in the shell */
    String value();
}
