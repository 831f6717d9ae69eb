package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.testing.BecomeEnvironment;
import io.conduit.api.testing.HostProcesses;

/**
 * What {@code bin/conduit} starts it stops, seen as an operator would: the host deadline, SIGINT and SIGKILL
 * of Conduit leave no process of the command on the (local) hosts, and become answers only when asked.
 */
class StopAndBecomeIT {
    @TempDir
    Path dir;

    @Test
    void theHostDeadlineLeavesNoProcessAndSaysTheCommandWasStopped() throws Exception {
        long m = HostProcesses.mark();
        Conduit.Result r = Conduit.run("-c", "conduit:run -t 2s all 'sleep " + m + " & sleep " + m + "'");

        assertEquals(Main.EXIT_HOSTS_FAILED, r.exit(), r::toString);
        assertEquals(3, r.out().lines().filter(l -> l.contains("timed out after 2 s (host timeout; raise it with -t);"
                + " the command was stopped on the host")).count(), r::toString);
        assertEquals(List.of(), HostProcesses.survivors(m, Duration.ofSeconds(2)),
                "sleep " + m + " outlived the run");
    }

    @Test
    void theCommandTimeoutSaysWhichDeadlineItWas() throws Exception {
        long m = HostProcesses.mark();
        Conduit.Result r = Conduit.run("-c", "conduit:run --command-timeout 1s local1 'sleep " + m + "'");

        assertEquals(Main.EXIT_HOSTS_FAILED, r.exit(), r::toString);
        assertTrue(r.out().contains("command timed out after 1 s (--command-timeout); the command was stopped on the"
                + " host"), r::toString);
        assertEquals(List.of(), HostProcesses.survivors(m, Duration.ofSeconds(2)));
    }

    @Test
    void sigintAndSigkillOfConduitLeaveNoProcessOnTheHosts() throws Exception {
        for (String signal : List.of("INT", "KILL")) {
            long m = HostProcesses.mark();
            Process conduit = new ProcessBuilder(Conduit.DIST.resolve("bin/conduit").toString(), "-c",
                    "conduit:run all 'sleep " + m + " & sleep " + m + "'").redirectErrorStream(true)
                    .redirectOutput(dir.resolve("out-" + signal).toFile()).start();
            try {
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (HostProcesses.sleeping(m).size() < 6) {
                    assertTrue(System.nanoTime() < deadline, "the run started: "
                            + Files.readString(dir.resolve("out-" + signal)));
                    Thread.sleep(50); // polling /proc: nothing tells us a process started
                }
                Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(conduit.pid())).start();
                assertEquals(0, kill.waitFor());
                assertTrue(conduit.waitFor(30, TimeUnit.SECONDS), "conduit ended after SIG" + signal);
                if (signal.equals("INT")) {
                    // as Ctrl-C at the prompt: the run is interrupted, each host says what became of its command
                    String out = Files.readString(dir.resolve("out-" + signal));
                    assertEquals(130, conduit.exitValue(), out);
                    assertEquals(3, out.lines().filter(l -> l.contains("interrupted; the command was stopped on"
                            + " the host")).count(), out);
                }
                // SIGINT: Conduit stops the framework, and the plugins the commands; SIGKILL: no goodbye, the
                // wrapper on the host sees its standard input end
                assertEquals(List.of(), HostProcesses.survivors(m, Duration.ofSeconds(signal.equals("INT") ? 2 : 10)),
                        "SIG" + signal + ": sleep " + m + " outlived Conduit");
            } finally {
                conduit.destroyForcibly();
            }
        }
    }

    @Test
    void thePtyOptionOnTheLocalPluginRunsTheCommandAndNothingElse() throws Exception {
        Conduit.Result r = Conduit.run("-c", "conduit:run --pty local1 'echo hi'");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("hi"), r::toString);
        assertFalse(r.out().contains("conduit-") || r.err().contains("conduit-"), "no wrapper line: " + r);
    }

    @Test
    void theBecomePasswordIsNotInTheEnvironmentOfLocalCommands() throws Exception {
        Conduit.Result r = Conduit.withEnv(Map.of("CONDUIT_BECOME_PASSWORD", "s3cret-not-in-env"), null, "-c",
                "conduit:run local1 'env'");

        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.out().contains("s3cret-not-in-env"), r::toString);
    }

    @Test
    void aBecomePasswordThatNobodyAsksForIsNeverPrinted() throws Exception {
        BecomeEnvironment.require();
        Conduit.Result r = Conduit.withEnv(Map.of("CONDUIT_BECOME_PASSWORD", "s3cret-never-shown"), null, "-c",
                "conduit:run -b local1 'cat; id -un'");

        assertEquals(0, r.exit(), r::toString);
        assertFalse(r.out().contains("s3cret-never-shown") || r.err().contains("s3cret-never-shown"), r::toString);
        assertTrue(r.out().contains("root"), r::toString);
    }

    @Test
    void putAndFetchWriteAndReadAsTheBecomeUser() throws Exception {
        BecomeEnvironment.require();
        UserPrincipal nobody = dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Path owned = Files.createDirectories(dir.resolve("nobody-only"));
        Files.setOwner(owned, nobody);
        Files.setPosixFilePermissions(owned, PosixFilePermissions.fromString("rwx------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path local = Files.writeString(dir.resolve("app.conf"), "port = 8080\n");
        String remote = owned.resolve("app.conf").toString();

        Conduit.Result put = Conduit.run("-c", "conduit:put --become-user nobody local1 " + local + " " + remote
                + " -m 0640");
        assertEquals(0, put.exit(), put::toString);
        assertEquals("nobody", Files.getOwner(Path.of(remote)).getName(), "written as the become user");
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(Path.of(remote))));
        try (Stream<Path> files = Files.list(owned)) {
            assertEquals(List.of("app.conf"), files.map(p -> p.getFileName().toString()).toList(), "no temp left");
        }

        Conduit.Result fetch = Conduit.run("-c", "conduit:fetch --become-user nobody local1 " + remote + " "
                + dir.resolve("back"));
        assertEquals(0, fetch.exit(), fetch::toString);
        assertEquals("port = 8080\n", Files.readString(dir.resolve("back/local1/app.conf")));
    }
}
