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
        assertTrue(r.stdoutText().startsWith("waited "), r.stdoutText());
        assertTrue(r.stdoutText().contains(" for " + flag + " to exist"), r.stdoutText());
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
        assertTrue(r.stdoutText().contains("(1 check)"), r.stdoutText());
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
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class,
                () -> plugin.create(params(plugin, "timeout", "5s")));
        assertEquals("wait_for: give exactly one of port, path or command", none.getMessage());
        IllegalArgumentException two = assertThrows(IllegalArgumentException.class,
                () -> plugin.create(params(plugin, "port", "22", "path", "/tmp")));
        assertEquals("wait_for: give exactly one of port, path or command, not 2 of them", two.getMessage());
        IllegalArgumentException state = assertThrows(IllegalArgumentException.class,
                () -> plugin.create(params(plugin, "port", "22", "state", "present")));
        assertEquals("wait_for: state: \"present\" does not go with port; use started or stopped",
                state.getMessage());
    }
}
