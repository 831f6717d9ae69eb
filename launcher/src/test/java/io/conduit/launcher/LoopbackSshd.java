package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The system's OpenSSH sshd on a free 127.0.0.1 port, owned by one test: its host key {@code DIR/host}, its
 * configuration {@code DIR/sshd_config}, its log {@code DIR/sshd.log}. The test gives the lines that choose the
 * logins (password or key, where the authorized keys are, the log level); the rest is the same for every test.
 */
record LoopbackSshd(Path dir, int port, Process process) implements AutoCloseable {

    /**
     * Makes a host key, writes the configuration and starts sshd, returning once it sends its banner (at most
     * 30 seconds).
     *
     * @param dir the sshd's own folder, created if missing
     * @param logins sshd_config lines of the test's own (authentication, log level)
     * @return the running sshd
     * @throws IOException sshd did not listen within 30 seconds, or a file could not be written
     * @throws InterruptedException interrupted while waiting for it
     */
    static LoopbackSshd start(Path dir, String... logins) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Files.createDirectories(Path.of("/run/sshd")); // Debian's privilege separation directory
        keygen(dir.resolve("host"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        List<String> lines = new ArrayList<>(List.of("Port " + port, "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host"), "PidFile " + dir.resolve("sshd.pid"), "UsePAM no", "UseDNS no",
                "StrictModes no", "KbdInteractiveAuthentication no", "PrintMotd no", "PrintLastLog no"));
        lines.addAll(List.of(logins));
        lines.add("");
        Path config = Files.writeString(dir.resolve("sshd_config"), String.join("\n", lines));
        Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        LoopbackSshd sshd = new LoopbackSshd(dir, port, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) { // nothing signals "listening": poll the port, bounded
            assertTrue(p.isAlive(), () -> "sshd exited: " + sshd.log());
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                if (new String(in.readNBytes(4), StandardCharsets.US_ASCII).equals("SSH-")) {
                    return sshd;
                }
            } catch (IOException e) {
                p.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
        sshd.close();
        throw new IOException("sshd did not listen on 127.0.0.1:" + port + " within 30 s");
    }

    /**
     * Starts sshd with a key login for root on 127.0.0.1 to 127.0.0.{@code hosts} at one port, and writes an
     * inventory naming each address a host ({@code h1} to {@code hN}) with that key and a known_hosts file that
     * holds the host key for each address (strict host key checking).
     *
     * @param dir the sshd's own folder, created if missing
     * @param hosts how many addresses, 1 to {@value #MAX_ADDRESSES}
     * @param inventory the inventory file to write
     * @return the running sshd
     * @throws IOException sshd did not start, or a file could not be written
     * @throws InterruptedException interrupted while waiting for it
     */
    static LoopbackSshd fleet(Path dir, int hosts, Path inventory) throws IOException, InterruptedException {
        if (hosts > MAX_ADDRESSES) {
            throw new IllegalArgumentException(hosts + " addresses: sshd listens on " + MAX_ADDRESSES + " at most;"
                    + " use crowd() for more hosts");
        }
        return serve(dir, hosts, hosts, inventory, "");
    }

    /** OpenSSH's MAX_LISTEN_SOCKS: sshd refuses to start with more ListenAddress lines. */
    static final int MAX_ADDRESSES = 16;

    /**
     * As {@link #fleet}, for more hosts than sshd has addresses: {@code h1} to {@code hN} reach 127.0.0.1 to
     * 127.0.0.{@code addresses} in turn (h1 and h{@code addresses + 1} share 127.0.0.1), each host its own
     * connection. The sshd takes a few hundred logins at once (MaxStartups) and gives the commands a HOME of their
     * own ({@code DIR/home}), so that the test user's shell start files cost nothing per host; the hosts wait up to
     * 60 s for a login (connect_timeout), as a busy machine serving hundreds of logins at once may need.
     *
     * @param dir the sshd's own folder, created if missing
     * @param hosts how many hosts, 1 or more
     * @param addresses how many addresses, 1 to {@value #MAX_ADDRESSES}
     * @param inventory the inventory file to write
     * @return the running sshd
     * @throws IOException sshd did not start, or a file could not be written
     * @throws InterruptedException interrupted while waiting for it
     */
    static LoopbackSshd crowd(Path dir, int hosts, int addresses, Path inventory)
            throws IOException, InterruptedException {
        return serve(dir, hosts, addresses, inventory, ", connect_timeout: 60s");
    }

    private static LoopbackSshd serve(Path dir, int hosts, int addresses, Path inventory, String sshExtras)
            throws IOException, InterruptedException {
        Files.createDirectories(dir);
        keygen(dir.resolve("client"));
        List<String> lines = new ArrayList<>(List.of("PasswordAuthentication no", "PubkeyAuthentication yes",
                "PermitRootLogin prohibit-password", "AuthorizedKeysFile " + dir.resolve("client.pub"),
                "MaxStartups " + Math.max(100, 2 * hosts), "LogLevel VERBOSE"));
        if (hosts > addresses) {
            lines.add("SetEnv HOME=" + Files.createDirectories(dir.resolve("home")));
        }
        for (int i = 2; i <= addresses; i++) {
            lines.add("ListenAddress 127.0.0." + i); // 127.0.0.1 is start's own
        }
        LoopbackSshd sshd = start(dir, lines.toArray(String[]::new));
        StringBuilder known = new StringBuilder();
        StringBuilder yaml = new StringBuilder(String.join("\n",
                "defaults:",
                "  connection: ssh",
                "  port: " + sshd.port(),
                "  username: root",
                "  connection_options:",
                "    ssh:",
                "      extras: {private_key_file: " + dir.resolve("client") + ", known_hosts_file: "
                        + dir.resolve("known_hosts") + ", look_for_keys: false, host_key_checking: strict" + sshExtras
                        + "}",
                "hosts:", ""));
        String key = Files.readString(dir.resolve("host.pub")).strip();
        for (int i = 1; i <= hosts; i++) {
            yaml.append("  h").append(i).append(": {hostname: 127.0.0.").append(1 + (i - 1) % addresses)
                    .append("}\n");
        }
        for (int i = 1; i <= addresses; i++) {
            known.append("[127.0.0.").append(i).append("]:").append(sshd.port()).append(' ').append(key).append('\n');
        }
        Files.writeString(dir.resolve("known_hosts"), known);
        Files.writeString(inventory, yaml);
        return sshd;
    }

    /**
     * Makes an ed25519 key pair without a passphrase: {@code key} and {@code key.pub}.
     *
     * @param key the private key's path
     * @throws IOException ssh-keygen could not run
     * @throws InterruptedException interrupted while it ran
     */
    static void keygen(Path key) throws IOException, InterruptedException {
        Process k = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        assertTrue(k.waitFor(60, TimeUnit.SECONDS) && k.exitValue() == 0, "ssh-keygen " + key);
    }

    /** @return what sshd has logged so far, or why it could not be read */
    String log() {
        try {
            return Files.readString(dir.resolve("sshd.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
