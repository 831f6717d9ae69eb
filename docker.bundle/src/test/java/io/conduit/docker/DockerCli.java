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
    private final List<String> volumes = new ArrayList<>();

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

    /**
     * Runs a container in the background with more {@code docker run} options (mounts, {@code --read-only}).
     *
     * @param name short name; the container is called prefix + name
     * @param options options before the image, such as {@code --tmpfs /run/x}
     * @param image the image
     * @return the full container name
     */
    public String runWith(String name, List<String> options, String image) throws IOException {
        String full = prefix + name;
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--network", "none", "--name", full));
        cmd.addAll(options);
        cmd.add(image);
        created.add(full);
        docker(cmd);
        return full;
    }

    /**
     * Creates a tmpfs-backed named volume of a fixed size, removed by {@link #removeAll()} after the containers.
     *
     * @param name short name; the volume is called prefix + name
     * @param size its size, such as {@code 256k}
     * @return the full volume name
     */
    public String tmpfsVolume(String name, String size) throws IOException {
        String full = prefix + name;
        docker(List.of("docker", "volume", "create", "--opt", "type=tmpfs", "--opt", "device=tmpfs", "--opt",
                "o=size=" + size, full));
        volumes.add(full);
        return full;
    }

    /**
     * {@code docker exec CONTAINER ARGV...}: looks at the container directly, not through the plugin.
     *
     * @return the exit status and stdout (stderr dropped)
     */
    public Exec exec(String container, String... argv) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("docker", "exec", container));
        cmd.addAll(List.of(argv));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(cmd + " did not finish within 60s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return new Exec(p.exitValue(), out);
    }

    /**
     * @param status the exit status
     * @param out stdout
     */
    public record Exec(int status, byte[] out) {
        /** @return stdout as UTF-8, trimmed */
        public String text() {
            return new String(out, StandardCharsets.UTF_8).trim();
        }
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

    /** Removes every container this instance made, then its volumes. */
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
        if (!volumes.isEmpty()) {
            List<String> cmd = new ArrayList<>(List.of("docker", "volume", "rm", "-f"));
            cmd.addAll(volumes);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            try {
                p.waitFor(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            volumes.clear();
        }
    }

    /** @return the prefix of this run's container names */
    public String prefix() {
        return prefix;
    }
}
