package io.conduit.core.run;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

import io.conduit.core.source.InventoriesConfig;

// DS maps a method name's "__" to "_" (and a single "_" to "."), so idle__timeout() reads the key
// idle_timeout: the same snake_case keys operators write everywhere else.
/**
 * Runner defaults, PID {@value ForkingRunner#PID} ({@code etc/io.conduit.runner.cfg}). {@code inventory} and
 * {@code default_connection} are read by the inventories service too ({@link InventoriesConfig}).
 */
@ObjectClassDefinition(name = "Conduit runner", description = "Defaults for conduit:run, put, fetch and ping.")
public @interface RunnerConfig {

    /** @return hosts worked on at once */
    @AttributeDefinition(name = "Forks", description = "How many hosts to work on at once (-f).")
    int forks() default 50;

    /** @return seconds a host may take */
    @AttributeDefinition(name = "Host timeout", description = "Seconds one host may take in all, connecting"
            + " included (-t). The host fails with 'timed out' when it passes; the others go on.")
    long host__timeout() default 300;

    /** @return bytes kept per stream per host */
    @AttributeDefinition(name = "Output limit", description = "Bytes of stdout and of stderr kept per host; the"
            + " rest is counted and dropped, and the result says it was truncated.")
    long output__limit() default 1048576;

    /** @return the default inventory */
    @AttributeDefinition(name = "Inventory", description = "The inventory used when a command has no -i: a"
            + " YAML/JSON file, a directory in Nornir's layout, or SOURCE:ARGUMENT. Relative paths are read from"
            + " the Conduit home directory.")
    String inventory() default InventoriesConfig.DEFAULT_INVENTORY;

    /** @return plugin for hosts that name none */
    @AttributeDefinition(name = "Default connection", description = "The connection plugin of hosts whose"
            + " inventory names none (no 'connection' on the host, its groups or the defaults).")
    String default__connection() default InventoriesConfig.DEFAULT_CONNECTION;
}
