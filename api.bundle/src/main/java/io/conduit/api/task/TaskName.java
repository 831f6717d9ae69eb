package io.conduit.api.task;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.osgi.service.component.annotations.ComponentPropertyType;

/**
 * Component property type that names a task plugin: {@code @Component @TaskName("file")} registers the service
 * property {@value Task#NAME} {@code = "file"}. DS derives the key {@code task.name} from the simple name (OSGi
 * Compendium 112.8.2.1) and {@link #PREFIX_} makes it {@code conduit.task.name}. Since 1.5.
 */
@ComponentPropertyType
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.TYPE)
public @interface TaskName {
    /** Prefix DS puts before the derived property name. */
    String PREFIX_ = "conduit.";

    /**
     * The task's name as runbooks and {@code conduit:task} refer to it: lower case letters, digits, {@code -}
     * and {@code _}, starting with a letter.
     *
     * @return the task name
     */
    String value();
}
