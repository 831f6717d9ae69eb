package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's words reach the hosts unchanged, or nothing runs: the Gogo shell's expansions refused with the
 * fix, options parsed only before the pattern, {@code --env}, {@code --stdin}, {@code bin/conduit COMMAND ARGS}
 * with no second shell, and UTF-8 whatever the caller's locale. Every case runs {@code bin/conduit} as a process
 * on the example inventory (the local plugin); "nothing ran" is checked on the host side, by a file the command
 * would have created.
 */
class ShellFidelityIT {
    @TempDir
    Path work;

    private Path mark(String name) {
        return work.resolve(name);
    }

    private static void assertRefused(Conduit.Result r, String... says) {
        assertEquals(Main.EXIT_USAGE, r.exit(), r::toString);
        for (String s : says) {
            assertTrue(r.err().contains(s), "the message says \"" + s + "\": " + r);
        }
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), "no class names: " + r);
        assertFalse(r.out().contains(" | OK"), "no host ran: " + r);
    }

    @Test
    void dollarInDoubleQuotesIsRefusedWithTheSingleQuotedForm() throws Exception {
        Path m = mark("ran");
        Conduit.Result r = Conduit.run("-c", "conduit:run all \"touch " + m + "; echo [$HOME]\"");

        assertRefused(r, "inside double quotes", "'touch " + m + "; echo [$HOME]'", "nothing ran");
        assertFalse(Files.exists(m), "nothing ran on any host");
    }

    @Test
    void aVariableSetInTheLineIsNotPastedEither() throws Exception {
        Path dir = Files.createDirectories(work.resolve("srv/cache"));
        Conduit.Result r = Conduit.run("-c", "conduit:run all \"D=" + work.resolve("srv") + "; rm -rf $D/cache\"");

        assertRefused(r, "$NAME");
        assertTrue(Files.isDirectory(dir), "rm ran nowhere");
    }

    @Test
    void commandSubstitutionRunsNoConduitCommandLocally() throws Exception {
        Path inner = mark("inner");
        Conduit.Result r = Conduit.run("-c", "conduit:run local1 \"echo $(conduit:run local2 'touch " + inner
                + "')\"");

        assertRefused(r, "$(");
        assertFalse(Files.exists(inner), "the command inside $(...) did not run either");
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("conduit: ")).count(), "said once: " + r);
    }

    @Test
    void anUnquotedGlobIsRefusedWhetherOrNotALocalFileMatchesIt() throws Exception {
        Files.writeString(work.resolve("local3"), "a local file the glob would match");
        Path m = mark("glob");
        Conduit.Result matching = Conduit.in(work, Map.of(), null, Conduit.DIST, "-c",
                "conduit:run local* 'touch " + m + "'");
        Conduit.Result nothingMatching = Conduit.in(work, Map.of(), null, Conduit.DIST, "-c",
                "conduit:run loc?l1 'touch " + m + "'");

        assertRefused(matching, "local*", "'local*'");
        assertRefused(nothingMatching, "loc?l1", "'loc?l1'");
        assertFalse(Files.exists(m));
    }

    @Test
    void optionsAfterThePatternAreTheRemoteCommandsAndUnknownOptionsAreRefused() throws Exception {
        Conduit.Result words = Conduit.run("-c", "conduit:run local1 echo -t 5 -i x --json");
        Conduit.Result typo = Conduit.run("-c", "conduit:run --jsn all true");
        Conduit.Result forks = Conduit.run("-c", "conduit:run -f abc all true");
        Conduit.Result zero = Conduit.run("-c", "conduit:run -f 0 all true");

        assertEquals(0, words.exit(), words::toString);
        assertTrue(words.out().contains("  -t 5 -i x --json\n"), "the words reached the host: " + words);
        assertRefused(typo, "unknown option", "--jsn", "did you mean --json");
        assertRefused(forks, "-f/--forks", "\"abc\"", "1 or more");
        assertFalse(forks.err().contains("coerce"), forks::toString);
        assertRefused(zero, "-f/--forks", "\"0\"");
    }

    @Test
    void envAndStdinReachTheCommandAndTheValueIsOnNoCommandLineOfTheHost() throws Exception {
        Path input = Files.write(work.resolve("input.bin"), "line one\nline two\n".getBytes(StandardCharsets.UTF_8));
        // lists every process's command line except the JVM's own (whose arguments carry the -c line)
        String check = "'echo \"$TOKEN|$SPACED\"; wc -l; for f in /proc/[0-9]*/cmdline; do tr \"\\000\" \" \" <$f;"
                + " echo; done | grep -v io.conduit.launcher.Main | grep -c s3cr3t-valu[e]'";
        Conduit.Result r = Conduit.run("-c", "conduit:run --env TOKEN=s3cr3t-value --env 'SPACED=a b' --stdin "
                + input + " local1 " + check);

        assertEquals(Main.EXIT_HOSTS_FAILED, r.exit(), "grep -c finds nothing and exits 1: " + r);
        assertTrue(r.out().contains("  s3cr3t-value|a b\n  2\n  0\n"), "the value, the 2 lines of stdin, and 0"
                + " command lines holding the value: " + r);
    }

    @Test
    void commandWordsFromTheSystemShellArriveUnchanged() throws Exception {
        Conduit.Result argv = Conduit.run("run", "--argv", "local1", "printf", "%s|", "$HOME", "it's", "a  b", "*");
        Conduit.Result line = Conduit.run("run", "local1", "--", "echo", "'$HOME'");

        assertEquals(0, argv.exit(), argv::toString);
        assertTrue(argv.out().contains("  $HOME|it's|a  b|*|"), "each word one argument, as given: " + argv);
        assertEquals(0, line.exit(), line::toString);
        assertTrue(line.out().contains("  $HOME\n"), "the words joined into one line for the host's shell: "
                + line);
    }

    @Test
    void nonAsciiCommandsAndPathsSurviveTheCLocale() throws Exception {
        Path src = Files.writeString(work.resolve("dé汉.txt"), "contenu\n");
        Path dest = work.resolve("copié.txt");
        Map<String, String> c = Map.of("LC_ALL", "C", "LANG", "C");
        Conduit.Result echo = Conduit.withEnv(c, null, "-c", "conduit:run local1 'echo 汉语 café'");
        Conduit.Result put = Conduit.withEnv(c, null, "put", "local1", src.toString(), dest.toString());

        assertEquals(0, echo.exit(), echo::toString);
        assertTrue(echo.out().contains("  汉语 café\n"), echo::toString);
        assertEquals(0, put.exit(), put::toString);
        assertEquals("contenu\n", Files.readString(dest));
    }

    @Test
    void aFileNameThatIsShellCodeIsPutIntoADirectoryAndFetchedAndRunsNothing() throws Exception {
        // with become the path is on a shell line on the host; bin/conduit COMMAND ARGS passes it as one word
        // a name holds no "/": the injected touch would build its absolute path with printf
        Path ran = Path.of("/tmp/conduit-it-mark-" + Long.toHexString(System.nanoTime()));
        String touch = "touch \"$(printf '\\057tmp\\057" + ran.getFileName() + "')\"";
        String name = "-n a;" + touch + "; $(" + touch + ") 'q'";
        Path src = Files.writeString(work.resolve(name), "bytes\n");
        Path into = Files.createDirectories(work.resolve("into"));
        Conduit.Result put = Conduit.run("put", "-b", "local1", src.toString(), into + "/");
        Path written = into.resolve(src.getFileName());
        Conduit.Result fetch = Conduit.run("fetch", "-b", "local1", written.toString(), work.resolve("back").toString());
        Path plainInto = Files.createDirectories(work.resolve("plain"));
        Conduit.Result plain = Conduit.run("put", "local1", src.toString(), plainInto + "/"); // the plugin's own put

        assertEquals(0, put.exit(), put::toString);
        assertEquals("bytes\n", Files.readString(written));
        assertEquals(0, fetch.exit(), fetch::toString);
        assertEquals("bytes\n", Files.readString(work.resolve("back").resolve("local1").resolve(src.getFileName())));
        assertEquals(0, plain.exit(), plain::toString);
        assertEquals("bytes\n", Files.readString(plainInto.resolve(src.getFileName())));
        assertFalse(Files.exists(ran), "a file name ran a command");
        try (var left = Files.list(into)) {
            assertEquals(1, left.count(), "no temporary file is left beside the file");
        }
    }

    @Test
    void helpListsConduitsCommandsWithTheirDefaults() throws Exception {
        Conduit.Result all = Conduit.run("-c", "help");
        Conduit.Result run = Conduit.run("help", "run");

        assertEquals(0, all.exit(), all::toString);
        assertTrue(all.out().startsWith("Conduit's commands"), all::toString);
        for (String name : new String[] {"run", "put", "fetch", "ping", "hosts", "inventory", "plugins",
            "connections", "disconnect"}) {
            assertTrue(all.out().contains("\n" + name + " "), name + " is listed: " + all);
        }
        assertEquals(0, run.exit(), run::toString);
        assertTrue(run.out().contains("hosts to work on at once, 1 or more (default: 50)"), run::toString);
        assertTrue(run.out().contains("(default: 300s)"), run::toString);
    }

    @Test
    void fetchKeepsAHostNamedDotDotInsideLocalDirAndBytesThatAreNotUtf8AreRefused() throws Exception {
        Path inventory = Files.writeString(work.resolve("dots.yaml"), "hosts:\n  '..':\n    connection: local\n");
        Path source = Files.writeString(work.resolve("source.txt"), "from the host\n");
        Path into = work.resolve("fetched/inner");
        Conduit.Result fetch = Conduit.run("fetch", "-i", inventory.toString(), "all", source.toString(),
                into.toString());
        // a word the JVM could not decode (an ISO-8859-1 byte under C.UTF-8) reaches Conduit as U+FFFD
        Conduit.Result latin1 = Conduit.run("run", "local1", "echo caf\uFFFD");

        assertEquals(0, fetch.exit(), fetch::toString);
        assertEquals("from the host\n", Files.readString(into.resolve("%2E%2E/source.txt")));
        assertFalse(Files.exists(work.resolve("fetched/source.txt")), "nothing written outside LOCALDIR");
        assertRefused(latin1, "not UTF-8");
    }
}
