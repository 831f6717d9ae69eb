package io.conduit.rest.support;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The agent jar as a process of its own ({@code java -jar conduit-rest-agent.jar}), optionally as another local
 * user (through {@code setpriv}, which needs root): a device whose agent is not root, where sudo and su ask for
 * passwords.
 */
public final class AgentProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on https://127\\.0\\.0\\.1:(\\d+)/api/v1");
    private final Process process;
    private final int port;
    private final Path caFile;
    private final Path log;

    private AgentProcess(Process process, int port, Path caFile, Path log) {
        this.process = process;
        this.port = port;
        this.caFile = caFile;
        this.log = log;
    }

    /**
     * Starts an agent on a free port of 127.0.0.1 and waits until it listens.
     *
     * @param dir a new directory for its jar, token, state and work directory (given to {@code user})
     * @param token its token
     * @param user the user to run it as, or {@code null} for this JVM's
     * @param extraArgs more flags
     */
    public static AgentProcess start(Path dir, String token, String user, String... extraArgs) throws Exception {
        Path jar = Path.of(System.getProperty("conduit.agent.jar", "../rest.agent/target/conduit-rest-agent.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("the agent jar is built by rest.agent before rest.bundle: " + jar);
        }
        Files.createDirectories(dir.resolve("work"));
        Path copy = Files.copy(jar, dir.resolve("conduit-rest-agent.jar"), StandardCopyOption.REPLACE_EXISTING);
        Path tokenFile = Files.writeString(dir.resolve("token"), token + "\n");
        Files.setPosixFilePermissions(tokenFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<String> command = new ArrayList<>();
        if (user != null) {
            if (TestUsers.run("chown", "-R", user + ":" + user, dir.toString()) != 0) {
                throw new IllegalStateException("cannot chown " + dir + " to " + user);
            }
            command.addAll(List.of("setpriv", "--reuid=" + user, "--regid=" + user, "--init-groups", "--"));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx64m",
                "-jar", copy.toString(), "--bind", "127.0.0.1", "--port", "0", "--token-file", tokenFile.toString(),
                "--state-dir", dir.resolve("state").toString(), "--workdir", dir.resolve("work").toString()));
        command.addAll(List.of(extraArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectError(dir.resolve("agent.log").toFile());
        builder.environment().put("LC_ALL", "C.UTF-8");
        if (user != null) {
            builder.environment().put("HOME", dir.toString());
            builder.environment().put("USER", user);
            builder.environment().put("LOGNAME", user);
        }
        Process process = builder.start();
        BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String all;
        try {
            all = CompletableFuture.supplyAsync(() -> {
                StringBuilder read = new StringBuilder();
                try {
                    String line;
                    while ((line = out.readLine()) != null) {
                        read.append(line).append('\n');
                        if (line.startsWith("server certificate SHA-256 fingerprint")) {
                            break;
                        }
                    }
                } catch (IOException e) {
                    read.append("read failed: ").append(e);
                }
                return read.toString();
            }).get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("the agent did not start: " + Files.readString(dir.resolve("agent.log")), e);
        }
        Matcher m = LISTENING.matcher(all);
        if (!m.find()) {
            process.destroyForcibly();
            throw new IllegalStateException("the agent did not start: " + all + Files.readString(dir.resolve("agent.log")));
        }
        // keep reading its standard output, so that it never blocks on a full pipe
        CompletableFuture.runAsync(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException e) {
                // it exited
            }
        });
        return new AgentProcess(process, Integer.parseInt(m.group(1)), dir.resolve("state").resolve("ca.pem"),
                dir.resolve("agent.log"));
    }

    /** @return its port */
    public int port() {
        return port;
    }

    /**
     * @return the lines its log holds so far (standard error: one line per request, "ADDRESS METHOD PATH STATUS
     *         DURATION", and warnings)
     */
    public List<String> log() throws IOException {
        return Files.readAllLines(log, StandardCharsets.UTF_8);
    }

    /** @return the CA certificate to trust */
    public Path caFile() {
        return caFile;
    }

    /** Kills it with SIGKILL (no goodbye: the connection drops under a command in flight) and waits. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Stops it (SIGTERM: its shutdown hook stops the commands still running) and waits. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
