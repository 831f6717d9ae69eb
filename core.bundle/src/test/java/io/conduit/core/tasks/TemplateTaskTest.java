package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;

/** The {@code template} task on this machine: the rendered file on disk, strict variables, check mode and diff. */
class TemplateTaskTest {
    @TempDir
    Path dir;
    private LocalRun run;
    private final TemplateTaskPlugin plugin = new TemplateTaskPlugin();

    @BeforeEach
    void setUp() throws Exception {
        run = new LocalRun(dir, "{port: 8080, names: [a, b]}");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    private Task template(Path src, Path dest, Object... more) {
        Object[] kv = new Object[4 + more.length];
        kv[0] = "src";
        kv[1] = src.toString();
        kv[2] = "dest";
        kv[3] = dest.toString();
        System.arraycopy(more, 0, kv, 4, more.length);
        return plugin.create(params(plugin, kv));
    }

    @Test
    void rendersTheHostsVariablesAndItsNameThenIsOkTheSecondTime() throws Exception {
        Path src = Files.writeString(dir.resolve("app.conf.peb"),
                "# {{ inventory_hostname }}\nlisten {{ data.port }}\n{% for n in data.names %}user {{ n }}\n{% endfor %}");
        Path dest = dir.resolve("app.conf");
        Task task = template(src, dest, "mode", "0640");
        HostResult first = run.one(task);
        assertEquals(Status.CHANGED, first.status(), first::toString);
        assertEquals("# here\nlisten 8080\nuser a\nuser b\n", Files.readString(dest));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(dest)));
        HostResult second = run.one(task);
        assertEquals(Status.OK, second.status(), second::toString);
    }

    @Test
    void anUndefinedVariableFailsTheHostNamingFileLineAndNameAndWritesNothing() throws Exception {
        Path src = Files.writeString(dir.resolve("app.conf.peb"), "listen {{ data.port }}\nuser {{ user }}\n");
        Path dest = dir.resolve("app.conf");
        HostResult r = run.one(template(src, dest));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().startsWith("template: " + src + ":2: undefined variable \"user\": the host has no such"
                + " variable"), r.error());
        assertFalse(Files.exists(dest));
    }

    @Test
    void aMissingKeyOfAMapFailsNamingItWithoutJavaWords() throws Exception {
        Path src = Files.writeString(dir.resolve("t.peb"), "{{ data.names[0] }}\n{{ data.port.number }}\n");
        HostResult r = run.one(template(src, dir.resolve("out")));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().startsWith("template: " + src + ":2: no attribute \"number\""), r.error());
        assertFalse(r.error().matches(".*\\bjava\\.[a-z]+\\..*"), r.error());
    }

    @Test
    void aDefaultGivesAFallbackForAnUndefinedVariable() throws Exception {
        Path src = Files.writeString(dir.resolve("t.peb"), "user {{ user | default('nobody') }}\n");
        Path dest = dir.resolve("out");
        HostResult r = run.one(template(src, dest));
        assertEquals(Status.CHANGED, r.status(), r::toString);
        assertEquals("user nobody\n", Files.readString(dest));
    }

    @Test
    void aSyntaxErrorIsRefusedWhenTheTaskIsMadeWithFileAndLine() throws Exception {
        Path src = Files.writeString(dir.resolve("bad.peb"), "ok\n{% if port %}\nno end\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> template(src, dir.resolve("out")));
        assertTrue(e.getMessage().startsWith(src + ":"), e.getMessage());
        String said = LocalRun.refusal("template", plugin, "src", src.toString(), "dest", dir.resolve("out").toString());
        assertTrue(said.startsWith("template: " + src + ":"), said);
    }

    @Test
    void aTemplateReadsNoOtherFile() throws Exception {
        Files.writeString(dir.resolve("secret.txt"), "do not show");
        Path src = Files.writeString(dir.resolve("inc.peb"), "{% include \"" + dir.resolve("secret.txt") + "\" %}\n");
        Path dest = dir.resolve("out");
        HostResult r = run.one(template(src, dest));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().contains("a template reads no other file"), r.error());
        assertFalse(Files.exists(dest));
    }

    @Test
    void diffShowsTheLinesThatChangeAndCheckModeWritesNothing() throws Exception {
        Path src = Files.writeString(dir.resolve("t.peb"), "a\nlisten {{ data.port }}\nc\n");
        Path dest = Files.writeString(dir.resolve("out"), "a\nlisten 80\nc\n");
        HostResult r = run.one(template(src, dest), true, true);
        assertEquals(Status.CHANGED, r.status(), r::toString);
        String out = r.stdoutText();
        assertTrue(out.startsWith("would change " + dest + ": content differs"), out);
        assertTrue(out.contains("--- " + dest + " (before)\n+++ " + dest + " (after)\n@@ -1,3 +1,3 @@\n a\n"
                + "-listen 80\n+listen 8080\n c\n"), out);
        assertEquals("a\nlisten 80\nc\n", Files.readString(dest));
    }

    @Test
    void diffOfANewFileShowsEveryLineAdded() throws Exception {
        Path src = Files.writeString(dir.resolve("t.peb"), "port {{ data.port }}");
        Path dest = dir.resolve("new");
        HostResult r = run.one(template(src, dest), false, true);
        assertTrue(r.stdoutText().contains("+port 8080\n\\ No newline at end of file\n"), r.stdoutText());
        assertEquals("port 8080", Files.readString(dest));
    }

    /**
     * ansible/ansible#9370: with {@code --check}, the template module still applied the mode, owner and group it
     * was given. Here a check that finds both the content and the mode different reports both and leaves the file
     * exactly as it was.
     */
    @Test
    void checkModeLeavesContentAndModeAsTheyWere() throws Exception {
        Path src = Files.writeString(dir.resolve("t.peb"), "listen {{ data.port }}\n");
        Path dest = Files.writeString(dir.resolve("out"), "listen 80\n");
        Files.setPosixFilePermissions(dest, PosixFilePermissions.fromString("rw-r--r--"));
        FileTime before = Files.getLastModifiedTime(dest);
        HostResult r = run.one(template(src, dest, "mode", "0600"), true, false);
        assertEquals("would change " + dest + ": content differs, mode 0644 -> 0600\n", r.stdoutText());
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dest)));
        assertEquals("listen 80\n", Files.readString(dest));
        assertEquals(before, Files.getLastModifiedTime(dest));
    }

    /**
     * ansible/ansible#14867: the template module left empty temporary directories behind on every run. Here the
     * rendered copy lives in a private temporary file that is gone after the run, when it worked and when the put
     * failed.
     */
    @Test
    void theRenderedTemporaryFileIsGoneAfterSuccessAndAfterFailure() throws Exception {
        Path src = Files.writeString(dir.resolve("t.peb"), "listen {{ data.port }}\n");
        List<Path> before = renderedCopies();
        assertEquals(Status.CHANGED, run.one(template(src, dir.resolve("out"))).status());
        // a directory where the file should go: the put fails after rendering
        Path blocked = Files.createDirectories(dir.resolve("blocked"));
        Files.writeString(blocked.resolve("x"), "");
        HostResult failed = run.one(template(src, dir.resolve("blocked")));
        assertEquals(Status.FAILED, failed.status(), failed::toString);
        List<Path> left = new java.util.ArrayList<>(renderedCopies());
        left.removeAll(before);
        assertEquals(List.of(), left, "rendered copies left in java.io.tmpdir");
    }

    private static List<Path> renderedCopies() throws Exception {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("conduit-template-")).sorted().toList();
        }
    }
}
