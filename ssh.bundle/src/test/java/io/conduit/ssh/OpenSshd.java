package io.conduit.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The system's OpenSSH sshd ({@code /usr/sbin/sshd}, installed by scripts/env/sshd.sh) started by a test on a free
 * 127.0.0.1 port with its own config, host keys and authorized_keys, in the foreground ({@code -D}) so that the
 * test owns the process and stops it.
 */
final class OpenSshd implements AutoCloseable {
    final Path dir;
    final int port;
    private Process process;

    private OpenSshd(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    static OpenSshd start(Path dir, Path authorizedKeys) throws IOException, InterruptedException {
        return start(dir, authorizedKeys, new String[0]);
    }

    /**
     * @param overrides sshd_config lines that replace the default line of the same keyword (first word), e.g.
     *        {@code "Subsystem sftp /usr/lib/openssh/sftp-server"}, which OpenSSH runs through the user's login
     *        shell (internal-sftp does not)
     */
    static OpenSshd start(Path dir, Path authorizedKeys, String... overrides) throws IOException,
            InterruptedException {
        if (!Files.isExecutable(Path.of("/usr/sbin/sshd"))) {
            throw new IllegalStateException("/usr/sbin/sshd is missing: run scripts/env/sshd.sh (as root) first");
        }
        Files.createDirectories(dir);
        Files.createDirectories(Path.of("/run/sshd")); // Debian's privilege separation directory
        for (String type : List.of("ed25519", "ecdsa", "rsa")) {
            if (!Files.exists(dir.resolve("host_" + type))) {
                TestSupport.keygen(dir, "host_" + type, type, "");
            }
        }
        Path home = Files.createDirectories(dir.resolve("home"));
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String config = String.join("\n",
                "Port " + port,
                "ListenAddress 127.0.0.1",
                "HostKey " + dir.resolve("host_ed25519"),
                "HostKey " + dir.resolve("host_ecdsa"),
                "HostKey " + dir.resolve("host_rsa"),
                "PidFile " + dir.resolve("sshd.pid"),
                "AuthorizedKeysFile " + authorizedKeys,
                "StrictModes no",
                "UsePAM no",
                "PermitRootLogin prohibit-password",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UseDNS no",
                "MaxStartups 100:30:200",
                "MaxSessions 20",
                "AllowTcpForwarding yes",
                "PrintMotd no",
                "PrintLastLog no",
                "Subsystem sftp internal-sftp",
                // Debian's bash sources ~/.bashrc for ssh commands: keep the machine's own out of the tests
                "SetEnv HOME=" + home,
                "LogLevel ERROR",
                "");
        for (String o : overrides) {
            String keyword = o.split(" ")[0] + " ";
            config = config.lines().map(l -> l.startsWith(keyword) ? o : l)
                    .collect(java.util.stream.Collectors.joining("\n", "", "\n"));
        }
        Path file = dir.resolve("sshd_config");
        Files.writeString(file, config);
        Process p = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("sshd.log").toFile()).start();
        OpenSshd sshd = new OpenSshd(dir, port, p);
        awaitListening(sshd);
        return sshd;
    }

    /** known_hosts lines ({@code [127.0.0.1]:port type key}) for the given host key types. */
    String knownHosts(String... types) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (String type : types) {
            String[] pub = Files.readString(dir.resolve("host_" + type + ".pub")).trim().split(" ");
            sb.append("[127.0.0.1]:").append(port).append(' ').append(pub[0]).append(' ').append(pub[1]).append('\n');
        }
        return sb.toString();
    }

    /**
     * Kills every per-connection sshd process with SIGKILL (the listener stays): the connections drop under their
     * commands without an exit status, as when sshd on a host dies. The commands themselves are left alone.
     */
    void killSessions() {
        process.toHandle().descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("sshd") || c.contains("sshd-session")).orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    /**
     * Stops sshd as a host going down does: the listener first (new connections are refused), then every
     * per-connection sshd (SIGKILL), so that the connections drop under their commands and transfers.
     */
    void stopAll() throws IOException {
        java.util.List<ProcessHandle> sessions = process.toHandle().descendants().toList();
        close();
        sessions.forEach(ProcessHandle::destroyForcibly);
    }

    /** Starts sshd again after {@link #stopAll}, on the same port with the same config and keys. */
    void restart() throws IOException, InterruptedException {
        Path file = dir.resolve("sshd_config");
        process = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", file.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log")
                        .toFile())).start();
        awaitListening(this);
    }

    private static void awaitListening(OpenSshd sshd) throws IOException, InterruptedException {
        Process p = sshd.process;
        int port = sshd.port;
        Path dir = sshd.dir;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) { // nothing signals "listening": poll the port with a deadline
            if (!p.isAlive()) {
                throw new IOException("sshd exited at start: " + Files.readString(dir.resolve("sshd.log")));
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 500);
                s.setSoTimeout(2000);
                InputStream in = s.getInputStream();
                byte[] banner = in.readNBytes(4);
                if (new String(banner, StandardCharsets.US_ASCII).equals("SSH-")) {
                    return;
                }
            } catch (IOException e) {
                p.waitFor(50, TimeUnit.MILLISECONDS);
            }
        }
        sshd.close();
        throw new IOException("sshd did not listen on 127.0.0.1:" + port + " within 20s");
    }

    @Override
    public void close() throws IOException {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
