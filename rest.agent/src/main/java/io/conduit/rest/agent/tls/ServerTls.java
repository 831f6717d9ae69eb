package io.conduit.rest.agent.tls;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The agent's TLS identity: an operator's PKCS12 key store, or a self-signed CA and server certificate made on
 * first start and kept in the state directory ({@code agent.p12}, its password in {@code agent.p12.password},
 * both 0600, and the CA certificate clients must trust in {@code ca.pem}). The CA's private key is thrown away
 * after signing: nobody can issue another certificate under it.
 *
 * @param context the SSL context to serve with
 * @param certificate the server certificate
 * @param ca the CA certificate written to {@code ca.pem}, or {@code null} with an operator key store
 * @param created whether this start made the certificate
 * @param warnings things the operator should know (a missing SAN, loose file permissions)
 */
public record ServerTls(SSLContext context, X509Certificate certificate, X509Certificate ca, boolean created,
        List<String> warnings) {

    private static final String STORE = "agent.p12";
    private static final String ALIAS = "conduit-agent";

    /**
     * Loads an operator's key store.
     *
     * @param keystore the PKCS12 file
     * @param password its password
     * @return the TLS identity
     * @throws IOException the file cannot be read or holds no key
     * @throws GeneralSecurityException the key store is broken or the password wrong
     */
    public static ServerTls fromKeystore(Path keystore, char[] password) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, password);
        }
        X509Certificate cert = firstKeyCertificate(store, keystore);
        return new ServerTls(context(store, password), cert, null, false, List.of());
    }

    /**
     * Loads the self-signed identity from the state directory, or makes it on first start.
     *
     * @param stateDir the state directory (created when missing)
     * @param bind the bind address, which goes into the certificate's names
     * @param extraNames more DNS names or IP addresses for the certificate
     * @return the TLS identity
     * @throws IOException the state directory cannot be written
     * @throws GeneralSecurityException the key store is broken
     */
    public static ServerTls selfSigned(Path stateDir, String bind, List<String> extraNames)
            throws IOException, GeneralSecurityException {
        Files.createDirectories(stateDir);
        Path store = stateDir.resolve(STORE);
        Path passwordFile = stateDir.resolve(STORE + ".password");
        Path caFile = stateDir.resolve("ca.pem");
        Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1"));
        if (!bind.equals("0.0.0.0") && !bind.equals("::")) {
            names.add(bind);
        } else {
            names.add(InetAddress.getLocalHost().getHostName());
        }
        names.addAll(extraNames);

        if (Files.exists(store) && Files.exists(passwordFile)) {
            char[] password = Files.readString(passwordFile, StandardCharsets.US_ASCII).strip().toCharArray();
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, password);
            }
            X509Certificate cert = firstKeyCertificate(keyStore, store);
            Certificate[] chain = keyStore.getCertificateChain(ALIAS);
            X509Certificate ca = chain != null && chain.length > 1 ? (X509Certificate) chain[chain.length - 1] : null;
            List<String> warnings = new ArrayList<>();
            Set<String> missing = new LinkedHashSet<>(names);
            missing.removeAll(sans(cert));
            if (!missing.isEmpty()) {
                warnings.add("the certificate in " + store + " does not name " + missing
                        + "; clients connecting by those names fail hostname verification. Delete " + store
                        + " and ca.pem to make a new one (clients must then trust the new ca.pem)");
            }
            if (ca != null && !Files.exists(caFile)) {
                writePrivate(caFile, Certificates.pem(ca).getBytes(StandardCharsets.US_ASCII), false);
            }
            return new ServerTls(context(keyStore, password), cert, ca, false, warnings);
        }

        Certificates.Issued ca = Certificates.ca("Conduit agent CA " + InetAddress.getLocalHost().getHostName()
                + " " + Long.toHexString(System.nanoTime()), Duration.ofDays(3650));
        Certificates.Issued server = Certificates.server(ca, bind,
                List.copyOf(names), Duration.ofDays(3650));
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        char[] password = Base64.getUrlEncoder().withoutPadding().encodeToString(random).toCharArray();
        KeyStore keyStore = KeyStore.getInstance("PKCS12");
        keyStore.load(null, null);
        keyStore.setKeyEntry(ALIAS, server.keys().getPrivate(), password,
                new Certificate[] {server.certificate(), ca.certificate()});
        writePrivate(passwordFile, new String(password).getBytes(StandardCharsets.US_ASCII), true);
        Path temp = Files.createTempFile(stateDir, STORE, ".tmp");
        try (OutputStream out = Files.newOutputStream(temp)) {
            keyStore.store(out, password);
        }
        restrict(temp);
        Files.move(temp, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        writePrivate(caFile, Certificates.pem(ca.certificate()).getBytes(StandardCharsets.US_ASCII), false);
        return new ServerTls(context(keyStore, password), server.certificate(), ca.certificate(), true, List.of());
    }

    private static X509Certificate firstKeyCertificate(KeyStore store, Path file) throws GeneralSecurityException {
        for (String alias : java.util.Collections.list(store.aliases())) {
            if (store.isKeyEntry(alias)) {
                return (X509Certificate) store.getCertificate(alias);
            }
        }
        throw new GeneralSecurityException(file + " holds no private key entry; it needs the server key and chain");
    }

    private static Set<String> sans(X509Certificate cert) throws GeneralSecurityException {
        Set<String> out = new LinkedHashSet<>();
        Collection<List<?>> names = cert.getSubjectAlternativeNames();
        if (names != null) {
            for (List<?> name : names) {
                out.add(String.valueOf(name.get(1)));
            }
        }
        return out;
    }

    private static SSLContext context(KeyStore store, char[] password) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(kmf.getKeyManagers(), null, null);
        return context;
    }

    private static void writePrivate(Path file, byte[] content, boolean secret) throws IOException {
        Path temp = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
        if (secret) {
            restrict(temp);
        } else {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system
            }
        }
        Files.write(temp, content);
        Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void restrict(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: nothing more we can do
        }
    }
}
