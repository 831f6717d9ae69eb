package io.conduit.core.connection;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/** Configuration of the connection pool, PID {@value ConnectionManager#PID} ({@code etc/io.conduit.connections.cfg}). */
@ObjectClassDefinition(name = "Conduit connections", description = "How open connections are reused, kept and drained.")
public @interface ConnectionsConfig {

    /** @return seconds an unused connection stays open */
    @AttributeDefinition(name = "Idle timeout", description = "Seconds an unused connection stays open before it"
            + " is closed. 0 closes connections at the end of each run.")
    long idle_timeout() default 600;

    /** @return seconds in-flight calls get when their plugin goes away */
    @AttributeDefinition(name = "Drain grace", description = "Seconds that calls in flight may take to finish"
            + " when their plugin is stopped or upgraded, before their connections are closed under them.")
    long drain_grace() default 30;

    /** @return seconds a call waits for a missing plugin */
    @AttributeDefinition(name = "Plugin wait", description = "Seconds a host waits for a plugin of the name it"
            + " needs to appear (during an upgrade the old one is briefly gone) before failing.")
    long plugin_wait() default 15;
}
