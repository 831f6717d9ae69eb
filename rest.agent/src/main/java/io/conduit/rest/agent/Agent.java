package io.conduit.rest.agent;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import io.conduit.rest.agent.exec.CommandRunner;
import io.conduit.rest.agent.http.ApiHandler;
import io.conduit.rest.agent.http.NotFoundHandler;
import io.conduit.rest.agent.tls.ServerTls;

/**
 * A running agent: the JDK's HTTPS server with the API mounted under the API path. Start it with {@link #start},
 * stop it with {@link #stop}; tests use both in-process, {@link AgentMain} from the command line.
 */
public final class Agent implements AutoCloseable {
    /** The agent's version, reported by /health. */
    public static final String VERSION = "0.1.0";

    private final AgentConfig config;
    private final HttpServer server;
    private final ThreadPoolExecutor executor;
    private final CommandRunner runner;
    private final ServerTls tls;
    private final java.util.concurrent.atomic.AtomicBoolean stopped = new java.util.concurrent.atomic.AtomicBoolean();

    private Agent(AgentConfig config, HttpServer server, ThreadPoolExecutor executor, CommandRunner runner,
            ServerTls tls) {
        this.config = config;
        this.server = server;
        this.executor = executor;
        this.runner = runner;
        this.tls = tls;
    }

    /**
     * Starts an agent.
     *
     * @param config its settings
     * @return the running agent
     * @throws IOException the port cannot be bound or the state directory written
     * @throws GeneralSecurityException the key store is unusable
     */
    public static Agent start(AgentConfig config) throws IOException, GeneralSecurityException {
        ServerTls tls = null;
        InetSocketAddress address = new InetSocketAddress(config.bind(), config.port());
        HttpServer server;
        if (config.tls()) {
            tls = config.keystore() != null ? ServerTls.fromKeystore(config.keystore(), config.keystorePassword())
                    : ServerTls.selfSigned(config.stateDir(), config.bind(), config.subjectAltNames());
            HttpsServer https = HttpsServer.create(address, 64);
            https.setHttpsConfigurator(new HttpsConfigurator(tls.context()));
            server = https;
        } else {
            server = HttpServer.create(address, 64);
        }
        AtomicInteger count = new AtomicInteger();
        // one thread per request in progress: a long command must not hold up /health or a file. Commands, the
        // expensive part, are bounded by --max-commands in the handler (503 beyond), bodies by the size limits
        ThreadPoolExecutor executor = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS,
                new SynchronousQueue<>(), r -> {
                    Thread t = new Thread(r, "agent-http-" + count.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        CommandRunner runner = new CommandRunner(config.workdir());
        server.setExecutor(executor);
        server.createContext(config.apiPath(), new ApiHandler(config.apiPath(), config.token(), runner,
                new ApiHandler.Settings(config.maxRequestBytes(), config.maxFileBytes(), config.maxOutputBytes(),
                        config.maxCommandTimeout(), config.maxCommands(), VERSION)));
        if (!config.apiPath().equals("/")) {
            server.createContext("/", new NotFoundHandler(config.apiPath()));
        }
        server.start();
        return new Agent(config, server, executor, runner, tls);
    }

    /** @return the port the agent listens on */
    public int port() {
        return server.getAddress().getPort();
    }

    /** @return the base URL of the API */
    public String url() {
        String host = config.bind().contains(":") ? "[" + config.bind() + "]" : config.bind();
        return (config.tls() ? "https" : "http") + "://" + host + ":" + port() + config.apiPath();
    }

    /** @return the CA certificate clients must trust, or {@code null} (operator key store or no TLS) */
    public X509Certificate caCertificate() {
        return tls == null ? null : tls.ca();
    }

    /** @return the server certificate, or {@code null} without TLS */
    public X509Certificate certificate() {
        return tls == null ? null : tls.certificate();
    }

    /** @return whether this start made the self-signed certificate */
    public boolean createdCertificate() {
        return tls != null && tls.created();
    }

    /** @return warnings about the TLS setup */
    public List<String> warnings() {
        return tls == null ? List.of() : tls.warnings();
    }

    /** @return where the CA certificate is written */
    public Path caFile() {
        return config.stateDir().resolve("ca.pem").toAbsolutePath();
    }

    /**
     * Stops at once, like a crash would look to clients: open connections are closed, then running commands are
     * killed with their process trees.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        server.stop(0);
        executor.shutdownNow();
        runner.killAll();
        try {
            executor.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }
}
