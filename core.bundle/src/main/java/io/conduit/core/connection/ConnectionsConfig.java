package io.conduit.core.connection;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

// DS maps a method name's "__" to "_" (and a single "_" to "."), so idle__timeout() reads the key
// idle_timeout: the same snake_case keys operators write everywhere else.
/** Configuration of the connection pool, PID {@value ConnectionManager#PID} ({@code etc/io.conduit.connections.cfg}). */
@ObjectClassDefinition(name = "Conduit connections", description = "How open connections are reused, kept and drained.")
public @interface ConnectionsConfig {

    /** @return seconds an unused connection stays open */
    @AttributeDefinition(name = "Idle timeout", description = "Seconds an unused connection stays open before it"
            + " is closed. 0 closes connections at the end of each run.")
    long idle__timeout() default 600;

    /** @return seconds in-flight calls get when their plugin goes away */
    @AttributeDefinition(name = "Drain grace", description = "Seconds that calls in flight may take to finish"
            + " when their plugin is stopped or upgraded, before their connections are closed under them.")
    long drain__grace() default 30;

    /** @return seconds within which a connection that just worked is reused without a liveness probe */
    @AttributeDefinition(name = "Alive check after", description = "A connection whose last call succeeded less"
            + " than this many seconds ago is reused without asking the plugin isAlive() first (a probe costs a"
            + " round trip per host: an SSH channel). 0 probes before every reuse.")
    double alive__check__after() default 2;

    /** @return seconds a call waits for a missing plugin */
    @AttributeDefinition(name = "Plugin wait", description = "Seconds a host waits for a plugin of the name it"
            + " needs to appear (during an upgrade the old one is briefly gone) before failing.")
    long plugin__wait() default 15;
}
