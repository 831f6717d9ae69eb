package io.conduit.docker.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.docker.DockerCli;
import io.conduit.docker.client.DockerDefaults;
import io.conduit.docker.client.PemSslContext;
import io.conduit.docker.client.PemSslContextAccess;

/**
 * tcp:// with TLS: the daemon's unix socket behind an in-test TLS front on 127.0.0.1 that demands a client
 * certificate, with keys made by openssl in the forms the docker docs produce (PKCS#1 RSA, SEC1 EC, PKCS#8).
 */
class TlsTest {
    private static final DockerCli CLI = new DockerCli();
    private static Path certs;
    private static SSLServerSocket server;
    private static Thread acceptor;
    private static DockerPlugin plugin;
    private static String container;

    @TempDir
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        certs = dir;
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca-key.pem", "-out", "ca.pem", "-days", "2",
                "-subj", "/CN=conduit test CA");
        Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
        Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
        // server: PKCS#1 RSA key; client: SEC1 EC key; a PKCS#8 key for the unit check
        openssl("genrsa", "-traditional", "-out", "server-key.pem", "2048");
        sign("server-key.pem", "server.pem", "server.ext", "/CN=127.0.0.1");
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "key.pem");
        sign("key.pem", "cert.pem", "client.ext", "/CN=conduit");
        openssl("genpkey", "-algorithm", "RSA", "-out", "pkcs8.pem");
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca-key.pem", "-out", "other-ca.pem",
                "-days", "2", "-subj", "/CN=some other CA");
        Path serverDir = Files.createDirectory(dir.resolve("server"));
        Files.copy(dir.resolve("ca.pem"), serverDir.resolve("ca.pem"));
        Files.copy(dir.resolve("server.pem"), serverDir.resolve("cert.pem"));
        Files.copy(dir.resolve("server-key.pem"), serverDir.resolve("key.pem"));
        server = (SSLServerSocket) PemSslContext.load(serverDir).getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        server.setNeedClientAuth(true);
        acceptor = new Thread(TlsTest::accept, "tls-front");
        acceptor.setDaemon(true);
        acceptor.start();
        plugin = new DockerPlugin(DockerDefaults.from(null, Map.of()));
        container = CLI.run("tls", DockerCli.BUSYBOX);
    }

    @AfterAll
    static void stop() throws IOException {
        plugin.deactivate();
        server.close();
        CLI.removeAll();
    }

    private static void sign(String key, String cert, String ext, String subject) throws Exception {
        openssl("req", "-new", "-key", key, "-out", "req.csr", "-subj", subject);
        openssl("x509", "-req", "-in", "req.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
                "-out", cert, "-days", "2", "-extfile", ext);
    }

    private static void openssl(String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("openssl"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(cmd + ": " + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /** Forwards each TLS connection to the daemon's unix socket, half-closes included. */
    private static void accept() {
        while (!server.isClosed()) {
            try {
                SSLSocket client = (SSLSocket) server.accept();
                SocketChannel daemon = SocketChannel.open(StandardProtocolFamily.UNIX);
                daemon.connect(UnixDomainSocketAddress.of("/var/run/docker.sock"));
                pump(client.getInputStream(), bytes -> write(daemon, bytes), () -> daemon.shutdownOutput());
                pump(channelIn(daemon), bytes -> {
                    client.getOutputStream().write(bytes);
                    client.getOutputStream().flush();
                }, () -> client.shutdownOutput());
            } catch (IOException e) {
                // closed, or a handshake the test expects to fail
            }
        }
    }

    interface Sink {
        void accept(byte[] bytes) throws IOException;
    }

    interface Eof {
        void run() throws IOException;
    }

    private static void pump(InputStream in, Sink out, Eof eof) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[64 * 1024];
            try {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    out.accept(java.util.Arrays.copyOf(buffer, n));
                }
                eof.run();
            } catch (IOException e) {
                // one side went away
            }
        }, "tls-front-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void write(SocketChannel channel, byte[] bytes) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
            channel.write(b);
        }
    }

    private static InputStream channelIn(SocketChannel channel) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return channel.read(ByteBuffer.wrap(b, off, len));
            }
        };
    }

    private Connection open(Path certPath) throws IOException {
        Connection c = plugin.create(new ConnectionKey(container, "docker"));
        c.open(new ConnectionParams(container, 0, null, null, null, Map.of(
                "docker_host", "tcp://127.0.0.1:" + server.getLocalPort(), "tls_verify", "true",
                "cert_path", certPath.toString())));
        return c;
    }

    @Test
    void execStdinAndFilesOverVerifiedTls(@TempDir Path tmp) throws Exception {
        try (Connection c = open(certs)) {
            byte[] data = new byte[200_000];
            new Random(3).nextBytes(data);
            ExecResult r = c.exec(Command.argv(List.of("cat")).withStdin(data).withTimeout(Duration.ofSeconds(30)));
            assertArrayEquals(data, r.stdout(), "stdin ends with a TLS half-close");
            Path file = Files.write(tmp.resolve("f"), data);
            c.put(file, "/tmp/tls.bin", 0600);
            c.fetch("/tmp/tls.bin", tmp.resolve("back"));
            assertArrayEquals(data, Files.readAllBytes(tmp.resolve("back")));
        }
    }

    @Test
    void aDaemonSignedByAnotherCaIsRefused(@TempDir Path other) throws Exception {
        Files.copy(certs.resolve("other-ca.pem"), other.resolve("ca.pem")); // trusts another CA only
        Files.copy(certs.resolve("cert.pem"), other.resolve("cert.pem"));
        Files.copy(certs.resolve("key.pem"), other.resolve("key.pem"));
        ConnectFailedException e = assertThrows(ConnectFailedException.class, () -> open(other));
        assertTrue(e.getMessage().startsWith("TLS with the docker daemon at tcp://127.0.0.1:" + server.getLocalPort()
                + " failed"), e.getMessage());
        assertTrue(e.getMessage().contains("check cert_path"), e.getMessage());
    }

    @Test
    void keyFormatsTheDockerDocsProduce() throws Exception {
        for (String key : List.of("server-key.pem", "key.pem", "pkcs8.pem")) {
            PrivateKey k = PemSslContextAccess.privateKey(certs.resolve(key));
            assertEquals(key.equals("key.pem") ? "EC" : "RSA", k.getAlgorithm(), key);
        }
        assertTrue(Files.readString(certs.resolve("server-key.pem")).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(certs.resolve("key.pem")).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(Files.readString(certs.resolve("pkcs8.pem")).contains("BEGIN PRIVATE KEY"));
    }
}
