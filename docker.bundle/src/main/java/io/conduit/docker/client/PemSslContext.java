package io.conduit.docker.client;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Builds the TLS context for a {@code tcp://} daemon from the docker CLI's certificate directory ({@code ca.pem},
 * {@code cert.pem}, {@code key.pem}). BouncyCastle's PEM reader (bcpkix, embedded) parses the files: PKCS#8 keys and
 * the PKCS#1 RSA and SEC1 EC keys that {@code openssl genrsa}/{@code ecparam} write. The keys and certificates are
 * then made by the JDK's own providers: BouncyCastle is not registered as a security provider.
 */
public final class PemSslContext {
    private PemSslContext() {
    }

    /**
     * Makes the context.
     *
     * @param certPath the directory
     * @return a context that trusts only {@code ca.pem} and presents {@code cert.pem}
     * @throws IOException a file is missing, unreadable or not what it should be; the message names it and says
     *         what to do
     */
    public static SSLContext load(Path certPath) throws IOException {
        Path ca = certPath.resolve("ca.pem");
        Path cert = certPath.resolve("cert.pem");
        Path key = certPath.resolve("key.pem");
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : certificates(ca)) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IOException(ca + " holds no certificate; copy the daemon's CA certificate there");
            }
            List<Certificate> chain = certificates(cert);
            if (chain.isEmpty()) {
                throw new IOException(cert + " holds no certificate; copy the client certificate there");
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            keys.load(null, null);
            char[] none = new char[0];
            keys.setKeyEntry("client", privateKey(key), none, chain.toArray(new Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, none);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), new SecureRandom());
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the TLS files in " + certPath + ": " + e.getMessage()
                    + "; check ca.pem, cert.pem and key.pem (PEM, key unencrypted)", e);
        }
    }

    private static Reader open(Path file) throws IOException {
        try {
            return Files.newBufferedReader(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            throw new IOException(file + " does not exist; set cert_path (or DOCKER_CERT_PATH) to the directory"
                    + " holding ca.pem, cert.pem and key.pem", e);
        }
    }

    /** @return the file's certificates in order; other PEM blocks are skipped */
    private static List<Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
        JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        List<Certificate> out = new ArrayList<>();
        try (PEMParser pem = new PEMParser(open(file))) {
            for (Object o = read(pem, file); o != null; o = read(pem, file)) {
                if (o instanceof X509CertificateHolder holder) {
                    out.add(converter.getCertificate(holder));
                }
            }
        }
        return out;
    }

    /**
     * Reads the first private key of a PEM file: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}) or
     * SEC1 ({@code EC PRIVATE KEY}); other blocks ({@code EC PARAMETERS}) are skipped.
     *
     * @param file the key file
     * @return the key
     * @throws IOException the file is missing, holds no key, or an encrypted one, or one of an algorithm the JDK
     *         does not know
     * @throws GeneralSecurityException the key's encoding is invalid
     */
    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (PEMParser pem = new PEMParser(open(file))) {
            for (Object o = read(pem, file); o != null; o = read(pem, file)) {
                PrivateKeyInfo info = null;
                if (o instanceof PEMKeyPair pair) {
                    info = pair.getPrivateKeyInfo();
                } else if (o instanceof PrivateKeyInfo p) {
                    info = p;
                } else if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                    throw new IOException(file + " is encrypted; docker key files must not be: openssl pkey -in"
                            + " key.pem -out key.pem");
                }
                if (info != null) {
                    try {
                        return converter.getPrivateKey(info);
                    } catch (org.bouncycastle.openssl.PEMException e) {
                        throw new IOException(file + ": unsupported private key algorithm ("
                                + info.getPrivateKeyAlgorithm().getAlgorithm() + ")", e);
                    }
                }
            }
        }
        throw new IOException(file + " holds no private key in PEM form");
    }

    /** One PEM object, a malformed block worded with the file's name. */
    private static Object read(PEMParser pem, Path file) throws IOException {
        try {
            return pem.readObject();
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + " is not valid PEM (" + e.getMessage() + ")", e);
        }
    }
}
