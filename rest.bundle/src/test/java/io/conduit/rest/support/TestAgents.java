package io.conduit.rest.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.conduit.rest.agent.Agent;
import io.conduit.rest.agent.AgentConfig;
import io.conduit.rest.agent.Log;

/** Starts reference agents in this JVM on 127.0.0.1, each with its own state directory and generated CA. */
public final class TestAgents implements AutoCloseable {
    private final Path root;
    private final List<Agent> started = new ArrayList<>();
    private int count;

    /** @param root a temporary directory for state directories and token files */
    public TestAgents(Path root) {
        this.root = root;
        Log.quiet(true);
    }

    /**
     * Starts an agent on a free port.
     *
     * @param token its token
     * @param extraArgs more command line flags
     * @return the running agent
     */
    public Agent start(String token, String... extraArgs) throws IOException, GeneralSecurityException {
        Path dir = Files.createDirectories(root.resolve("agent-" + ++count));
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, token + "\n");
        List<String> args = new ArrayList<>(List.of("--bind", "127.0.0.1", "--port", "0", "--token-file",
                tokenFile.toString(), "--state-dir", dir.resolve("state").toString(), "--workdir", dir.toString()));
        args.addAll(List.of(extraArgs));
        Agent agent = Agent.start(AgentConfig.parse(args.toArray(new String[0]), Map.of()));
        started.add(agent);
        return agent;
    }

    @Override
    public void close() {
        started.forEach(Agent::stop);
    }
}
