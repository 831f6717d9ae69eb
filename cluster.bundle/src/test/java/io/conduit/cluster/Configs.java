package io.conduit.cluster;

import java.lang.annotation.Annotation;

/** Configurations as DS would make them from a {@code .cfg} file. */
final class Configs {
    private Configs() {
    }

    static ClusterConfig of(boolean enabled, String name, String[] members, String bind, int port, String key, int hb,
            int hours) {
        return new ClusterConfig() {
            @Override public Class<? extends Annotation> annotationType() { return ClusterConfig.class; }
            @Override public boolean enabled() { return enabled; }
            @Override public String cluster__name() { return name; }
            @Override public String[] members() { return members; }
            @Override public String bind__address() { return bind; }
            @Override public int port() { return port; }
            @Override public String key__file() { return key; }
            @Override public int heartbeat__timeout() { return hb; }
            @Override public int records__hours() { return hours; }
        };
    }
}
