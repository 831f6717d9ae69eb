package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.rest.plugin.RestConfig;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.plugin.RestSettings;
import io.conduit.rest.support.Configs;

class RestSettingsTest {

    private static ConnectionParams params(Map<String, Object> extras) {
        return new ConnectionParams("dev", 0, null, null, null, extras);
    }

    @Test
    void hostExtrasWinOverConfigAdminDefaultsWhichWinOverDeclaredDefaults() {
        RestSettings declared = RestSettings.from(RestPlugin.PID, Configs.defaults());
        assertEquals(8443, declared.port());
        assertEquals("/api/v1", declared.apiPath());
        assertEquals(Duration.ofSeconds(10), declared.connectTimeout());
        assertEquals("POST", declared.disconnectMethod());

        RestSettings configured = RestSettings.from(RestPlugin.PID, Configs.rest(Map.of("connect__timeout", "3s",
                "port", 9443, "disconnect", "DELETE /session")));
        assertEquals(Duration.ofSeconds(3), configured.connectTimeout());
        assertEquals(9443, configured.port());
        assertEquals("/session", configured.disconnectPath());

        RestSettings host = configured.forHost(params(Map.of("connect_timeout", Duration.ofSeconds(5),
                "api_path", "/", "exec_path", "/exec", "disconnect", "")));
        assertEquals(Duration.ofSeconds(5), host.connectTimeout());
        assertEquals(9443, host.port(), "not set on the host: the configured default");
        assertEquals("", host.apiPath());
        assertEquals("/exec", host.execPath());
        assertEquals(null, host.disconnectMethod(), "empty disconnect sends nothing");
    }

    @Test
    void badValuesNameThePidOrTheOptionAndSayWhatToWrite() {
        IllegalArgumentException config = assertThrows(IllegalArgumentException.class,
                () -> RestSettings.from(RestPlugin.PID, Configs.rest(Map.of("connect__timeout", "soon"))));
        assertTrue(config.getMessage().startsWith("io.conduit.rest: connect_timeout: \"soon\" is not a duration"),
                config.getMessage());

        RestSettings defaults = RestSettings.from(RestPlugin.PID, Configs.defaults());
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class,
                () -> defaults.forHost(params(Map.of("health_path", "status"))));
        assertTrue(path.getMessage().startsWith("health_path: \"status\" must be a path starting with /"),
                path.getMessage());
        IllegalArgumentException disconnect = assertThrows(IllegalArgumentException.class,
                () -> defaults.forHost(params(Map.of("disconnect", "/session"))));
        assertTrue(disconnect.getMessage().contains("'DELETE /session'"), disconnect.getMessage());
    }

    @Test
    void optionsDescribeEveryKeyWithTheConfiguredDefaultsAndTheTokenIsSecret() {
        RestPlugin plugin = new RestPlugin(Configs.rest(Map.of("request__timeout", "90s")));
        try {
            Map<String, OptionDescriptor> options = plugin.options().stream()
                    .collect(Collectors.toMap(OptionDescriptor::name, o -> o));
            assertTrue(options.get("token").secret());
            assertEquals("90s", options.get("request_timeout").defaultValue());
            assertEquals(configKeys(), new TreeSet<>(options.keySet().stream()
                    .filter(k -> !k.equals("token")).toList()), "every config key is an option, and back");
        } finally {
            plugin.deactivate();
        }
    }

    @Test
    void theDistributedCfgFileSetsEveryKeyWithValuesThatValidate() throws IOException {
        Properties cfg = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("src/dist/etc/io.conduit.rest.cfg"))) {
            cfg.load(in);
        }
        assertEquals(configKeys(), new TreeSet<>(cfg.stringPropertyNames()));
        Map<String, Object> values = cfg.stringPropertyNames().stream().collect(Collectors.toMap(
                k -> k.replace("_", "__"), k -> typed(k, cfg.getProperty(k))));
        RestSettings s = RestSettings.from(RestPlugin.PID, Configs.rest(values));
        assertEquals(RestSettings.from(RestPlugin.PID, Configs.defaults()), s, "the file repeats the defaults");
    }

    private static Object typed(String key, String value) {
        for (Method m : RestConfig.class.getDeclaredMethods()) {
            if (m.getName().replace("__", "_").equals(key)) {
                Class<?> t = m.getReturnType();
                return t == int.class ? Integer.valueOf(value) : t == long.class ? Long.valueOf(value)
                        : t == boolean.class ? Boolean.valueOf(value) : value;
            }
        }
        throw new AssertionError("not a config key: " + key);
    }

    private static Set<String> configKeys() {
        Set<String> keys = new TreeSet<>();
        for (Method m : RestConfig.class.getDeclaredMethods()) {
            keys.add(m.getName().replace("__", "_"));
        }
        return keys;
    }

    @Test
    void anInvalidCfgKeepsThePluginRegisteredButRefusingWithPidKeyAndValue() {
        RestPlugin plugin = new RestPlugin(Configs.defaults(), Map.of("retries", "lots"));
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, plugin::options);
            assertEquals("configuration io.conduit.rest is invalid (the rest plugin's connections and options refuse"
                    + " to work until it is fixed): io.conduit.rest: retries: \"lots\" is not a whole number; fix"
                    + " etc/io.conduit.rest.cfg", e.getMessage());
            assertThrows(IllegalStateException.class,
                    () -> plugin.create(new io.conduit.api.connection.ConnectionKey("dev1", "rest")));
        } finally {
            plugin.deactivate();
        }
    }
}
