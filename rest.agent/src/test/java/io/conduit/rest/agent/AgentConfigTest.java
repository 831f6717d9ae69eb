package io.conduit.rest.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentConfigTest {
    @TempDir
    Path tmp;

    @Test
    void defaultsBindLoopbackAndTheTokenComesFromTheFileOrTheEnvironment() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "  s3cret  \nsecond line ignored\n");
        AgentConfig c = AgentConfig.parse(new String[] {"--token-file", token.toString(), "--max-output=2m",
                "--san", "dev.example", "--san", "10.0.0.5"}, Map.of());
        assertEquals("127.0.0.1", c.bind());
        assertEquals(8443, c.port());
        assertEquals("s3cret", c.token());
        assertEquals(2L << 20, c.maxOutputBytes());
        assertEquals(Duration.ofHours(1), c.maxCommandTimeout());
        assertEquals(java.util.List.of("dev.example", "10.0.0.5"), c.subjectAltNames());
        assertFalse(c.toString().contains("s3cret"));

        assertEquals("from-env", AgentConfig.parse(new String[0], Map.of(AgentConfig.TOKEN_ENV, "from-env")).token());
    }

    @Test
    void mistakesAreRefusedWithWhatToDo() throws Exception {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> AgentConfig.parse(new String[0], Map.of()));
        assertTrue(none.getMessage().contains("--token-file") && none.getMessage().contains(AgentConfig.TOKEN_ENV));
        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        assertThrows(IllegalArgumentException.class,
                () -> AgentConfig.parse(new String[] {"--token-file", empty.toString()}, Map.of()));
        IllegalArgumentException port = assertThrows(IllegalArgumentException.class,
                () -> AgentConfig.parse(new String[] {"--port", "70000"}, Map.of(AgentConfig.TOKEN_ENV, "t")));
        assertEquals("--port: 70000 is out of range 0-65535", port.getMessage());
        assertThrows(AgentConfig.HelpRequested.class, () -> AgentConfig.parse(new String[] {"--help"}, Map.of()));
        assertThrows(IllegalArgumentException.class,
                () -> AgentConfig.parse(new String[] {"--keystore", "x.p12"}, Map.of(AgentConfig.TOKEN_ENV, "t")));
    }
}
