package io.conduit.rest.agent.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

/** The certificates the agent makes on first start, as a TLS client and openssl read them. */
class CertificatesTest {
    @Test
    void aCaSignsAServerCertificateNamingItsHostsAndAddresses() throws Exception {
        Certificates.Issued ca = Certificates.ca("Test CA", Duration.ofDays(10));
        Certificates.Issued server = Certificates.server(ca, "dev", List.of("Dev.Example", "127.0.0.1", "::1"),
                Duration.ofDays(10));
        X509Certificate c = server.certificate();

        c.verify(ca.certificate().getPublicKey());
        ca.certificate().verify(ca.certificate().getPublicKey());
        assertEquals("CN=Test CA", ca.certificate().getSubjectX500Principal().getName());
        assertEquals(ca.certificate().getSubjectX500Principal(), c.getIssuerX500Principal());
        assertEquals("CN=dev", c.getSubjectX500Principal().getName());
        assertEquals(Integer.MAX_VALUE, ca.certificate().getBasicConstraints(), "a CA without a path length");
        assertEquals(-1, c.getBasicConstraints(), "the server's is not a CA");
        assertTrue(ca.certificate().getKeyUsage()[5], "keyCertSign");
        assertTrue(c.getKeyUsage()[0], "digitalSignature");
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), c.getExtendedKeyUsage(), "serverAuth");
        assertEquals("SHA256withECDSA", c.getSigAlgName());
        assertEquals(3, c.getVersion());

        Collection<List<?>> names = c.getSubjectAlternativeNames();
        assertEquals(List.of("2:dev.example", "7:127.0.0.1", "7:0:0:0:0:0:0:0:1"),
                names.stream().map(n -> n.get(0) + ":" + n.get(1)).collect(Collectors.toList()),
                "DNS names lower-cased, IP literals as addresses");

        Instant now = Instant.now();
        assertTrue(c.getNotBefore().toInstant().isBefore(now.minus(Duration.ofMinutes(59))), "backdated an hour");
        assertTrue(c.getNotAfter().toInstant().isAfter(now.plus(Duration.ofDays(9))));
    }

    @Test
    void pemIsWhatTheJdkAndOpensslRead() throws Exception {
        Certificates.Issued ca = Certificates.ca("Test CA", Duration.ofDays(1));
        String pem = Certificates.pem(ca.certificate());

        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----\n"), pem);
        assertTrue(pem.endsWith("-----END CERTIFICATE-----\n"), pem);
        assertTrue(pem.lines().allMatch(l -> l.length() <= 64), "lines of at most 64 characters");
        X509Certificate read = (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        assertEquals(ca.certificate(), read);
        assertEquals(95, Certificates.fingerprint(read).length(), "32 bytes as AB:CD:...");
    }

    @Test
    void aNameThatLooksLikeAnAddressMustBeOne() {
        Certificates.Issued ca = testCa();
        assertThrows(IllegalArgumentException.class, () -> Certificates.server(ca, "dev", List.of("300.1.2.3"),
                Duration.ofDays(1)));
    }

    private static Certificates.Issued testCa() {
        try {
            return Certificates.ca("Test CA", Duration.ofDays(1));
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError(e);
        }
    }
}
