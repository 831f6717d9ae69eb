package io.conduit.core.testing;

import java.lang.annotation.Annotation;

import io.conduit.core.connection.ConnectionsConfig;
import io.conduit.core.run.RunnerConfig;

/** Configuration annotation instances for components constructed with {@code new}. */
public final class Configs {
    private Configs() {
    }

    public static ConnectionsConfig connections(long idle, long grace, long wait) {
        return new ConnectionsConfig() {
            @Override
            public Class<? extends Annotation> annotationType() {
                return ConnectionsConfig.class;
            }

            @Override
            public long idle_timeout() {
                return idle;
            }

            @Override
            public long drain_grace() {
                return grace;
            }

            @Override
            public long plugin_wait() {
                return wait;
            }
        };
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
            public long host_timeout() {
                return hostTimeout;
            }

            @Override
            public long output_limit() {
                return outputLimit;
            }

            @Override
            public String inventory() {
                return inventory;
            }

            @Override
            public String default_connection() {
                return "fake";
            }
        };
    }
}
