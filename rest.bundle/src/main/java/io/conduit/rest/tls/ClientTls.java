package io.conduit.rest.tls;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The client side of TLS for one connection: which CAs to trust ({@code ca_file} or the JDK's), or nothing at
 * all ({@code verify_ssl: false}); and, when the handshake fails, why, in words an operator can act on. The JDK's
 * handshake exception only says "PKIX path building failed" or names a SAN; this trust manager checks the chain
 * and then the host name as two steps and remembers which one failed.
 */
public final class ClientTls {
    private final SSLContext context;
    // by peer "host:port": the context is shared by every connection with the same settings
    private final Map<String, String> failures = new ConcurrentHashMap<>();

    private ClientTls(SSLContext context) {
        this.context = context;
    }

    /**
     * Builds the TLS setup.
     *
     * @param verify whether to verify the chain and the host name
     * @param caFile PEM file of CA certificates to trust, or {@code null} for the JDK's trust store
     * @return the setup
     * @throws IOException the CA file cannot be read or holds no certificate
     * @throws GeneralSecurityException the JDK cannot build an SSL context
     */
    public static ClientTls create(boolean verify, Path caFile) throws IOException, GeneralSecurityException {
        ClientTls tls;
        SSLContext context = SSLContext.getInstance("TLS");
        tls = new ClientTls(context);
        TrustManager manager;
        if (!verify) {
            manager = new TrustAll();
        } else {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(caFile == null ? null : trustStore(caFile));
            X509ExtendedTrustManager delegate = null;
            for (TrustManager m : factory.getTrustManagers()) {
                if (m instanceof X509ExtendedTrustManager x) {
                    delegate = x;
                }
            }
            if (delegate == null) {
                throw new GeneralSecurityException("no X.509 trust manager in this JDK");
            }
            manager = tls.new Explaining(delegate);
        }
        context.init(null, new TrustManager[] {manager}, null);
        return tls;
    }

    /** @return the SSL context for the HTTP client */
    public SSLContext context() {
        return context;
    }

    /**
     * Takes the reason of the last handshake failure with a peer, if this trust manager saw it.
     *
     * @param host the peer's host as in the URL (no brackets)
     * @param port the peer's port
     * @return the reason in words, or {@code null} when the trust manager did not fail
     */
    public String takeFailure(String host, int port) {
        return failures.remove(host + ":" + port);
    }

    private void record(SSLEngine engine, String reason) {
        if (engine != null && engine.getPeerHost() != null) {
            failures.put(engine.getPeerHost() + ":" + engine.getPeerPort(), reason);
        }
    }

    private static KeyStore trustStore(Path caFile) throws IOException, GeneralSecurityException {
        if (!Files.isReadable(caFile)) {
            throw new IOException("ca_file " + caFile + " cannot be read; copy the device's CA certificate there"
                    + " (the reference agent writes it to STATE_DIR/ca.pem)");
        }
        Collection<? extends Certificate> certificates;
        try (InputStream in = Files.newInputStream(caFile)) {
            certificates = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException e) {
            throw new IOException("ca_file " + caFile + " is not a PEM certificate file: " + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new IOException("ca_file " + caFile + " holds no certificate; it needs -----BEGIN CERTIFICATE-----");
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int i = 0;
        for (Certificate c : certificates) {
            store.setCertificateEntry("ca-" + i++, c);
        }
        return store;
    }

    /**
     * A short description of a certificate for messages: subject and SHA-256 fingerprint.
     *
     * @param cert the certificate
     * @return the description
     */
    static String describe(X509Certificate cert) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(cert.getEncoded());
            return "'" + cert.getSubjectX500Principal().getName() + "' (SHA-256 "
                    + HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest, 0, 8) + "...)";
        } catch (GeneralSecurityException e) {
            return "'" + cert.getSubjectX500Principal().getName() + "'";
        }
    }

    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>();
        try {
            Collection<List<?>> sans = cert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    out.add(String.valueOf(san.get(1)));
                }
            }
        } catch (CertificateException e) {
            // unparsable SANs: the list stays empty
        }
        return out;
    }

    /** Checks the chain, then the host name, and records which failed. */
    private final class Explaining extends X509ExtendedTrustManager {
        private final X509ExtendedTrustManager delegate;

        Explaining(X509ExtendedTrustManager delegate) {
            this.delegate = delegate;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            chain(chain, authType, engine);
            try {
                delegate.checkServerTrusted(chain, authType, engine);
            } catch (CertificateException e) {
                String host = engine == null ? null : engine.getPeerHost();
                record(engine, "certificate hostname mismatch: the device's certificate " + describe(chain[0])
                        + " is valid for " + names(chain[0]) + ", not for '" + host + "'; connect by one of those"
                        + " names (set the host's hostname), or give the device a certificate that names '" + host
                        + "' (reference agent: --san " + host + ")");
                throw e;
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            chain(chain, authType, null);
            delegate.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            chain(chain, authType, null);
        }

        private void chain(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            try {
                delegate.checkServerTrusted(chain, authType);
            } catch (CertificateException e) {
                Throwable root = e;
                while (root.getCause() != null) {
                    root = root.getCause();
                }
                if (root instanceof CertificateExpiredException || root instanceof CertificateNotYetValidException) {
                    record(engine, "certificate expired or not yet valid: " + describe(chain[0]) + " is valid from "
                            + chain[0].getNotBefore() + " to " + chain[0].getNotAfter()
                            + "; renew the device's certificate or check this machine's clock");
                } else {
                    X509Certificate top = chain[chain.length - 1];
                    record(engine, "certificate not trusted: " + describe(chain[0]) + ", issued by '"
                            + top.getIssuerX500Principal().getName() + "', is not signed by a CA in "
                            + "the trust store; set ca_file to the device's CA certificate (reference agent:"
                            + " STATE_DIR/ca.pem), or verify_ssl: false to skip the check (insecure)");
                }
                throw e;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("client certificates are not checked here");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /**
     * Accepts every certificate and skips the host name check ({@code verify_ssl: false}); being an
     * {@link X509ExtendedTrustManager} keeps JSSE from adding its own host name check around it.
     */
    private static final class TrustAll extends X509ExtendedTrustManager implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
