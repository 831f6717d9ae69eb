package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.reflect.Proxy;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.ConnectionKey;
import io.conduit.docker.client.DockerClients;
import io.conduit.docker.client.DockerConfig;
import io.conduit.docker.inventory.DockerInventorySource;

/** An invalid etc/io.conduit.docker.cfg: the plugin and the inventory source stay, and refuse naming PID, key and value. */
class InvalidConfigurationTest {

    /** The configuration DS would give for these .cfg lines (keys as in the file). */
    static DockerConfig config(Map<String, String> values) {
        return (DockerConfig) Proxy.newProxyInstance(DockerConfig.class.getClassLoader(),
                new Class<?>[] {DockerConfig.class}, (proxy, method, args) -> {
                    if (method.getName().equals("annotationType")) {
                        return DockerConfig.class;
                    }
                    String key = method.getName().replace("__", "_");
                    return values.containsKey(key) ? values.get(key) : method.getDefaultValue();
                });
    }

    @Test
    void aBadDurationRefusesConnectionsAndTheSourceWithOneLine() {
        Map<String, String> cfg = Map.of("kill_grace", "forever");
        DockerClients clients = new DockerClients(); // one factory for both, as DS injects it
        DockerPlugin plugin = new DockerPlugin(config(cfg), Map.copyOf(cfg), clients);
        DockerInventorySource source = new DockerInventorySource(config(cfg), Map.copyOf(cfg), clients);
        try {
            String problem = "io.conduit.docker: kill_grace: \"forever\" is not a duration; use seconds (30) or a unit"
                    + " (500ms, 30s, 5m, 1h); fix etc/io.conduit.docker.cfg";
            assertEquals("configuration io.conduit.docker is invalid (the docker plugin's connections refuse to work"
                    + " until it is fixed): " + problem, assertThrows(IllegalStateException.class,
                            () -> plugin.create(new ConnectionKey("c1", "docker"))).getMessage());
            assertThrows(IllegalStateException.class, plugin::options);
            assertEquals("configuration io.conduit.docker is invalid (the docker inventory source's loads refuse to work until"
                    + " it is fixed): " + problem, assertThrows(IllegalStateException.class,
                            () -> source.load("")).getMessage());
        } finally {
            plugin.deactivate();
            source.deactivate();
            clients.close();
        }
    }
}
