package io.conduit.docker.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;

import io.conduit.api.connection.AuthenticationFailedException;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.TimedOutException;

/**
 * The docker-java clients of the bundle, one per {@link DockerEndpoint}, shared by every connection to that
 * daemon (HttpClient 5 pools its sockets). A component of its own, injected into both components that read the
 * docker configuration (the connection plugin and the inventory source), so both talk to a daemon through one
 * client. {@link #close} (its deactivation: after both of them) closes them all, so a stopped bundle leaves no
 * socket and no thread of docker-java behind. Also opens the raw sockets {@link ExecStream} needs. Thread safe.
 */
@Component(service = DockerClients.class)
public final class DockerClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DockerClients.class);
    private static final int MAX_CONNECTIONS = 100;

    /**
     * One daemon's client.
     *
     * @param endpoint where it points
     * @param api the docker-java client
     * @param ssl the TLS context, {@code null} without TLS
     */
    public record Client(DockerEndpoint endpoint, DockerClient api, SSLContext ssl) {
    }

    private final ConcurrentHashMap<DockerEndpoint, Client> clients = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** Makes an empty factory: clients are made on first use. */
    public DockerClients() {
    }

    /**
     * Returns the client for an endpoint, making it on first use (no I/O but reading the TLS files).
     *
     * @param endpoint the daemon
     * @return its client
     * @throws ConnectFailedException the TLS files cannot be used
     * @throws ConnectionException this component is stopping
     */
    public Client get(DockerEndpoint endpoint) throws ConnectionException {
        if (closed) {
            throw new ConnectionException("the docker plugin is stopping; retry once it is back");
        }
        try {
            Client client = clients.computeIfAbsent(endpoint, DockerClients::create);
            if (closed) {
                close();
                throw new ConnectionException("the docker plugin is stopping; retry once it is back");
            }
            return client;
        } catch (UncheckedIOException e) {
            throw new ConnectFailedException("docker daemon at " + endpoint.address() + ": " + e.getCause().getMessage(),
                    e.getCause());
        }
    }

    private static Client create(DockerEndpoint endpoint) {
        SSLContext ssl = null;
        if (endpoint.usesTls()) {
            try {
                ssl = PemSslContext.load(endpoint.certPath());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        SSLContext context = ssl;
        DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(endpoint.address())
                .withDockerTlsVerify(false);
        if (!endpoint.apiVersion().isEmpty()) {
            config.withApiVersion(endpoint.apiVersion());
        }
        DockerHttpClient http = new ApacheDockerHttpClient.Builder()
                .dockerHost(endpoint.host())
                .sslConfig(context == null ? null : () -> context)
                .maxConnections(MAX_CONNECTIONS)
                .connectionTimeout(endpoint.connectTimeout())
                .responseTimeout(endpoint.apiTimeout())
                .build();
        LOG.debug("docker client for {} created", endpoint.address());
        return new Client(endpoint, DockerClientImpl.getInstance(config.build(), http), ssl);
    }

    /** Closes every client; later {@link #get} calls fail. Never throws. */
    @Override
    @Deactivate
    public void close() {
        closed = true;
        List<Client> all = new ArrayList<>(clients.values());
        clients.clear();
        for (Client client : all) {
            try {
                client.api().close(); // closes the HttpClient 5 transport and its pooled sockets
            } catch (IOException | RuntimeException e) {
                LOG.warn("closing the docker client for {} failed: {}", client.endpoint().address(), e.toString());
            }
        }
    }

    /**
     * Opens a raw connection to the daemon, for a hijacked exec stream.
     *
     * @param client the daemon's client
     * @return the connection
     * @throws IOException it could not be opened (already mapped by {@link #describe})
     */
    public static Duplex open(Client client) throws IOException {
        DockerEndpoint endpoint = client.endpoint();
        try {
            if (endpoint.isUnix()) {
                SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    channel.connect(UnixDomainSocketAddress.of(endpoint.host().getPath()));
                } catch (IOException e) {
                    channel.close();
                    throw e;
                }
                return new ChannelDuplex(channel);
            }
            Socket socket = new Socket();
            try {
                socket.connect(new InetSocketAddress(endpoint.host().getHost(), endpoint.host().getPort()),
                        (int) Math.max(1, endpoint.connectTimeout().toMillis()));
                socket.setTcpNoDelay(true);
                if (client.ssl() != null) {
                    SSLSocket tls = (SSLSocket) client.ssl().getSocketFactory().createSocket(socket,
                            endpoint.host().getHost(), endpoint.host().getPort(), true);
                    SSLParameters parameters = tls.getSSLParameters();
                    parameters.setEndpointIdentificationAlgorithm("HTTPS");
                    tls.setSSLParameters(parameters);
                    tls.setSoTimeout((int) Math.max(1, endpoint.connectTimeout().toMillis()));
                    tls.startHandshake();
                    tls.setSoTimeout(0);
                    socket = tls;
                }
            } catch (IOException e) {
                socket.close();
                throw e;
            }
            return new SocketDuplex(socket);
        } catch (IOException e) {
            throw describe(e, endpoint);
        }
    }

    /**
     * Turns a failure to reach the daemon into the API's exception family with a message that says where, what and
     * what to do.
     *
     * @param failure what docker-java or the socket threw
     * @param endpoint the daemon
     * @return the exception to throw
     */
    public static ConnectionException describe(Throwable failure, DockerEndpoint endpoint) {
        if (failure instanceof ConnectionException c) {
            return c;
        }
        String address = endpoint.address();
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String detail = words(root);
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (t instanceof AccessDeniedException || text.contains("permission denied") || text.contains("[13]")) {
                return new AuthenticationFailedException("permission denied on the docker socket " + address
                        + ": the user running Conduit (" + System.getProperty("user.name") + ") may not use it;"
                        + " add that user to the docker group, or point docker_host at a daemon it may use", failure);
            }
            if (t instanceof SocketTimeoutException || t instanceof InterruptedIOException
                    || t.getClass().getName().endsWith("ConnectTimeoutException")) {
                return new TimedOutException("docker daemon at " + address + " did not answer within "
                        + endpoint.connectTimeout().toSeconds() + "s; check that it runs and the address is right",
                        endpoint.connectTimeout(), null, failure);
            }
            if (t instanceof SSLException) {
                return new ConnectFailedException("TLS with the docker daemon at " + address + " failed ("
                        + detail + "); check cert_path (" + endpoint.certPath()
                        + ": ca.pem, cert.pem, key.pem) and that the daemon runs with --tlsverify", failure);
            }
            if (t instanceof ConnectException || t instanceof NoSuchFileException || t instanceof UnknownHostException
                    || t instanceof NoRouteToHostException || text.contains("no such file")
                    || text.contains("connection refused") || text.contains("[2]") || text.contains("[111]")) {
                return new ConnectFailedException("docker daemon at " + address + " is unreachable (" + detail
                        + "); start dockerd, or set docker_host (or DOCKER_HOST) to where it listens", failure);
            }
        }
        if (failure instanceof DockerException d) {
            return new ConnectionException("docker daemon at " + address + " answered " + d.getHttpStatus() + ": "
                    + d.getMessage().trim(), failure);
        }
        return new ConnectionException("docker daemon at " + address + ": the connection failed (" + detail
                + "); check that dockerd runs", failure);
    }

    /**
     * A library's reason in words for a message: its message without Java class names (docker-java wraps an
     * {@code IOException} in a {@code RuntimeException} whose message is the cause's {@code toString()}).
     *
     * @param t a failure, or {@code null}
     * @return its words, or "no reason given"
     */
    public static String words(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            String m = c.getMessage();
            if (m != null && !m.isBlank()) {
                m = m.replaceAll("\\b(?:[a-z_$][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error)\\b:?\\s*", "").strip();
                if (!m.isEmpty()) {
                    return m;
                }
            }
        }
        return "no reason given";
    }

    /** A bidirectional byte stream whose sending half can be closed alone. */
    public interface Duplex extends AutoCloseable {
        /** @return the bytes from the daemon */
        InputStream in();

        /** @return the bytes to the daemon */
        OutputStream out();

        /**
         * Half-closes: the daemon sees end of file on the exec's stdin.
         *
         * @throws IOException the socket failed
         */
        void shutdownOutput() throws IOException;

        /** Closes both directions; a blocked read fails at once. Never throws. */
        @Override
        void close();
    }

    /**
     * Streams over a unix {@link SocketChannel}. Not {@code Channels.newInputStream}: its streams synchronize on
     * the channel's blocking lock, so a read waiting for output would block the stdin writer.
     */
    private record ChannelDuplex(SocketChannel channel, InputStream in, OutputStream out) implements Duplex {
        ChannelDuplex(SocketChannel channel) {
            this(channel, new InputStream() {
                @Override
                public int read() throws IOException {
                    byte[] one = new byte[1];
                    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    if (len == 0) {
                        return 0;
                    }
                    int n = channel.read(ByteBuffer.wrap(b, off, len));
                    return n; // blocking channel: never 0
                }
            }, new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    ByteBuffer buffer = ByteBuffer.wrap(b, off, len);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
            });
        }

        @Override
        public void shutdownOutput() throws IOException {
            channel.shutdownOutput();
        }

        @Override
        public void close() {
            try {
                channel.close();
            } catch (IOException e) {
                // closing: nothing to do
            }
        }
    }

    private record SocketDuplex(Socket socket) implements Duplex {
        @Override
        public InputStream in() {
            try {
                return socket.getInputStream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public OutputStream out() {
            try {
                return socket.getOutputStream();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // closing: nothing to do
            }
        }
    }
}
