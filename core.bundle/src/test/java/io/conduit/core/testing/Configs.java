package io.conduit.core.testing;

import java.lang.annotation.Annotation;

import java.nio.file.Path;

import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.connection.ConnectionsConfig;
import io.conduit.core.run.RunnerConfig;
import io.conduit.core.source.InventoryCatalog;
import io.conduit.core.source.InventoryService;

/** Configuration annotation instances for components constructed with {@code new}. */
public final class Configs {
    private Configs() {
    }

    public static ConnectionsConfig connections(long idle, long grace, long wait) {
        return connections(idle, grace, wait, 0);
    }

    public static ConnectionsConfig connections(long idle, long grace, long wait, double aliveCheckAfter) {
        return new ConnectionsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ConnectionsConfig.class;
            }

            @Override
            public long idle__timeout() {
                return idle;
            }

            @Override
            public long drain__grace() {
                return grace;
            }

            @Override
            public long plugin__wait() {
                return wait;
            }

            @Override
            public double alive__check__after() {
                return aliveCheckAfter;
            }
        };
    }

    /** The inventories of a test: files, {@code inventory} by default, hosts that name no plugin use "fake". */
    public static InventoryService inventories(ConnectionManager connections, Path inventory) {
        return new InventoryService(new InventoryCatalog(), connections::declaredOptions, inventory.toString(),
                "fake", null);
    }

    public static RunnerConfig runner(int forks, long hostTimeout, long outputLimit, String inventory) {
        return new RunnerConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return RunnerConfig.class;
            }

            @Override
            public int forks() {
                return forks;
            }

            @Override
            public long host__timeout() {
                return hostTimeout;
            }

            @Override
            public long output__limit() {
                return outputLimit;
            }

            @Override
            public String inventory() {
                return inventory;
            }

            @Override
            public String default__connection() {
                return "fake";
            }
        };
    }
}
