package io.conduit.core.run;

import java.time.Duration;

import io.conduit.api.task.RunOptions;

/**
 * The runner's validated defaults.
 *
 * @param forks hosts at once
 * @param hostTimeout time per host
 * @param outputLimit bytes kept per stream
 * @param inventory default inventory as configured ({@link io.conduit.api.inventory.Inventories#defaultInventory()}
 *        reads it from the Conduit home)
 * @param defaultConnection plugin for hosts that name none
 */
record RunSettings(int forks, Duration hostTimeout, long outputLimit, String inventory, String defaultConnection) {

    static RunSettings from(RunnerConfig config) {
        if (config.forks() < 1) {
            throw bad("forks", config.forks(), "use a number of hosts, at least 1");
        }
        if (config.host__timeout() < 1) {
            throw bad("host_timeout", config.host__timeout(), "use seconds, at least 1");
        }
        if (config.output__limit() < 0) {
            throw bad("output_limit", config.output__limit(), "use a number of bytes, 0 or more");
        }
        if (config.inventory() == null || config.inventory().isBlank()) {
            throw bad("inventory", config.inventory(), "name an inventory file");
        }
        if (config.default__connection() == null || config.default__connection().isBlank()) {
            throw bad("default_connection", config.default__connection(), "name a connection plugin, e.g. ssh");
        }
        return new RunSettings(config.forks(), Duration.ofSeconds(config.host__timeout()), config.output__limit(),
                config.inventory().trim(), config.default__connection().trim());
    }

    /**
     * Fills the options' unset fields with these defaults.
     *
     * @param defaultInventory the inventory of callers that name none, resolved by the inventories service
     */
    RunOptions apply(RunOptions options, String defaultInventory) {
        RunOptions o = options == null ? RunOptions.defaults() : options;
        return new RunOptions(o.inventory() != null ? o.inventory() : defaultInventory,
                o.forks() != null ? o.forks() : forks, o.hostTimeout() != null ? o.hostTimeout() : hostTimeout,
                o.outputLimit() != null ? o.outputLimit() : outputLimit, o.verbosity() != null ? o.verbosity() : 0,
                o.checkMode(), o.diffMode());
    }

    private static IllegalArgumentException bad(String key, Object value, String what) {
        return new IllegalArgumentException(ForkingRunner.PID + ": " + key + ": \"" + value + "\" is not valid; " + what);
    }
}
