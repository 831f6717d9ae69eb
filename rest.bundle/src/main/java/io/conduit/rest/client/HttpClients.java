package io.conduit.rest.client;

import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

import io.conduit.rest.plugin.RestSettings;
import io.conduit.rest.tls.ClientTls;

/**
 * HTTP clients shared by every connection with the same TLS and connect settings, so that a fleet of 500
 * devices behind one CA costs one client (one selector thread, one connection pool) instead of 500. A
 * changed {@code ca_file} (new modification time or size) gets a new client.
 */
public final class HttpClients {
    private final Executor executor;
    private final Map<Key, Shared> clients = new ConcurrentHashMap<>();

    /** A client and the TLS setup that explains its handshake failures. */
    record Shared(HttpClient client, ClientTls tls) {
    }

    private record Key(boolean ssl, boolean verify, String caFile, long caModified, long caSize,
            Duration connectTimeout) {
    }

    /** @param executor runs every client's work; owned by the plugin, which stops it */
    public HttpClients(Executor executor) {
        this.executor = executor;
    }

    /**
     * Returns the client for these settings, making it on first use.
     *
     * @param s the host's settings
     * @return the shared client
     * @throws IOException the CA file cannot be read
     * @throws GeneralSecurityException the JDK cannot set up TLS
     */
    Shared get(RestSettings s) throws IOException, GeneralSecurityException {
        Path ca = s.caFile() == null ? null : Path.of(s.caFile());
        long modified = 0;
        long size = 0;
        if (ca != null && Files.exists(ca)) {
            modified = Files.getLastModifiedTime(ca).toMillis();
            size = Files.size(ca);
        }
        Key key = new Key(s.useSsl(), s.useSsl() && s.verifySsl(), s.useSsl() ? s.caFile() : null, modified, size,
                s.connectTimeout());
        Shared shared = clients.get(key);
        if (shared != null) {
            return shared;
        }
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(s.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        ClientTls tls = null;
        if (s.useSsl()) {
            tls = ClientTls.create(s.verifySsl(), ca);
            builder.sslContext(tls.context());
        }
        Shared made = new Shared(builder.build(), tls);
        Shared raced = clients.putIfAbsent(key, made);
        return raced != null ? raced : made;
    }

    /** Forgets every client (the plugin is stopping). */
    public void clear() {
        clients.clear();
    }

    /** @return how many clients exist, for tests */
    public int size() {
        return clients.size();
    }
}
