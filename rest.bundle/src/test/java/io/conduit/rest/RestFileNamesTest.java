package io.conduit.rest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.Secret;
import io.conduit.api.testing.FileNameScenario;
import io.conduit.rest.agent.Agent;
import io.conduit.rest.RestPlugin;
import io.conduit.rest.support.Configs;
import io.conduit.rest.support.TestAgents;

/**
 * Every file name the device accepts, put and fetched through the reference agent: the name travels in a query
 * parameter or a JSON body, and the agent writes it through a temporary name of its own.
 */
class RestFileNamesTest {
    private static final String TOKEN = "t0ken-" + Long.toHexString(new Random().nextLong());

    @TempDir
    Path tmp;

    @Test
    void everyNameIsPutAndFetchedThroughTheAgent() throws Exception {
        RestPlugin plugin = new RestPlugin(Configs.defaults());
        try (TestAgents agents = new TestAgents(tmp.resolve("agents"))) {
            Agent agent = agents.start(TOKEN);
            try (Connection c = plugin.create(new ConnectionKey("dev", "rest"))) {
                c.open(new ConnectionParams("127.0.0.1", agent.port(), null, null, null, Map.of("token",
                        Secret.of(TOKEN), "ca_file", agent.caFile().toString())));
                new FileNameScenario().run(c::put, c::fetch, FileNameScenario.LOCAL, tmp.resolve("device").toString(),
                        Files.createDirectories(tmp.resolve("here")));
            }
        } finally {
            plugin.deactivate();
        }
    }
}
