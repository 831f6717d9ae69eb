package io.conduit.rest.agent.tls;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Makes X.509 certificates with nothing but the JDK: a CA and server certificates it signs, with the subject
 * alternative names a TLS client checks. The JDK has no public API to build a certificate, so this writes the
 * DER by hand (RFC 5280); EC P-256 keys and ECDSA with SHA-256 keep it small and fast.
 */
public final class Certificates {
    private static final byte[] OID_ECDSA_SHA256 = oid(1, 2, 840, 10045, 4, 3, 2);
    private static final byte[] OID_CN = oid(2, 5, 4, 3);
    private static final byte[] OID_BASIC_CONSTRAINTS = oid(2, 5, 29, 19);
    private static final byte[] OID_KEY_USAGE = oid(2, 5, 29, 15);
    private static final byte[] OID_SAN = oid(2, 5, 29, 17);
    private static final byte[] OID_EXT_KEY_USAGE = oid(2, 5, 29, 37);
    private static final byte[] OID_SERVER_AUTH = oid(1, 3, 6, 1, 5, 5, 7, 3, 1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private Certificates() {
    }

    /**
     * Makes a self-signed CA certificate.
     *
     * @param commonName the CA's name
     * @param validity how long it is valid
     * @return the CA's keys and certificate
     * @throws GeneralSecurityException the JDK lacks EC or ECDSA (it never does)
     */
    public static Issued ca(String commonName, Duration validity) throws GeneralSecurityException {
        KeyPair keys = newKeyPair();
        byte[] name = name(commonName);
        List<byte[]> extensions = List.of(
                extension(OID_BASIC_CONSTRAINTS, true, seq(bool(true))),
                extension(OID_KEY_USAGE, true, bitString(new byte[] {0x06}, 1))); // keyCertSign, cRLSign
        return new Issued(keys, sign(name, name, keys.getPublic().getEncoded(), validity, extensions, keys.getPrivate()));
    }

    /**
     * Makes a server certificate signed by a CA.
     *
     * @param ca the signing CA
     * @param commonName the server's name
     * @param subjectAltNames DNS names and IP literals the certificate is valid for
     * @param validity how long it is valid
     * @return the server's keys and certificate
     * @throws GeneralSecurityException signing failed
     */
    public static Issued server(Issued ca, String commonName, List<String> subjectAltNames, Duration validity)
            throws GeneralSecurityException {
        KeyPair keys = newKeyPair();
        List<byte[]> names = new ArrayList<>();
        for (String san : subjectAltNames) {
            names.add(generalName(san));
        }
        List<byte[]> extensions = List.of(
                extension(OID_BASIC_CONSTRAINTS, true, seq()),
                extension(OID_KEY_USAGE, true, bitString(new byte[] {(byte) 0x80}, 7)), // digitalSignature
                extension(OID_EXT_KEY_USAGE, false, seq(OID_SERVER_AUTH)),
                extension(OID_SAN, false, seq(names.toArray(new byte[0][]))));
        byte[] issuer = ca.certificate().getSubjectX500Principal().getEncoded();
        return new Issued(keys, sign(issuer, name(commonName), keys.getPublic().getEncoded(), validity, extensions,
                ca.keys().getPrivate()));
    }

    /**
     * Writes a certificate as PEM.
     *
     * @param certificate the certificate
     * @return the PEM text
     */
    public static String pem(X509Certificate certificate) {
        try {
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(certificate.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The SHA-256 fingerprint as operators compare it ({@code AB:CD:...}).
     *
     * @param certificate the certificate
     * @return the fingerprint
     */
    public static String fingerprint(X509Certificate certificate) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
            return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509Certificate sign(byte[] issuer, byte[] subject, byte[] publicKeyInfo, Duration validity,
            List<byte[]> extensions, PrivateKey signer) throws GeneralSecurityException {
        byte[] serial = new byte[16];
        RANDOM.nextBytes(serial);
        serial[0] &= 0x7f;
        Instant now = Instant.now();
        byte[] algorithm = seq(OID_ECDSA_SHA256);
        byte[] tbs = seq(
                tagged(0xa0, integer(BigInteger.TWO)), // v3
                integer(new BigInteger(1, serial)),
                algorithm,
                issuer,
                seq(time(now.minus(Duration.ofHours(1))), time(now.plus(validity))),
                subject,
                publicKeyInfo,
                tagged(0xa3, seq(extensions.toArray(new byte[0][]))));
        Signature signature = Signature.getInstance("SHA256withECDSA");
        signature.initSign(signer);
        signature.update(tbs);
        byte[] der = seq(tbs, algorithm, bitString(signature.sign(), 0));
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    private static byte[] generalName(String san) {
        if (isIpLiteral(san)) {
            try {
                return tlv(0x87, InetAddress.getByName(san).getAddress()); // iPAddress [7]
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException(san + " is not an IP address", e);
            }
        }
        return tlv(0x82, san.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.US_ASCII)); // dNSName [2]
    }

    /**
     * Tells whether a name is an IPv4 or IPv6 literal (no DNS lookup).
     *
     * @param name the name
     * @return {@code true} for an IP literal
     */
    public static boolean isIpLiteral(String name) {
        return name.matches("\\d{1,3}(\\.\\d{1,3}){3}") || name.contains(":");
    }

    private static byte[] name(String commonName) {
        return seq(set(seq(OID_CN, tlv(0x0c, commonName.getBytes(StandardCharsets.UTF_8)))));
    }

    private static byte[] extension(byte[] oid, boolean critical, byte[] value) {
        return critical ? seq(oid, bool(true), tlv(0x04, value)) : seq(oid, tlv(0x04, value));
    }

    private static byte[] time(Instant instant) {
        var utc = instant.atZone(ZoneOffset.UTC);
        if (utc.getYear() < 2050) {
            return tlv(0x17, DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").format(utc).getBytes(StandardCharsets.US_ASCII));
        }
        return tlv(0x18, DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").format(utc).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] oid(int... arcs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(arcs[0] * 40 + arcs[1]);
        for (int i = 2; i < arcs.length; i++) {
            int arc = arcs[i];
            int shift = 28;
            while (shift > 0 && (arc >>> shift) == 0) {
                shift -= 7;
            }
            for (; shift > 0; shift -= 7) {
                out.write(0x80 | ((arc >>> shift) & 0x7f));
            }
            out.write(arc & 0x7f);
        }
        return tlv(0x06, out.toByteArray());
    }

    private static byte[] integer(BigInteger value) {
        return tlv(0x02, value.toByteArray());
    }

    private static byte[] bool(boolean value) {
        return tlv(0x01, new byte[] {(byte) (value ? 0xff : 0)});
    }

    private static byte[] bitString(byte[] bits, int unusedBits) {
        byte[] content = new byte[bits.length + 1];
        content[0] = (byte) unusedBits;
        System.arraycopy(bits, 0, content, 1, bits.length);
        return tlv(0x03, content);
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] set(byte[]... parts) {
        return tlv(0x31, concat(parts));
    }

    private static byte[] tagged(int tag, byte[] content) {
        return tlv(tag, content);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int length = content.length;
        if (length < 0x80) {
            out.write(length);
        } else {
            int bytes = length > 0xffffff ? 4 : length > 0xffff ? 3 : length > 0xff ? 2 : 1;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(length >>> (8 * i));
            }
        }
        out.writeBytes(content);
        return out.toByteArray();
    }
}
