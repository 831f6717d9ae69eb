package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * {@code bin/conduit} without arguments: the interactive shell in a real terminal (a pseudo-terminal made by
 * util-linux {@code script}), typed at like an operator would, and without a terminal (a script on stdin).
 */
class InteractiveShellIT {

    @Test
    void promptRunsWhatIsTypedAndCtrlDStopsConduit() throws Exception {
        try (Pty shell = Pty.start()) {
            shell.awaitOutput("conduit> ", 0);
            shell.type("echo typed at the prompt\n");
            int printed = shell.awaitOutput("typed at the prompt\r\n", 0);
            // keys typed while a command runs reach a terminal in line mode, where Ctrl-D is no key: wait
            // for the next prompt, as a person does
            printed = shell.awaitOutput("conduit> ", printed);
            // a Conduit command's value, printed by the console through Conduit's converter
            shell.type("hosts web\n");
            printed = shell.awaitOutput("2 hosts from ", printed);
            shell.awaitOutput("conduit> ", printed);
            shell.type("\u0004"); // Ctrl-D on an empty line

            assertEquals(0, shell.awaitExit(), shell::output);
            assertTrue(shell.output().contains("stopping framework"), shell::output);
        }
        assertTrue(Files.readString(Conduit.DIST.resolve("data/history")).contains("echo typed at the prompt"),
                "history is kept in data/history");
    }

    @Test
    void tabCompletesConduitsOptionsAndPatternsAndARefusalIsAMessage() throws Exception {
        try (Pty shell = Pty.start()) {
            int at = shell.awaitOutput("conduit> ", 0);
            shell.type("run --for\t");
            at = shell.awaitOutput("--forks ", at);
            shell.type("\u0003"); // Ctrl-C drops the line
            at = shell.awaitOutput("conduit> ", at);
            shell.type("hosts loc\t\t"); // two Tabs: the candidates, the first one picked
            at = shell.awaitOutput("local1", at);
            shell.type("\u0003");
            at = shell.awaitOutput("conduit> ", at);
            // inside a single-quoted word, the form Conduit asks for: JLine 3.21 threw here and ended the session
            shell.type("hosts 'loc\t\t");
            at = shell.awaitOutput("local1", at);
            shell.type("\u0003");
            at = shell.awaitOutput("conduit> ", at);
            shell.type("run all \"echo $HOME\"\n");
            at = shell.awaitOutput("write it in single quotes, which Gogo leaves alone: 'echo $HOME'; nothing ran",
                    at);
            shell.awaitOutput("conduit> ", at);
            shell.type("\u0004");

            assertEquals(0, shell.awaitExit(), shell::output);
            assertTrue(!shell.output().contains("Exception"), "a message, not an exception: " + shell.output());
        }
    }

    @Test
    void exitStopsConduit() throws Exception {
        try (Pty shell = Pty.start()) {
            shell.awaitOutput("conduit> ", 0);
            shell.type("exit\n");

            assertEquals(0, shell.awaitExit(), shell::output);
            assertTrue(shell.output().contains("stopping Conduit"), shell::output);
        }
    }

    @Test
    void withoutATerminalStandardInputRunsAsAScript() throws Exception {
        Conduit.Result r = Conduit.withInput("echo first\nconduit:run all 'echo second'\n");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("first\n"), r::toString);
        assertEquals(3, r.out().lines().filter(l -> l.strip().equals("second")).count(), r::toString);
    }

    /** bin/conduit on a pseudo-terminal of 120x40, its output collected as it comes. */
    private static final class Pty implements AutoCloseable {
        private final Process process;
        private final OutputStream keyboard;
        private final StringBuilder screen = new StringBuilder();
        private final Thread pump;

        private Pty(Process process) {
            this.process = process;
            this.keyboard = process.getOutputStream();
            this.pump = new Thread(this::pump, "pty-output");
            pump.setDaemon(true);
            pump.start();
        }

        static Pty start() throws IOException {
            Path bin = Conduit.DIST.resolve("bin/conduit");
            // a pty made by script has no size; give it one, as a terminal window has
            ProcessBuilder pb = new ProcessBuilder("script", "-qfec", "stty cols 120 rows 40; exec '" + bin + "'",
                    "/dev/null").redirectErrorStream(true);
            pb.environment().put("TERM", "xterm");
            return new Pty(pb.start());
        }

        private void pump() {
            byte[] buf = new byte[4096];
            try (InputStream in = process.getInputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    synchronized (screen) {
                        screen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                        screen.notifyAll();
                    }
                }
            } catch (IOException e) {
                // the process ended
            } finally {
                synchronized (screen) {
                    screen.notifyAll();
                }
            }
        }

        String output() {
            synchronized (screen) {
                return screen.toString();
            }
        }

        /** @return the index just after the first {@code text} at or after {@code from} */
        int awaitOutput(String text, int from) throws InterruptedException {
            long deadline = System.nanoTime() + Conduit.BOUND.toNanos();
            synchronized (screen) {
                while (screen.indexOf(text, from) < 0) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0 || (!process.isAlive() && !pump.isAlive())) {
                        fail("no \"" + text + "\" on the terminal within " + Conduit.BOUND.toSeconds() + " s:\n"
                                + screen);
                    }
                    screen.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                return screen.indexOf(text, from) + text.length();
            }
        }

        void type(String keys) throws IOException {
            keyboard.write(keys.getBytes(StandardCharsets.UTF_8));
            keyboard.flush();
        }

        int awaitExit() throws InterruptedException {
            if (!process.waitFor(Conduit.BOUND.toSeconds(), TimeUnit.SECONDS)) {
                fail("the shell did not stop within " + Conduit.BOUND.toSeconds() + " s:\n" + output());
            }
            pump.join(TimeUnit.SECONDS.toMillis(10));
            return process.exitValue();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
                process.waitFor(Conduit.BOUND.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }
}
