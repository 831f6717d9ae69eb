package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.api.testing.RecordingTrace;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.Configs;
import io.conduit.rest.support.TestAgents;

/**
 * What {@code -v} and {@code -vv} show of a rest connection, against the reference agent over HTTPS: the URL,
 * the TLS peer and how it was verified, the device's capabilities, the transfer method; never the token or an
 * environment value.
 */
class RestTraceTest {
    private static final String TOKEN = "tok-5d1c-never-shown";
    private static final String ENV_VALUE = "env-a90e-never-shown";

    @TempDir
    Path tmp;
    private TestAgents agents;
    private RestPlugin plugin;
    private Agent agent;

    @BeforeEach
    void start() throws Exception {
        agents = new TestAgents(tmp.resolve("agents"));
        agent = agents.start(TOKEN);
        plugin = new RestPlugin(Configs.defaults());
    }

    @AfterEach
    void stop() {
        plugin.deactivate();
        agents.close();
    }

    @Test
    void showsUrlTlsCapabilitiesAndTransfersButNoToken() throws Exception {
        Map<String, Object> extras = new HashMap<>();
        extras.put("token", Secret.of(TOKEN));
        extras.put("ca_file", agent.caFile().toString());
        Connection c = plugin.create(new ConnectionKey("dev", "rest"));
        RecordingTrace open = new RecordingTrace(2);
        RecordingTrace calls = new RecordingTrace(3);
        try {
            c.open(new ConnectionParams("127.0.0.1", agent.port(), null, null, null, extras), open);
            assertTrue(open.has("rest: https://127.0.0.1:" + agent.port()), open.all());
            assertTrue(open.has("(bearer token set)"), open.all());
            assertTrue(open.has("rest: TLS on, verifying the chain and host name against " + agent.caFile()),
                    open.all());
            assertTrue(open.has("rest: TLS peer "), open.all());
            assertTrue(open.has("rest: capabilities: raw_files"), open.all());

            c.exec(Command.shell("echo \"$V\" >/dev/null").withEnv(Map.of("V", ENV_VALUE)), calls);
            assertTrue(calls.has("rest: POST "), calls.all());
            assertTrue(calls.has("env field [V]"), calls.all());
            assertTrue(calls.has(" -> 200, "), "the answer's status and size: " + calls.all());
            Path file = Files.writeString(tmp.resolve("payload"), "payload");
            c.put(file, tmp.resolve("remote").toString(), 0600, calls);
            assertTrue(calls.has("rest: PUT ") && calls.has("raw octet stream, 7 bytes -> "), calls.all());
            c.fetch(tmp.resolve("remote").toString(), tmp.resolve("back"), calls);
            assertTrue(calls.has("rest: GET ") && calls.has("-> 200 raw octet stream"), calls.all());
            assertEquals("payload", Files.readString(tmp.resolve("back")));
            assertFalse(open.has("POST"), "calls never trace into the opening run's trace");
        } finally {
            c.close();
        }
        for (RecordingTrace t : new RecordingTrace[] {open, calls}) {
            assertFalse(t.all().contains(TOKEN), t.all());
            assertFalse(t.all().contains(ENV_VALUE), t.all());
        }
    }
}
