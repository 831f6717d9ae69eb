package io.conduit.core.tasks;

import static io.conduit.core.tasks.LocalRun.params;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;

/** The {@code wait_for} task on this machine: a path that appears, one that never does, ports and commands. */
class WaitForTaskTest {
    @TempDir
    Path dir;
    private LocalRun run;
    private final WaitForTaskPlugin plugin = new WaitForTaskPlugin();

    @BeforeEach
    void setUp() throws Exception {
        run = new LocalRun(dir, "{}");
    }

    @AfterEach
    void tearDown() {
        run.close();
    }

    @Test
    void succeedsWhenThePathAppearsAfterTheWaitStarted() throws Exception {
        Path flag = dir.resolve("ready");
        CountDownLatch started = new CountDownLatch(1);
        Task wait = plugin.create(params(plugin, "path", flag.toString(), "interval", "50ms", "timeout", "60s"));
        Task signalling = new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                started.countDown();
                return wait.execute(context);
            }

            @Override
            public String describe() {
                return wait.describe();
            }
        };
        CompletableFuture<HostResult> result = CompletableFuture.supplyAsync(() -> {
            try {
                return run.one(signalling);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertTrue(started.await(30, TimeUnit.SECONDS), "the task started");
        Files.writeString(flag, "");
        HostResult r = result.get(60, TimeUnit.SECONDS);
        assertEquals(Status.OK, r.status(), r::toString);
        // "waited N ms for ... (N checks)", or "held at the first check" when the file won the race to the check
        assertTrue(r.stdoutText().contains(flag + " to exist"), r.stdoutText());
    }

    @Test
    void failsAtItsTimeoutSayingHowLongAndTheLastError() throws Exception {
        Path never = dir.resolve("never");
        HostResult r = run.one(plugin.create(params(plugin, "path", never.toString(), "interval", "100ms",
                "timeout", "1s")));
        assertEquals(Status.FAILED, r.status());
        assertTrue(r.error().matches("wait_for: gave up after \\d+ m?s waiting for " + java.util.regex.Pattern.quote(
                never.toString()) + " to exist \\(timeout 1s\\); \\d+ checks?, the last said: no such file"), r.error());
        assertTrue(r.duration().toMillis() >= 1000, "it waited its timeout: " + r.duration());
    }

    @Test
    void aPathThatIsGoneIsWaitedForWithStateAbsent() throws Exception {
        HostResult r = run.one(plugin.create(params(plugin, "path", dir.resolve("gone").toString(), "state",
                "absent")));
        assertEquals(Status.OK, r.status(), r::toString);
        assertTrue(r.stdoutText().startsWith(dir.resolve("gone") + " to be gone: held at the first check ("),
                r.stdoutText());
        assertTrue(!r.stdoutText().contains("waited"), "nothing was waited for: " + r.stdoutText());
    }

    /** A path there at the first check is not reported as "waited 1159 ms ... (1 check)", which read as a wait. */
    @Test
    void aPathThereAtTheFirstCheckSaysSoInsteadOfAWait() throws Exception {
        Path there = Files.writeString(dir.resolve("there"), "");
        HostResult r = run.one(plugin.create(params(plugin, "path", there.toString(), "interval", "5s")));
        assertEquals(Status.OK, r.status(), r::toString);
        assertTrue(r.stdoutText().matches(java.util.regex.Pattern.quote(there + " to exist: held at the first check (")
                + "\\d+ m?s\\)\n"), r.stdoutText());
    }

    /**
     * Check mode: the operator's command is not run (it can change anything), and the host says why, as the command
     * task does; a path check only reads and still runs.
     */
    @Test
    void checkModeSkipsACommandButStillChecksAPath() throws Exception {
        Path made = dir.resolve("made-by-the-command");
        HostResult r = run.one(plugin.create(params(plugin, "command", "touch " + made)), true, false);
        assertEquals(Status.SKIPPED, r.status(), r::toString);
        assertTrue(r.error().contains("check mode"), r.error());
        assertTrue(Files.notExists(made), "the command ran in check mode");
        HostResult path = run.one(plugin.create(params(plugin, "path", dir.resolve("never").toString(), "timeout",
                "200ms", "interval", "50ms")), true, false);
        assertEquals(Status.FAILED, path.status(), "a path check runs in check mode: " + path);
        assertTrue(path.error().contains("the last said: no such file"), path.error());
    }

    @Test
    void anOpenPortIsStartedAndAClosedOneStopped() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
            HostResult open = run.one(plugin.create(params(plugin, "port", String.valueOf(s.getLocalPort()))));
            assertEquals(Status.OK, open.status(), open::toString);
            assertTrue(open.stdoutText().contains("port 127.0.0.1:" + s.getLocalPort() + " to accept connections"),
                    open.stdoutText());
        }
        HostResult stopped = run.one(plugin.create(params(plugin, "port", String.valueOf(closed), "state",
                "stopped")));
        assertEquals(Status.OK, stopped.status(), stopped::toString);
        HostResult refused = run.one(plugin.create(params(plugin, "port", String.valueOf(closed), "timeout",
                "300ms", "interval", "100ms")));
        assertEquals(Status.FAILED, refused.status());
        assertTrue(refused.error().contains("to accept connections (timeout 300ms)"), refused.error());
    }

    @Test
    void aCommandIsRunUntilItSucceeds() throws Exception {
        Path count = dir.resolve("count");
        // succeeds on its third run: each run appends a line
        String cmd = "echo x >> " + count + "; [ $(wc -l < " + count + ") -ge 3 ]";
        HostResult r = run.one(plugin.create(params(plugin, "command", cmd, "interval", "10ms")));
        assertEquals(Status.OK, r.status(), r::toString);
        assertTrue(r.stdoutText().contains("(3 checks)"), r.stdoutText());
        assertEquals(3, Files.readAllLines(count).size());
    }

    @Test
    void exactlyOneThingIsWaitedFor() {
        // through the task catalog, which names the task: once ("wait_for: wait_for: ..." before)
        assertEquals("wait_for: give exactly one of port, path or command",
                LocalRun.refusal("wait_for", plugin, "timeout", "5s"));
        assertEquals("wait_for: give exactly one of port, path or command, not 2 of them",
                LocalRun.refusal("wait_for", plugin, "port", "22", "path", "/tmp"));
        assertEquals("wait_for: state: \"present\" does not go with port; use started or stopped",
                LocalRun.refusal("wait_for", plugin, "port", "22", "state", "present"));
    }

    /** BusyBox's nc, as the busybox image has it: no -z, a usage text and exit 1 for any use of it. */
    private Path busyboxNc() throws IOException {
        Path bin = Files.createDirectories(dir.resolve("busybox-bin"));
        Path nc = Files.writeString(bin.resolve("nc"), "#!/bin/sh\necho \"nc: invalid option -- 'z'\" >&2\n"
                + "echo 'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.' >&2\necho >&2\n"
                + "echo 'Usage: nc [OPTIONS] HOST PORT  - connect' >&2\nexit 1\n");
        nc.toFile().setExecutable(true);
        return bin;
    }

    /** Runs the port check as the host would, with PATH as given; returns exit code and error output. */
    private static String[] probe(String path, int port) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", WaitForTaskPlugin.portScript("127.0.0.1", port));
        pb.environment().put("PATH", path);
        Process p = pb.start();
        p.getOutputStream().close();
        String err = new String(p.getErrorStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the check ended");
        return new String[] {String.valueOf(p.exitValue()), err};
    }

    /**
     * An nc without -z (BusyBox) is not a closed port: the check goes on to bash's /dev/tcp, so an open port is
     * open and a closed one is closed without nc's usage text; with neither, the check says what the host needs
     * (mrako/wait-for#2: a host without a usable nc got "Operation timed out" instead of why).
     */
    @Test
    void anNcWithoutZFallsBackToBashAndIsNeverReadAsAPortState() throws Exception {
        Path bin = busyboxNc();
        String system = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
            String[] open = probe(bin + ":" + system, s.getLocalPort());
            assertEquals("0", open[0], "an open port is open through bash: " + open[1]);
        }
        String[] refused = probe(bin + ":" + system, closed);
        assertTrue(!refused[0].equals("0") && !refused[0].equals(String.valueOf(WaitForTaskPlugin.NO_PROBE)),
                "a closed port is closed: " + refused[0] + " " + refused[1]);
        assertTrue(!refused[1].contains("Usage") && !refused[1].contains("invalid option"), refused[1]);
        // neither an nc with -z nor bash: PATH holds only the fake nc (sh is started by its full path)
        String[] none = probe(bin.toString(), closed);
        assertEquals(String.valueOf(WaitForTaskPlugin.NO_PROBE), none[0], none[1]);
        assertEquals(WaitForTaskPlugin.NO_PROBE_TEXT, none[1].strip());
    }
}
