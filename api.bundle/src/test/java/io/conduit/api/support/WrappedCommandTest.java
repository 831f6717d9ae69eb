package io.conduit.api.connection;

import io.conduit.api.connection.Secret;
import io.conduit.api.support.WrappedCommand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shared wrapper run by a real {@code /bin/sh} (dash on Debian), as a host's login shell would run it: the
 * wrapper's own lines never reach the output, stdin is exact, and closing stdin stops the whole process group.
 */
class WrappedCommandTest {
    @TempDir
    Path dir;

    /** A started wrapped command, its output pumped through the filters byte by byte where asked. */
    private record Run(Process process, WrappedCommand wrapped, ByteArrayOutputStream out, ByteArrayOutputStream err,
            CompletableFuture<Void> pumps) {
        void finish() throws Exception {
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "wrapper ended");
            pumps.get(20, TimeUnit.SECONDS);
            wrapped.ended();
        }
    }

    private static Run start(Command command, boolean byteByByte) throws IOException {
        WrappedCommand w = WrappedCommand.of(command);
        Process p = new ProcessBuilder("/bin/sh", "-c", w.line()).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Void> pumps = CompletableFuture.allOf(
                pump(p.getInputStream(), w.stdout(out), byteByByte), pump(p.getErrorStream(), w.stderr(err), byteByByte));
        return new Run(p, w, out, err, pumps);
    }

    private static CompletableFuture<Void> pump(InputStream in, OutputStream to, boolean byteByByte) {
        return CompletableFuture.runAsync(() -> {
            try (in) {
                if (byteByByte) {
                    for (int b; (b = in.read()) >= 0;) {
                        to.write(b); // the worst split: every marker arrives in pieces
                    }
                } else {
                    in.transferTo(to);
                }
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void outputExitCodeAndExactStdinPassWhileTheWrapperStaysInvisible() throws Exception {
        for (boolean split : new boolean[] {false, true}) {
            byte[] input = new byte[200_000];
            new Random(7).nextBytes(input);
            Run r = start(Command.shell("cat; echo done >&2; exit 3").withStdin(input), split);
            r.process().getOutputStream().write(input);
            r.process().getOutputStream().flush();
            // stdin stays open: the command still got exactly its bytes and then end of file
            assertTrue(r.process().waitFor(20, TimeUnit.SECONDS), "the command saw end of file after its input");
            r.finish();
            assertEquals(3, r.process().exitValue());
            assertArrayEquals(input, r.out().toByteArray());
            assertEquals("done\n", r.err().toString(StandardCharsets.UTF_8), "no wrapper line in stderr");
            assertFalse(r.wrapped().stopReported());
            r.process().getOutputStream().close();
        }
    }

    @Test
    void closingStdinStopsTheWholeGroupIncludingChildrenThatIgnoreSigterm() throws Exception {
        Path pids = dir.resolve("pids");
        Run r = start(Command.shell("trap '' TERM; sleep 601 & echo $! > " + pids + "; echo up; sleep 602"), true);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(pids) || Files.readString(pids).isBlank()) {
            assertTrue(System.nanoTime() < deadline, "command started");
            Thread.sleep(10);
        }
        long child = Long.parseLong(Files.readString(pids).trim());
        r.process().getOutputStream().close(); // what a plugin does to stop it, or what a dead connection does
        r.finish();
        assertEquals(StopOutcome.CONFIRMED, r.wrapped().stopOutcome());
        assertEquals(128 + 9, r.process().exitValue(), "SIGKILL, after SIGTERM was ignored");
        assertFalse(running(child), "background child gone");
        assertEquals("up\n", r.out().toString(StandardCharsets.UTF_8));
        assertEquals("", r.err().toString(StandardCharsets.UTF_8), "the stop report is taken out");
    }

    /** Alive and not a zombie (this machine's init may reap orphans late, and a zombie runs nothing). */
    private static boolean running(long pid) throws IOException {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            return !Files.readString(stat).contains(") Z ");
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }

    @Test
    void aLoginShellThatFailsShowsWhatItSaid() throws Exception {
        WrappedCommand w = WrappedCommand.of(Command.shell("true"));
        Process p = new ProcessBuilder("/bin/sh", "-c", "echo 'login: no such shell' >&2; exit 126").start();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        p.getErrorStream().transferTo(w.stderr(err));
        p.waitFor();
        w.ended();
        assertEquals("login: no such shell\n", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void withBecomeTheEnvironmentArrivesAndTheCommandsFirstStderrIsKept() throws Exception {
        // the start line once came after the environment was read (which, with become, is written only after the
        // start line: a hang) and after the command started (its first stderr bytes were dropped as the become
        // tool's talk, now and then); sudo to root asks no password here (this test runs as root)
        Command c = Command.shell("printf early >&2; printf '%s' \"$GREETING\"").withEnv(java.util.Map.of("GREETING",
                "hi")).withBecome(Become.sudo("root", null));
        for (int i = 0; i < 5; i++) {
            Run r = start(c, false);
            r.wrapped().awaitStart(r.process().getOutputStream(), System.nanoTime() + 20_000_000_000L);
            r.process().getOutputStream().write(r.wrapped().input());
            r.process().getOutputStream().flush(); // kept open: its end would stop the command
            r.finish();
            assertEquals("hi", r.out().toString(StandardCharsets.UTF_8));
            assertEquals("early", r.err().toString(StandardCharsets.UTF_8), "run " + i);
        }
    }

    @Test
    void noPasswordIsWrittenWithoutAPrompt() throws Exception {
        // sudo that never asks (this test runs as root, or sudo is missing: both end without a prompt)
        WrappedCommand w = WrappedCommand.of(Command.shell("id -u").withBecome(Become.sudo("root",
                Secret.of("never-written"))));
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        w.stderr(OutputStream.nullOutputStream()).write(("conduit-x " + "\n").getBytes(StandardCharsets.US_ASCII));
        w.ended();
        assertThrows(BecomeFailedException.class, () -> w.awaitStart(written, System.nanoTime() + 1_000_000_000L));
        assertEquals(0, written.size(), "nothing on stdin");
    }

    @Test
    void theLineNeverCarriesThePassword() {
        Secret pw = Secret.of("s3cret-on-no-command-line");
        for (Become b : new Become[] {Become.sudo("root", pw), new Become(Become.Method.SU, "app", pw)}) {
            assertFalse(WrappedCommand.of(Command.shell("id").withBecome(b)).line().contains(pw.reveal()));
        }
    }

    /**
     * An su conversation without a host: the become wait runs in the background while the test plays su's side on
     * stderr; {@link #prompt} returns once the prompt was answered.
     */
    private record Su(WrappedCommand wrapped, OutputStream stderr, ByteArrayOutputStream stdin,
            CompletableFuture<Void> become) {
        static Su start(String password) {
            WrappedCommand w = WrappedCommand.of(Command.shell("id").withBecome(
                    new Become(Become.Method.SU, "app", Secret.of(password))));
            ByteArrayOutputStream stdin = new ByteArrayOutputStream();
            CompletableFuture<Void> become = CompletableFuture.runAsync(() -> {
                try {
                    w.awaitStart(stdin, System.nanoTime() + TimeUnit.SECONDS.toNanos(20));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return new Su(w, w.stderr(OutputStream.nullOutputStream()), stdin, become);
        }

        void prompt(String prompt) throws Exception {
            stderr.write(prompt.getBytes(StandardCharsets.UTF_8));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (stdin.size() == 0) {
                assertTrue(System.nanoTime() < deadline, prompt + " was answered");
                Thread.sleep(5); // the answer is written by the background wait: nothing to block on
            }
        }

        void says(String text) throws IOException {
            stderr.write(text.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** su's failure may arrive cut after "su:", which ends with a colon like a prompt: it is not one. */
    @Test
    void suFailureCutInPiecesIsQuotedNotTakenForASecondPrompt() throws Exception {
        Su su = Su.start("wrong");
        su.prompt("Password: ");
        assertEquals("wrong\n", su.stdin().toString(StandardCharsets.UTF_8));
        su.says("su:");
        su.says(" Authentication failure\n");
        su.wrapped().ended();
        java.util.concurrent.CompletionException e = assertThrows(java.util.concurrent.CompletionException.class,
                su.become()::join);
        String message = e.getCause().getCause().getMessage();
        assertTrue(message.contains("su: Authentication failure"), message);
        assertFalse(message.contains("wrong"), "never the password: " + message);
        assertEquals("wrong\n", su.stdin().toString(StandardCharsets.UTF_8), "answered once");
    }

    /**
     * A customised su that asks "Please enter your password:" (Ansible #23563, where only the usual prompts were
     * recognised and su could not be used) and a localized one are answered all the same.
     */
    @Test
    void suPromptsOtherThanPasswordAreAnsweredOnce() throws Exception {
        for (String prompt : new String[] {"Please enter your password:", "Passwort: ", "密码："}) {
            Su su = Su.start("pw");
            su.prompt(prompt);
            su.says("\n");
            su.wrapped().ended();
            assertThrows(java.util.concurrent.CompletionException.class, su.become()::join); // no start line
            assertEquals("pw\n", su.stdin().toString(StandardCharsets.UTF_8), prompt + ": answered once");
        }
    }
}
