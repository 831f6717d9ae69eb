package io.conduit.rest.agent.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Makes X.509 certificates: a CA and server certificates it signs, with the subject alternative names a TLS
 * client checks. The JDK has no public API to build a certificate; BouncyCastle's bcpkix builds and encodes it
 * (RFC 5280) and writes PEM, while the keys, the signature and the parsed certificate stay the JDK's own (BC is
 * used as a library, not registered as a security provider). EC P-256 keys and ECDSA with SHA-256 keep it small
 * and fast.
 */
public final class Certificates {
    private static final String SIGNATURE = "SHA256withECDSA";
    /** Backdated so that a client whose clock is a little behind still accepts a certificate made just now. */
    private static final Duration BACKDATE = Duration.ofHours(1);
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A key pair and its certificate. */
    public record Issued(KeyPair keys, X509Certificate certificate) {
    }

    private Certificates() {
    }

    /**
     * Makes a self-signed CA certificate (basic constraints CA, key usage keyCertSign and cRLSign).
     *
     * @param commonName the CA's name
     * @param validity how long it is valid from now (positive; the certificate starts one hour before now)
     * @return the CA's keys and certificate
     * @throws GeneralSecurityException the JDK lacks EC or ECDSA (it never does), or encoding failed
     */
    public static Issued ca(String commonName, Duration validity) throws GeneralSecurityException {
        KeyPair keys = newKeyPair();
        X500Name name = name(commonName);
        X509v3CertificateBuilder builder = builder(name, name, keys, validity);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        } catch (CertIOException e) {
            throw new GeneralSecurityException("cannot encode the CA certificate's extensions", e);
        }
        return new Issued(keys, sign(builder, keys.getPrivate()));
    }

    /**
     * Makes a server certificate signed by a CA (not a CA itself, key usage digitalSignature, extended key usage
     * serverAuth).
     *
     * @param ca the signing CA
     * @param commonName the server's name
     * @param subjectAltNames DNS names and IP literals the certificate is valid for
     * @param validity how long it is valid from now (positive; the certificate starts one hour before now)
     * @return the server's keys and certificate
     * @throws GeneralSecurityException signing or encoding failed
     * @throws IllegalArgumentException a name looks like an IP literal and is not one
     */
    public static Issued server(Issued ca, String commonName, List<String> subjectAltNames, Duration validity)
            throws GeneralSecurityException {
        KeyPair keys = newKeyPair();
        List<GeneralName> names = new ArrayList<>();
        for (String san : subjectAltNames) {
            names.add(generalName(san));
        }
        X500Name issuer = X500Name.getInstance(ca.certificate().getSubjectX500Principal().getEncoded());
        X509v3CertificateBuilder builder = builder(issuer, name(commonName), keys, validity);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(new GeneralName[0])));
        } catch (CertIOException e) {
            throw new GeneralSecurityException("cannot encode the server certificate's extensions", e);
        }
        return new Issued(keys, sign(builder, ca.keys().getPrivate()));
    }

    /**
     * Writes a certificate as PEM ({@code -----BEGIN CERTIFICATE-----}, base64 in lines of 64).
     *
     * @param certificate the certificate
     * @return the PEM text, ending with a line break
     */
    public static String pem(X509Certificate certificate) {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(certificate);
        } catch (IOException e) {
            // a StringWriter does not fail; an unencodable certificate would be a JDK bug
            throw new UncheckedIOException(e);
        }
        return text.toString();
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

    /**
     * Tells whether a name is an IPv4 or IPv6 literal (no DNS lookup).
     *
     * @param name the name
     * @return {@code true} for an IP literal
     */
    public static boolean isIpLiteral(String name) {
        return name.matches("\\d{1,3}(\\.\\d{1,3}){3}") || name.contains(":");
    }

    private static KeyPair newKeyPair() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys,
            Duration validity) {
        byte[] serial = new byte[16];
        RANDOM.nextBytes(serial);
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(1, serial), Date.from(now.minus(BACKDATE)),
                Date.from(now.plus(validity)), subject, keys.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signer)
            throws GeneralSecurityException {
        ContentSigner content;
        try {
            content = new JcaContentSignerBuilder(SIGNATURE).build(signer);
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException("cannot sign with " + SIGNATURE + ": " + e.getMessage(), e);
        }
        return new JcaX509CertificateConverter().getCertificate(builder.build(content));
    }

    private static GeneralName generalName(String san) {
        if (isIpLiteral(san)) {
            try {
                return new GeneralName(GeneralName.iPAddress, san);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(san + " is not an IP address", e);
            }
        }
        return new GeneralName(GeneralName.dNSName, san.toLowerCase(Locale.ROOT));
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
    }
}
