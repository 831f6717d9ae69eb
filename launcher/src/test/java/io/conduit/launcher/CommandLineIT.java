package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/** {@code bin/conduit -c LINE}, {@code --help} and bad usage, on the assembled distribution, as a real process. */
class CommandLineIT {
    /** A row of {@code lb}: "   12|Active     |    1|Name (1.0)|1.0". */
    private static final Pattern LB_ROW = Pattern.compile("^\\s*(\\d+)\\|(\\w+)\\s*\\|.*$", Pattern.MULTILINE);

    @Test
    void lbListsEverySystemAndDeployBundleActive() throws Exception {
        Conduit.Result r = Conduit.run("-c", "lb");

        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.err(), "nothing on stderr: " + r);
        Matcher m = LB_ROW.matcher(r.out());
        int rows = 0;
        while (m.find()) {
            rows++;
            assertEquals("Active", m.group(2), () -> "bundle " + m.group(1) + " is not active:\n" + r.out());
        }
        int expected = 1 + Distribution.jars(Conduit.DIST.resolve("system")).size()
                + Distribution.jars(Conduit.DIST.resolve("deploy")).size();
        assertEquals(expected, rows, "the system bundle, every jar of system/ and of deploy/:\n" + r.out());
        assertTrue(r.out().contains("Conduit core"), r::toString);
    }

    @Test
    void unknownCommandExits64WithItsMessageAndNoStackTrace() throws Exception {
        Conduit.Result r = Conduit.run("-c", "nosuchcommand --now");

        assertEquals(Main.EXIT_USAGE, r.exit(), r::toString);
        assertEquals("conduit: Command not found: nosuchcommand\n", r.err(), r::toString);
        assertEquals("", r.out(), r::toString);
    }

    @Test
    void commandThatThrowsExits64WithTheMessage() throws Exception {
        Conduit.Result r = Conduit.run("-c", "conduit:run -i /nonexistent/inventory.yaml all true");

        assertEquals(Main.EXIT_USAGE, r.exit(), r::toString);
        assertTrue(r.err().startsWith("conduit: "), r::toString);
        assertTrue(r.err().contains("/nonexistent/inventory.yaml"), "the message names the file: " + r);
        assertFalse(r.err().contains("\tat "), "no stack trace without CONDUIT_DEBUG: " + r);
    }

    @Test
    void exitStatusComesFromTheCommandsValuesNotFromASessionVariable() throws Exception {
        Conduit.Result variable = Conduit.run("-c", "conduit.exit = (new java.lang.Integer 2)");
        Conduit.Result unset = Conduit.run("-c", "echo hello");
        Conduit.Result listed = Conduit.run("-c", "conduit:hosts web");

        assertEquals(0, variable.exit(), "a variable of that name no longer sets the status: " + variable);
        assertEquals(0, unset.exit(), unset::toString);
        assertEquals("hello\n", unset.out(), unset::toString);
        assertEquals(0, listed.exit(), listed::toString);
        assertTrue(listed.out().startsWith("NAME "), "the table is the value, printed by its converter: " + listed);
        assertTrue(listed.out().endsWith("2 hosts from " + Conduit.DIST.resolve("examples/inventory.yaml") + "\n"), listed::toString);
    }

    @Test
    void twoRunsInOneLineOnTheExampleInventory() throws Exception {
        Conduit.Result ok = Conduit.run("-c", "conduit:run all 'echo hi'; conduit:run all true");
        Conduit.Result failed = Conduit.run("-c", "conduit:run all true; conduit:run local1 'exit 3'");

        assertEquals(0, ok.exit(), ok::toString);
        assertEquals(3, ok.out().lines().filter(l -> l.strip().equals("hi")).count(), ok::toString);
        assertEquals(Main.EXIT_HOSTS_FAILED, failed.exit(), "a host failed in the second run: " + failed);
    }

    @Test
    void aConduitCommandInsideAPipelineStillSetsTheStatus() throws Exception {
        // the value of run goes into the pipe, not to the line; the line must fail all the same (pipefail)
        Conduit.Result failed = Conduit.run("-c", "conduit:run all false | grep -v nothing-matches-this");
        Conduit.Result refused = Conduit.run("-c", "conduit:hosts no-such-host | grep -v nothing-matches-this");
        Conduit.Result ok = Conduit.run("-c", "conduit:run all true | grep -v nothing-matches-this");

        assertEquals(Main.EXIT_HOSTS_FAILED, failed.exit(), failed::toString);
        assertTrue(failed.out().contains("local1 | FAILED"), "the hosts' lines still reach the pipe: " + failed);
        assertEquals(Main.EXIT_USAGE, refused.exit(), refused::toString);
        assertEquals(0, ok.exit(), ok::toString);
    }

    @Test
    void subscriptedPatternsSelectByPositionAndAnUnquotedOneIsRefused() throws Exception {
        // the example inventory: local1 and local2 in web, then local3
        Conduit.Result r = Conduit.run("-c", "conduit:hosts 'all[1:]'; conduit:run 'web[-1]' echo picked");
        Conduit.Result split = Conduit.run("-c", "conduit:run web[0] echo never");

        assertEquals(0, r.exit(), r::toString);
        List<String> listed = r.out().lines().map(l -> l.split(" ")[0]).filter(n -> n.startsWith("local")).toList();
        assertEquals(List.of("local2", "local3", "local2"), listed, "hosts all[1:], then run's line for web[-1]: " + r);
        assertTrue(r.out().contains("  picked\n"), r::toString);
        assertEquals(Main.EXIT_USAGE, split.exit(), split::toString);
        assertFalse(split.out().contains("never"), "Gogo would split web[0]: nothing ran on all of web: " + split);
        assertTrue(split.err().contains("(Gogo reads [ ] as a list); write it in single quotes, which Gogo leaves"
                + " alone: 'web[0]'"), split::toString);
    }

    @Test
    void helpPrintsUsageAndTheExitCodes() throws Exception {
        Conduit.Result r = Conduit.run("--help");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("Usage: conduit [COMMAND ARGS... | -c LINE"), r::toString);
        for (String code : List.of("  0 ", "  2 ", "  64 ", "  70 ")) {
            assertTrue(r.out().contains(code), "documents exit status " + code.strip() + ":\n" + r.out());
        }
    }

    @Test
    void badUsageExits64() throws Exception {
        Conduit.Result unknown = Conduit.run("--frobnicate");
        Conduit.Result missing = Conduit.run("-c");

        assertEquals(Main.EXIT_USAGE, unknown.exit(), unknown::toString);
        assertEquals("conduit: unknown argument '--frobnicate'; see conduit --help\n", unknown.err());
        assertEquals(Main.EXIT_USAGE, missing.exit(), missing::toString);
        assertTrue(missing.err().contains("-c needs the shell line"), missing::toString);
    }

    @Test
    void twoAtOnceEachGetTheirOwnFrameworkAndLeaveNoCacheBehind() throws Exception {
        CompletableFuture<Conduit.Result> a = CompletableFuture.supplyAsync(() -> lb());
        CompletableFuture<Conduit.Result> b = CompletableFuture.supplyAsync(() -> lb());

        assertEquals(0, a.get().exit(), a.get()::toString);
        assertEquals(0, b.get().exit(), b.get()::toString);
        // bin/conduit execs java, so the process's pid is the JVM's, which names its data/cache/<pid>
        Path cache = Conduit.DIST.resolve("data/cache");
        assertFalse(Files.exists(cache.resolve(Long.toString(a.get().pid()))), "data/cache/<pid> removed on exit");
        assertFalse(Files.exists(cache.resolve(Long.toString(b.get().pid()))), "data/cache/<pid> removed on exit");
    }

    @Test
    void conduitDataMovesLogsAndStorageOutOfTheDistribution(@org.junit.jupiter.api.io.TempDir Path data)
            throws Exception {
        Conduit.Result r = Conduit.withEnv(java.util.Map.of("CONDUIT_DATA", data.toString()), null, "-c",
                "conduit:run all true");

        assertEquals(0, r.exit(), r::toString);
        assertTrue(Files.readString(data.resolve("log/conduit.log")).contains("io.conduit.core"),
                "core's log lines are in $CONDUIT_DATA/log/conduit.log");
        assertTrue(Files.readString(data.resolve("log/conduit.log")).contains(" | " + r.pid() + " | "),
                "each line names the process that wrote it (bin/conduit execs java: the pid is the JVM's)");
        assertFalse(Files.exists(data.resolve("cache").resolve(Long.toString(r.pid()))), "storage removed");
    }

    private static Conduit.Result lb() {
        try {
            return Conduit.run("-c", "lb");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
