package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** What Main decides before it boots anything, and the small helpers of -c. */
class MainTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Main.run(args, InputStream.nullInputStream(), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void usageErrorsExit64AndSayWhatToDo() {
        assertEquals(64, run("-c"));
        assertEquals(64, run("-c", "lb", "-c", "lb"));
        assertEquals(64, run("-c", "  "));
        assertEquals(64, run("--nope"));
        String messages = err.toString(StandardCharsets.UTF_8);
        assertTrue(messages.contains("conduit: -c needs the shell line to run"), messages);
        assertTrue(messages.contains("separate commands with ';'"), messages);
        assertTrue(messages.contains("conduit: unknown argument '--nope'; see conduit --help"), messages);
    }

    @Test
    void helpGoesToStdout() {
        assertEquals(0, run("--help"));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("64  bad input or usage"));
    }

    @Test
    void explainKeepsTheMessageAWrapperHidesAndTheOneThatSaysMore() {
        IllegalArgumentException cause = new IllegalArgumentException("hosts.yaml: line 3: bad port");
        assertEquals("hosts.yaml: line 3: bad port", Main.explain(new InvocationTargetException(cause)));
        assertEquals("hosts.yaml: line 3: bad port", Main.explain(new RuntimeException(cause)));
        assertEquals("cannot read inventory x.yaml",
                Main.explain(new UncheckedIOException("cannot read inventory x.yaml", new java.io.IOException("EIO"))));
        assertEquals("java.lang.InterruptedException", Main.explain(new InterruptedException()));
    }

    @Test
    void readinessWaitsForTheConduitCommandsALineNames() {
        assertEquals(Set.of("run", "hosts"),
                Readiness.namedFunctions("conduit:run -i x.yaml all 'echo conduit:no'; conduit:hosts; xconduit:ping"));
    }

    @Test
    void bundleLocationsMapToFiles() {
        assertEquals(Path.of("/d/deploy/a b.jar"), Readiness.path("file:/d/deploy/a%20b.jar"));
        assertEquals(Path.of("/d/system/x.jar"), Readiness.path("reference:file:/d/system/x.jar"));
        assertEquals(null, Readiness.path("mvn:g/a/1"));
    }
}
