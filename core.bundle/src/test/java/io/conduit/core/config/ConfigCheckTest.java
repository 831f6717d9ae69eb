package io.conduit.core.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.core.connection.ConnectionsConfig;
import io.conduit.core.run.RunnerConfig;

class ConfigCheckTest {
    private static final String PID = "io.conduit.runner";

    private static String problem(Class<?> type, Map<String, ?> properties) {
        Configured<String> c = ConfigCheck.validate(PID, type, properties, () -> "settings");
        assertFalse(c.valid(), "refused: " + properties);
        return c.problem();
    }

    @Test
    void aValueOfTheWrongTypeIsNamedWithPidKeyValueAndWhatToDo() {
        assertEquals("io.conduit.runner: forks: \"many\" is not a whole number; fix etc/io.conduit.runner.cfg",
                problem(RunnerConfig.class, Map.of("forks", "many")));
        assertEquals("io.conduit.runner: host_timeout: \"5m\" is not a whole number; fix etc/io.conduit.runner.cfg",
                problem(RunnerConfig.class, Map.of("host_timeout", "5m")));
        assertEquals("io.conduit.runner: alive_check_after: \"soon\" is not a number; fix etc/io.conduit.runner.cfg",
                problem(ConnectionsConfig.class, Map.of("alive_check_after", "soon")));
        assertEquals("io.conduit.runner: forks: \"99999999999\" is too large; fix etc/io.conduit.runner.cfg",
                problem(RunnerConfig.class, Map.of("forks", "99999999999")));
    }

    @Test
    void aMisspeltKeyIsRefusedWithTheClosestOne() {
        String p = problem(RunnerConfig.class, Map.of("frks", "10"));
        assertTrue(p.startsWith("io.conduit.runner: frks: unknown key; did you mean \"forks\"? the keys are"
                + " default_connection, forks, host_timeout, inventory, output_limit;"),
                p);
        assertTrue(p.endsWith("; fix etc/io.conduit.runner.cfg"), p);
    }

    @Test
    void frameworkPropertiesAndGoodValuesPass() {
        Configured<String> c = ConfigCheck.validate(PID, RunnerConfig.class, Map.of("forks", " 20 ", "service.pid", PID,
                "felix.fileinstall.filename", "file:/etc/io.conduit.runner.cfg", "component.id", 3L), () -> "ok");
        assertTrue(c.valid(), c::problem);
        assertEquals("ok", c.get("run"));
    }

    @Test
    void theSettingsValidationSpeaksThroughTheSameLine() {
        Configured<String> c = ConfigCheck.validate(PID, RunnerConfig.class, Map.of("forks", "0"), () -> {
            throw new IllegalArgumentException(PID + ": forks: \"0\" is not valid; use a number of hosts, at least 1");
        });
        assertEquals("io.conduit.runner: forks: \"0\" is not valid; use a number of hosts, at least 1; fix"
                + " etc/io.conduit.runner.cfg", c.problem());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> c.get("conduit:run"));
        assertEquals("configuration io.conduit.runner is invalid (conduit:run refuse to work until it is fixed): "
                + c.problem(), e.getMessage());
    }

    @Test
    void keysFollowTheDeclarativeServicesNameMapping() {
        assertEquals("host_timeout", ConfigCheck.key("host__timeout"));
        assertEquals("a.b", ConfigCheck.key("a_b"));
        assertEquals("forks", ConfigCheck.key("forks"));
    }
}
