package io.conduit.docker.client;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the TLS context for a {@code tcp://} daemon from the docker CLI's certificate directory ({@code ca.pem},
 * {@code cert.pem}, {@code key.pem}) with the JDK alone. docker-java's own loader needs BouncyCastle (8 MB);
 * this one reads PKCS#8 keys and the PKCS#1 RSA and SEC1 EC keys that {@code openssl genrsa}/{@code ecparam} write.
 */
public final class PemSslContext {
    private static final Pattern BLOCK = Pattern.compile(
            "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    private static final byte[] EC_OID = hex("06072a8648ce3d0201");

    private PemSslContext() {
    }

    /**
     * Makes the context.
     *
     * @param certPath the directory
     * @return a context that trusts only {@code ca.pem} and presents {@code cert.pem}
     * @throws IOException a file is missing or unreadable; the message names it and says what to do
     */
    public static SSLContext load(Path certPath) throws IOException {
        Path ca = certPath.resolve("ca.pem");
        Path cert = certPath.resolve("cert.pem");
        Path key = certPath.resolve("key.pem");
        try {
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            int i = 0;
            for (Certificate c : x509.generateCertificates(new ByteArrayInputStream(read(ca)))) {
                trust.setCertificateEntry("ca" + i++, c);
            }
            if (i == 0) {
                throw new IOException(ca + " holds no certificate; copy the daemon's CA certificate there");
            }
            List<Certificate> chain = new ArrayList<>(x509.generateCertificates(new ByteArrayInputStream(read(cert))));
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

    private static byte[] read(Path file) throws IOException {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + " does not exist; set cert_path (or DOCKER_CERT_PATH) to the directory"
                    + " holding ca.pem, cert.pem and key.pem", e);
        }
    }

    static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        Matcher m = BLOCK.matcher(new String(read(file), StandardCharsets.US_ASCII));
        while (m.find()) {
            String type = m.group(1);
            byte[] der = Base64.getMimeDecoder().decode(m.group(2));
            switch (type) {
                case "PRIVATE KEY" -> {
                    for (String algorithm : new String[] {"RSA", "EC", "Ed25519"}) {
                        try {
                            return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                        } catch (GeneralSecurityException e) {
                            // try the next algorithm
                        }
                    }
                    throw new IOException(file + ": unsupported private key algorithm");
                }
                case "RSA PRIVATE KEY" -> {
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(RSA_ALGORITHM, der)));
                }
                case "EC PRIVATE KEY" -> {
                    byte[] curve = ecCurve(der);
                    byte[] algorithm = tlv(0x30, concat(EC_OID, curve));
                    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(pkcs8(algorithm, der)));
                }
                case "ENCRYPTED PRIVATE KEY" -> throw new IOException(file + " is encrypted; docker key files must"
                        + " not be: openssl pkey -in key.pem -out key.pem");
                default -> {
                    // EC PARAMETERS and the like: skip
                }
            }
        }
        throw new IOException(file + " holds no private key in PEM form");
    }

    /** Wraps a PKCS#1 or SEC1 key in a PKCS#8 PrivateKeyInfo. */
    private static byte[] pkcs8(byte[] algorithm, byte[] key) {
        return tlv(0x30, concat(hex("020100"), algorithm, tlv(0x04, key)));
    }

    /** The named-curve OID TLV in a SEC1 ECPrivateKey's [0] parameters. */
    private static byte[] ecCurve(byte[] der) throws IOException {
        int[] seq = header(der, 0);
        int pos = seq[0];
        int end = seq[0] + seq[1];
        while (pos < end) {
            int tag = der[pos] & 0xff;
            int[] h = header(der, pos);
            if (tag == 0xa0) {
                byte[] oid = new byte[h[1]];
                System.arraycopy(der, h[0], oid, 0, h[1]);
                return oid;
            }
            pos = h[0] + h[1];
        }
        throw new IOException("EC key without a named curve; convert it: openssl pkcs8 -topk8 -nocrypt");
    }

    /** @return {contentStart, contentLength} of the TLV at pos */
    private static int[] header(byte[] der, int pos) throws IOException {
        if (pos + 1 >= der.length) {
            throw new IOException("truncated DER in key file");
        }
        int len = der[pos + 1] & 0xff;
        int start = pos + 2;
        if (len > 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[start + i] & 0xff);
            }
            start += n;
        }
        return new int[] {start, len};
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] hex(String text) {
        byte[] out = new byte[text.length() / 2];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(text.substring(2 * i, 2 * i + 2), 16);
        }
        return out;
    }
}
