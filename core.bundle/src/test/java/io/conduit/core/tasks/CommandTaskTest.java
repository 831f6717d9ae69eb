package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;

/** The {@code command} task on this machine, and what every task plugin declares. */
class CommandTaskTest {
    @TempDir
    Path dir;
    private LocalRun run;
    private final CommandTaskPlugin plugin = new CommandTaskPlugin();

    @BeforeEach
    void setUp() throws Exception {
        run = new LocalRun(dir, "{}");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    @Test
    void aShellLineRunsInItsDirectoryWithItsStdin() throws Exception {
        HostResult r = run.one(plugin.create(params(plugin, "cmd", "pwd; cat | tr a-z A-Z", "chdir", dir.toString(),
                "stdin", "hello")));
        assertEquals(Status.OK, r.status(), r::toString);
        assertEquals(dir + "\nHELLO", r.stdoutText());
        assertEquals(0, r.exitCode());
    }

    @Test
    void argvWordsReachTheProgramAsTheyAreWithoutAShell() throws Exception {
        Path out = dir.resolve("out");
        HostResult r = run.one(plugin.create(params(plugin, "argv", List.of("sh", "-c", "printf '%s' \"$1\" > \"$2\"",
                "sh", "$HOME; rm -rf x", out.toString()))));
        assertEquals(Status.OK, r.status(), r::toString);
        assertEquals("$HOME; rm -rf x", Files.readString(out));
    }

    @Test
    void aNonZeroExitFailsTheHost() throws Exception {
        HostResult r = run.one(plugin.create(params(plugin, "cmd", "exit 4")));
        assertEquals(Status.FAILED, r.status());
        assertEquals("exit code 4", r.error());
    }

    @Test
    void checkModeNeverRunsTheCommandEvenWhenCalledDirectly() throws Exception {
        Path marker = dir.resolve("ran");
        HostResult r = run.one(plugin.create(params(plugin, "cmd", "touch " + marker)), true, false);
        assertEquals(Status.SKIPPED, r.status());
        assertEquals("check mode: task command cannot tell what it would change; it was not run", r.error());
        assertFalse(Files.exists(marker));
    }

    @Test
    void cmdAndArgvGoAlone() {
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> plugin.create(params(plugin, "cmd", "true", "argv", "true")));
        assertEquals("give either cmd (a shell line) or argv (a program and its arguments), not both",
                both.getMessage());
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> plugin.create(params(plugin)));
        assertTrue(none.getMessage().endsWith("one of them is required"), none.getMessage());
    }

    @Test
    void everyTaskDeclaresCheckModeAndDocumentsItsParameters() {
        List<io.conduit.api.task.TaskPlugin> all = List.of(new CommandTaskPlugin(), new ScriptTaskPlugin(),
                new PutTaskPlugin(), new FetchTaskPlugin(), new WaitForTaskPlugin(), new FactsTaskPlugin(),
                new FileTaskPlugin(), new TemplateTaskPlugin());
        List<Boolean> check = all.stream().map(io.conduit.api.task.TaskPlugin::supportsCheckMode).toList();
        assertEquals(List.of(false, false, true, true, true, true, true, true), check);
        assertEquals(List.of(false, false, false, false, false, true, false, false),
                all.stream().map(io.conduit.api.task.TaskPlugin::gathersFacts).toList());
        for (io.conduit.api.task.TaskPlugin p : all) {
            assertFalse(p.description().isBlank());
            for (io.conduit.api.connection.OptionDescriptor d : p.parameters()) {
                assertTrue(d.description().length() > 20, d.name());
                // a default the catalog fills in must be a value of the parameter's type
                if (d.defaultValue() != null) {
                    d.convert(d.defaultValue());
                }
            }
        }
        assertEquals("file", new FileTaskPlugin().parameters().get(1).defaultValue());
        assertEquals("60s", new WaitForTaskPlugin().parameters().get(5).defaultValue());
    }
}
