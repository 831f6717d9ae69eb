package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is in deploy/ when bin/conduit -c starts is what runs, and a plugin that cannot start says why. */
class HotDeployIT {
    @TempDir
    Path copy;

    @Test
    void aJarThatCannotResolveIsReportedWithItsMissingRequirementAndTheLineStillRuns() throws Exception {
        Path dist = copyOfDistribution();
        bundle(dist.resolve("deploy/broken.jar"), "test.broken", "no.such.pkg");
        bundle(dist.resolve("deploy/extra.jar"), "test.extra", null);

        Conduit.Result r = Conduit.withEnv(java.util.Map.of(), null, dist, "-c", "lb");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.err().contains("conduit: deploy/broken.jar is not active: "), r::toString);
        assertTrue(r.err().contains("no.such.pkg"), "names the missing requirement: " + r);
        assertFalse(r.err().contains("after waiting"), "found out without waiting for the bound: " + r);
        assertTrue(r.out().lines().anyMatch(l -> l.contains("|Active") && l.contains("test.extra")),
                "a jar dropped into deploy/ is started before the line runs:\n" + r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.contains("|Installed") && l.contains("test.broken")), r::toString);
    }

    private Path copyOfDistribution() throws IOException {
        return Conduit.copyOfDistribution(copy.resolve("conduit"));
    }

    private static void bundle(Path jar, String symbolicName, String importPackage) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Bundle-ManifestVersion", "2");
        a.putValue("Bundle-SymbolicName", symbolicName);
        a.putValue("Bundle-Name", symbolicName);
        a.putValue("Bundle-Version", "1.0.0");
        if (importPackage != null) {
            a.putValue("Import-Package", importPackage);
        }
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
    }
}
