package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code run -vv} as an operator types it, {@code bin/conduit} as a process on the local plugin: each host's
 * connection steps on stderr as {@code HOST: ...}, stdout the same as without {@code -v}, and neither the
 * inventory's password (read from {@code ${env:}}) nor an {@code --env} value anywhere.
 */
class VerbosityIT {
    private static final String PASSWORD = "pw-it-4e2b-never-shown";
    private static final String ENV_VALUE = "env-it-c07d-never-shown";

    @TempDir
    Path work;

    /**
     * The output without its timings and run ID, which differ from run to run, and with its lines sorted: each
     * host is printed as it finishes, so two runs may list them in another order.
     */
    private static java.util.List<String> timeless(String out) {
        return out.replaceAll("\\d+ ms", "N ms").replaceAll("\\(\\d+\\.\\d s\\)", "(N s)")
                .replaceAll("; run \\d+", "; run N").lines().sorted().toList();
    }

    @Test
    void runDashVvTracesEachHostOnStderrAndLeavesStdoutAlone() throws Exception {
        Path inventory = Files.writeString(work.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                  password: ${env:CONDUIT_IT_PASSWORD}
                hosts:
                  web1:
                    hostname: 127.0.0.1
                  web2: {}
                """);
        Map<String, String> env = Map.of("CONDUIT_IT_PASSWORD", PASSWORD);
        String line = "conduit:run -i " + inventory + " --env TOKEN=" + ENV_VALUE
                + " %s all 'echo \"[$TOKEN]\" | wc -c'";
        Conduit.Result verbose = Conduit.withEnv(env, null, "-c", String.format(line, "-vv"));
        Conduit.Result quiet = Conduit.withEnv(env, null, "-c", String.format(line, "-f 2"));

        assertEquals(0, verbose.exit(), verbose::toString);
        assertEquals(0, quiet.exit(), quiet::toString);
        assertEquals(timeless(quiet.out()), timeless(verbose.out()), "stdout is the same with -vv");
        String err = verbose.err();
        for (String host : new String[] {"web1", "web2"}) {
            assertTrue(err.contains(host + ": local: opening a new connection"), err);
            assertTrue(err.contains(host + ": exec: echo \"[$TOKEN]\" | wc -c [env TOKEN]"), err);
            assertTrue(err.contains(host + ": exit 0 in "), err);
            assertTrue(err.contains(host + ": local: values: "), "-vv tells where values came from: " + err);
        }
        assertTrue(err.contains("web1: local: values: hostname=127.0.0.1 (host web1);"), err);
        assertTrue(err.contains("password=*** from ${env:CONDUIT_IT_PASSWORD} (defaults);"), err);
        assertTrue(err.lines().allMatch(l -> l.startsWith("web1: ") || l.startsWith("web2: ")
                || l.startsWith("conduit: ")), "every stderr line names its host: " + err);
        assertFalse(quiet.err().contains("web1: "), "no trace without -v: " + quiet);
        for (Conduit.Result r : new Conduit.Result[] {verbose, quiet}) {
            assertFalse(r.out().contains(PASSWORD) || r.err().contains(PASSWORD), "the password never shows");
            assertFalse(r.err().contains(ENV_VALUE), "an --env value never shows on stderr");
        }
    }
}
