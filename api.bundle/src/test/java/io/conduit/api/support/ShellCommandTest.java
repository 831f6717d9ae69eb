package io.conduit.api.connection;

import io.conduit.api.connection.OutputBuffer;
import io.conduit.api.connection.Secret;
import io.conduit.api.support.ShellCommand;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wrapper's lines are run by a real /bin/sh: what the shell does with them is what a host does. */
@SuppressWarnings("deprecation") // the 1.0 pair stays tested while it is kept
class ShellCommandTest {

    /** Runs a wrapped line as an SSH server would hand it to the login shell. */
    private static String sh(String line, byte[] stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", line).redirectErrorStream(true).start();
        p.getOutputStream().write(stdin);
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "shell did not finish");
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void quotesEverythingTheShellWouldInterpret() throws Exception {
        for (String word : List.of("plain", "two words", "it's", "\"double\"", "$HOME", "`id`", "a\nb", "*", "",
                "back\\slash", "semi;colon", "'''", "tab\there", "ünïcødé")) {
            String line = "printf %s " + ShellCommand.quote(word);
            assertEquals(word, sh(line, new byte[0]), () -> "round trip of <" + word + "> via " + line);
        }
    }

    @Test
    void pathsReachCommandsAsOneFileNeverAsCodeOrOption(@TempDir Path dir) throws Exception {
        // the commands take no "--": the leading dash is made harmless by the path itself
        for (String name : List.of("-n", "-", "--help", "a;touch MARK", "b&touch MARK", "$(touch MARK)",
                "`touch MARK`", "it's", "\"q\"", "two words", "new\nline", "ünï", " lead", "*")) {
            java.nio.file.Files.writeString(dir.resolve(name), "content of " + name);
            String line = "cd " + ShellCommand.quotePath(dir.toString()) + " && cat " + ShellCommand.quotePath(name)
                    + " && rm " + ShellCommand.quotePath(name);
            assertEquals("content of " + name, sh(line, new byte[0]), () -> "<" + name + "> via " + line);
            assertFalse(java.nio.file.Files.exists(dir.resolve(name)), name);
        }
        assertFalse(java.nio.file.Files.exists(dir.resolve("MARK")), "a name ran a command");
        assertEquals("./-x", ShellCommand.quotePath("-x"));
        assertEquals("/tmp/-x", ShellCommand.quotePath("/tmp/-x"));
    }

    @Test
    void theWrapperEntersADirectoryWhoseNameStartsWithADash(@TempDir Path dir) throws Exception {
        java.nio.file.Files.createDirectories(dir.resolve("-d"));
        String out = sh("cd " + ShellCommand.quotePath(dir.toString()) + " && " + ShellCommand.wrap(
                Command.shell("pwd").withCwd("-d")), new byte[0]);
        assertEquals(dir.toRealPath().resolve("-d") + "\n", out);
    }

    @Test
    void plainWordsStayUnquoted() {
        assertEquals("/usr/bin/env", ShellCommand.quote("/usr/bin/env"));
        assertEquals("'a b'", ShellCommand.quote("a b"));
        assertEquals("''", ShellCommand.quote(""));
    }

    @Test
    void wrapsLineWithEnvAndCwd(@TempDir Path dir) throws Exception {
        Command c = Command.shell("echo \"$GREETING\" from $(pwd); echo second line")
                .withEnv(Map.of("GREETING", "it's $ok \"quoted\"\nline2"))
                .withCwd(dir.toString());
        String out = sh(ShellCommand.wrap(c), ShellCommand.stdin(c));
        assertEquals("it's $ok \"quoted\"\nline2 from " + dir.toRealPath() + "\nsecond line\n", out);
    }

    @Test
    void argvIsPassedWordForWord() throws Exception {
        Command c = Command.argv(List.of("printf", "[%s]", "a b", "$x", "it's", "new\nline"));
        assertEquals("[a b][$x][it's][new\nline]", sh(ShellCommand.wrap(c), new byte[0]));
    }

    @Test
    void stdinReachesTheCommand() throws Exception {
        Command c = Command.shell("tr a-z A-Z").withStdin("hello\n".getBytes(StandardCharsets.UTF_8));
        assertEquals("HELLO\n", sh(ShellCommand.wrap(c), ShellCommand.stdin(c)));
    }

    @Test
    void sudoPasswordGoesOnStdinNeverOnTheLine() {
        Command c = Command.shell("id -u").withStdin(new byte[] {1, 2})
                .withBecome(Become.sudo("deploy", Secret.of("s3cr3t pass")));
        String line = ShellCommand.wrap(c);
        assertFalse(line.contains("s3cr3t"), line);
        assertEquals("sudo -S -p '' -H -u deploy -- sh -c 'id -u'", line);
        byte[] expected = "s3cr3t pass\n\u0001\u0002".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, ShellCommand.stdin(c));
    }

    @Test
    void passwordlessSudoFailsFastInsteadOfPrompting() {
        Command c = Command.shell("id").withBecome(Become.sudo(null, null));
        assertEquals("sudo -n -H -u root -- sh -c id", ShellCommand.wrap(c));
    }

    @Test
    void suTakesTheCommandAfterDashC() {
        Command c = Command.shell("id").withBecome(new Become(Become.Method.SU, "app", Secret.of("pw")));
        assertEquals("su -s /bin/sh app -c id", ShellCommand.wrap(c));
    }

    @Test
    void refusesEnvironmentNamesTheShellCannotExport() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Command.shell("true").withEnv(Map.of("BAD-NAME", "x")));
        assertTrue(e.getMessage().contains("BAD-NAME"), e.getMessage());
    }

    @Test
    void outputBufferKeepsTheLimitAndCountsTheRest() {
        OutputBuffer b = new OutputBuffer(5);
        b.write("hello world".getBytes(StandardCharsets.UTF_8), 0, 11);
        assertEquals("hello", new String(b.toByteArray(), StandardCharsets.UTF_8));
        assertEquals(11, b.total());
        assertTrue(b.truncated());
    }

    @Test
    void secretNeverPrints() {
        Secret s = Secret.of("hunter2");
        assertEquals("***", s.toString());
        ConnectionParams p = new ConnectionParams("h", 22, "u", s, null, Map.of("token", s));
        assertFalse(p.toString().contains("hunter2"), p.toString());
    }

    @Test
    void durationsAcceptSecondsAndUnits() {
        assertEquals(java.time.Duration.ofSeconds(30), OptionType.DURATION.convert("t", 30));
        assertEquals(java.time.Duration.ofMillis(500), OptionType.DURATION.convert("t", "500ms"));
        assertEquals(java.time.Duration.ofMinutes(2), OptionType.DURATION.convert("t", "2m"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OptionType.DURATION.convert("connect_timeout", "soon"));
        assertTrue(e.getMessage().startsWith("connect_timeout: \"soon\""), e.getMessage());
    }

}
