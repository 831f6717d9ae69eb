package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10, the pool as {@code bin/conduit} shows it: a plugin name none of the distribution's plugins has fails
 * at once (not after the registry's 15 s start-up grace) naming the installed plugins; a host whose port accepts
 * and never speaks is UNREACHABLE with a short and a long deadline alike, and its abandoned connect does not
 * hold Conduit's exit.
 */
class PoolIT {
    private static final Pattern HOST_LINE = Pattern.compile("^(\\S+) \\| (\\w+) \\| (\\d+) ms \\| (.*)$");

    @TempDir
    Path dir;

    @Test
    void aPluginNameNoneOfTheInstalledHasFailsAtOnceNamingThem() throws Exception {
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), "hosts:\n  old:\n    connection: telnet\n");
        Conduit.Result r = Conduit.run("run", "-i", inventory.toString(), "all", "true");
        assertEquals(2, r.exit(), r.toString());
        Matcher m = hostLine(r.out(), "old");
        assertEquals("FAILED", m.group(2), r.toString());
        // before: 15 s or more (the registry's start-up grace: each bin/conduit is a fresh process)
        assertTrue(Long.parseLong(m.group(3)) < 2_000, "the host failed after " + m.group(3) + " ms");
        assertTrue(m.group(4).contains("no connection plugin named \"telnet\" (installed: docker, local, rest, ssh)"),
                m.group(4));
    }

    @Test
    void aConnectThatNeverCompletesIsUnreachableWhateverTheDeadlineAndDoesNotHoldTheExit() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        held.add(silent.accept()); // accepts TCP, never says a word
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            }, "silent-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
            Path inventory = Files.writeString(dir.resolve("silent.yaml"), String.join("\n",
                    "hosts:",
                    "  silent:",
                    "    connection: ssh",
                    "    hostname: 127.0.0.1",
                    "    port: " + silent.getLocalPort(),
                    "    username: root",
                    "    connection_options: {ssh: {extras: {connect_timeout: 4s}}}", ""));
            // the host's deadline first (the connect is abandoned), then the plugin's own connect timeout
            for (String deadline : List.of("3s", "30s")) {
                Path err = dir.resolve("err-" + deadline);
                Process p = Conduit.start(err, "run", "-i", inventory.toString(), "-t", deadline, "all", "true");
                List<String> lines = new ArrayList<>();
                long summaryAt = 0;
                try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = out.readLine()) != null;) {
                        lines.add(line);
                        if (line.startsWith("1 host:")) {
                            summaryAt = System.nanoTime();
                        }
                    }
                }
                assertTrue(p.waitFor(Conduit.BOUND.toSeconds(), TimeUnit.SECONDS), "bin/conduit did not end");
                long exitMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - summaryAt);
                String shown = "-t " + deadline + ":\n" + String.join("\n", lines) + "\n--- stderr\n"
                        + Files.readString(err);
                Matcher m = hostLine(String.join("\n", lines), "silent");
                assertEquals("UNREACHABLE", m.group(2), shown);
                assertTrue(summaryAt > 0, shown);
                assertFalse(Files.readString(err).contains("did not stop"), shown);
                // before: the drain at exit waited for the abandoned connect until the framework's 10 s limit
                assertTrue(exitMillis < 3_000, "-t " + deadline + ": exited " + exitMillis + " ms after the result\n"
                        + shown);
                System.out.println("PoolIT: -t " + deadline + ": host " + m.group(3) + " ms, exit " + exitMillis
                        + " ms after the result");
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    private static Matcher hostLine(String out, String host) {
        for (String line : out.split("\n")) {
            Matcher m = HOST_LINE.matcher(line);
            if (m.matches() && m.group(1).equals(host)) {
                return m;
            }
        }
        throw new AssertionError("no result line for " + host + " in:\n" + out);
    }
}
