package io.conduit.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test setup through the docker CLI against the daemon scripts/env/dockerd.sh starts: containers run with
 * {@code --network none} from the locally built images and are removed by {@link #removeAll()}.
 */
public final class DockerCli {
    /** The busybox image: sh, coreutils-like applets, users root and conduit (1000). */
    public static final String BUSYBOX = "conduit-test:busybox";
    /** No /bin/sh: one static binary hard-linked as sleep, cat, echo, id. */
    public static final String NOSHELL = "conduit-test:noshell";

    private final String prefix = "conduit-it-" + Long.toHexString(System.nanoTime() & 0xffffff) + "-";
    private final List<String> created = new ArrayList<>();

    /**
     * Runs a container in the background.
     *
     * @param name short name; the container is called prefix + name
     * @param image the image
     * @param labels alternating label keys and values
     * @return the full container name
     */
    public String run(String name, String image, String... labels) throws IOException {
        String full = prefix + name;
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--network", "none", "--name", full));
        for (int i = 0; i + 1 < labels.length; i += 2) {
            cmd.add("--label");
            cmd.add(labels[i] + "=" + labels[i + 1]);
        }
        cmd.add(image);
        created.add(full);
        docker(cmd);
        return full;
    }

    /** @param args docker CLI arguments @return stdout */
    public String docker(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("docker"));
        cmd.addAll(List.of(args));
        return docker(cmd);
    }

    private static String docker(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " did not finish within 60s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new IOException(cmd + " failed (" + p.exitValue() + "): " + out
                    + "\nrun scripts/env/dockerd.sh to start dockerd and build the test images");
        }
        return out.trim();
    }

    /** Removes every container this instance made. */
    public void removeAll() throws IOException {
        if (!created.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("docker", "rm", "-f"));
            cmd.addAll(created);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                p.waitFor(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            created.clear();
        }
    }

    /** @return the prefix of this run's container names */
    public String prefix() {
        return prefix;
    }
}
