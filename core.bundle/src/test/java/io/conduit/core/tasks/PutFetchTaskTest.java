package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.core.task.FetchTask;

/** The {@code put} and {@code fetch} tasks on this machine: check mode and the diff of a text file. */
class PutFetchTaskTest {
    @TempDir
    Path dir;
    private LocalRun run;
    private final PutTaskPlugin put = new PutTaskPlugin();
    private final FetchTaskPlugin fetch = new FetchTaskPlugin();

    @BeforeEach
    void setUp() throws Exception {
        run = new LocalRun(dir, "{}");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    @Test
    void putOfATextFileShowsItsDiffAndWritesIt() throws Exception {
        Path src = Files.writeString(dir.resolve("motd"), "welcome\nto here\n");
        Path dest = Files.writeString(dir.resolve("motd.there"), "welcome\nto there\n");
        HostResult r = run.one(put.create(params(put, "src", src.toString(), "dest", dest.toString())), false, true);
        assertEquals(Status.CHANGED, r.status(), r::toString);
        assertTrue(r.stdoutText().contains("@@ -1,2 +1,2 @@\n welcome\n-to there\n+to here\n"), r.stdoutText());
        assertEquals("welcome\nto here\n", Files.readString(dest));
        HostResult again = run.one(put.create(params(put, "src", src.toString(), "dest", dest.toString())), false,
                true);
        assertEquals(Status.OK, again.status());
        assertFalse(again.stdoutText().contains("@@"), again.stdoutText());
    }

    @Test
    void putOfABinaryFileSaysSoInsteadOfADiff() throws Exception {
        Path src = Files.write(dir.resolve("blob"), new byte[] {1, 0, 2});
        Path dest = Files.write(dir.resolve("blob.there"), new byte[] {1, 0, 3});
        HostResult r = run.one(put.create(params(put, "src", src.toString(), "dest", dest.toString())), true, true);
        assertEquals(Status.CHANGED, r.status());
        assertTrue(r.stdoutText().endsWith("binary or large file: no diff\n"), r.stdoutText());
        assertEquals(3, Files.readAllBytes(dest)[2], "check mode wrote the file");
    }

    @Test
    void aTextFileOverOneMebibyteGetsNoDiff() throws Exception {
        Path src = Files.writeString(dir.resolve("big"), "a\n".repeat((1 << 19) + 1));
        Path dest = Files.writeString(dir.resolve("big.there"), "b\n");
        HostResult r = run.one(put.create(params(put, "src", src.toString(), "dest", dest.toString())), true, true);
        assertTrue(r.stdoutText().endsWith("binary or large file: no diff\n"), r.stdoutText());
        assertEquals("b\n", Files.readString(dest));
    }

    @Test
    void putInCheckModeSendsNothing() throws Exception {
        Path src = Files.writeString(dir.resolve("new"), "x");
        Path dest = dir.resolve("new.there");
        HostResult r = run.one(put.create(params(put, "src", src.toString(), "dest", dest.toString())), true, false);
        assertEquals("would change " + dest + ": new file\n", r.stdoutText());
        assertFalse(Files.exists(dest));
    }

    @Test
    void fetchInCheckModeWritesNothingHereAndSaysWhere() throws Exception {
        Path remote = Files.writeString(dir.resolve("log.txt"), "x");
        Path into = dir.resolve("fetched");
        HostResult r = run.one(fetch.create(params(fetch, "src", remote.toString(), "dest", into.toString())), true,
                false);
        assertEquals(Status.OK, r.status(), r::toString);
        assertEquals("would fetch " + remote + " -> " + into.resolve("here").resolve("log.txt") + "\n",
                r.stdoutText());
        assertFalse(Files.exists(into));
        HostResult missing = run.one(fetch.create(params(fetch, "src", dir.resolve("nope").toString(), "dest",
                into.toString())), true, false);
        assertEquals(Status.FAILED, missing.status());
        HostResult real = run.one(fetch.create(params(fetch, "src", remote.toString(), "dest", into.toString())));
        assertEquals(Status.OK, real.status(), real::toString);
        assertEquals("x", Files.readString(into.resolve(FetchTask.fileName("here")).resolve("log.txt")));
    }
}
