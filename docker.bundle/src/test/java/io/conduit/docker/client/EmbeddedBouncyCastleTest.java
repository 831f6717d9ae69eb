package io.conduit.docker.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

/**
 * The bundle embeds only the BouncyCastle packages that bnd.bnd lists; every class {@link PemSslContext} can reach
 * (read from the class files by jdeps) must be in one of them, or TLS would fail in the framework with a missing
 * class (the rest of BouncyCastle is imported optionally and absent).
 */
class EmbeddedBouncyCastleTest {
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(org\\.bouncycastle\\.\\S+)\\s");
    private static final Pattern LISTED = Pattern.compile("^\\s+(org\\.bouncycastle\\.[\\w.]+)\\s*,?\\s*\\\\?\\s*$");

    @Test
    void everyBouncyCastleClassThePemReadingReachesIsEmbedded() throws Exception {
        Path classes = location(PemSslContext.class);
        String path = String.join(java.io.File.pathSeparator, location(org.bouncycastle.openssl.PEMParser.class)
                .toString(), location(org.bouncycastle.asn1.ASN1Object.class).toString(),
                location(org.bouncycastle.asn1.cms.ContentInfo.class).toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ToolProvider.findFirst("jdeps").orElseThrow().run(new PrintWriter(out), new PrintWriter(err),
                "-verbose:class", "-filter:none", "--ignore-missing-deps", "--multi-release", "17", "-cp", path,
                classes.toString(), location(org.bouncycastle.openssl.PEMParser.class).toString(),
                location(org.bouncycastle.asn1.ASN1Object.class).toString(),
                location(org.bouncycastle.asn1.cms.ContentInfo.class).toString());
        assertEquals(0, code, err.toString());
        Map<String, Set<String>> uses = new HashMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find()) {
                uses.computeIfAbsent(m.group(1), c -> new HashSet<>()).add(m.group(2));
            }
        }
        Set<String> reached = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(uses.getOrDefault(PemSslContext.class.getName(), Set.of()));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            String c = todo.pop();
            if (seen.add(c)) {
                reached.add(c.substring(0, c.lastIndexOf('.')));
                todo.addAll(uses.getOrDefault(c, Set.of()));
            }
        }
        Set<String> listed = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("bnd.bnd"))) {
            Matcher m = LISTED.matcher(line);
            if (m.find()) {
                listed.add(m.group(1));
            }
        }
        assertTrue(reached.contains("org.bouncycastle.openssl"), reached.toString());
        Set<String> missing = new TreeSet<>(reached);
        missing.removeAll(listed);
        assertEquals(Set.of(), missing, "reached by PemSslContext but not embedded (bnd.bnd -conditionalpackage)");
    }

    private static Path location(Class<?> type) throws Exception {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
