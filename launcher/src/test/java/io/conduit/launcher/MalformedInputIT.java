package io.conduit.launcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Malformed input through {@code bin/conduit -c} as a process: exit 64, one message naming where and what, no
 * stack trace, and nothing ran (the marker file the command would create is absent). The full corpus of
 * malformed inventories runs in-process in core.bundle's {@code MalformedInventoryTest}.
 */
class MalformedInputIT {
    @TempDir
    Path dir;

    private Path marker() {
        return dir.resolve("ran");
    }

    private static void refusedWithoutJava(Conduit.Result r) {
        assertEquals(Main.EXIT_USAGE, r.exit(), r::toString);
        assertEquals("", r.out(), "nothing printed as a result: " + r);
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception"), "no stack trace: " + r);
    }

    @Test
    void misspeltOptionsAndAnEmptySecretReferenceAreRefusedTogetherBeforeAnythingRuns() throws Exception {
        Path inventory = Files.writeString(dir.resolve("fleet.yaml"), """
                defaults:
                  connection: local
                hosts:
                  web1:
                    password: ${env:}
                    connection_options:
                      local:
                        extras: {shel: /bin/sh}
                """);

        Conduit.Result r = Conduit.run("-c", "conduit:run -i " + inventory + " all 'touch " + marker() + "'");

        refusedWithoutJava(r);
        assertTrue(r.err().contains(inventory + ":5: hosts.web1.password: ${env:} names no environment variable;"
                + " write ${env:NAME}"), r::toString);
        assertTrue(r.err().contains(inventory + ":8: hosts.web1.connection_options.local.extras.shel: plugin local"
                + " has no option \"shel\"; did you mean \"shell\"?"), r::toString);
        assertFalse(Files.exists(marker()), "nothing ran");
    }

    @Test
    void anAliasBombIsRefusedAtOnceInsteadOfPrintingGigabytes() throws Exception {
        StringBuilder bomb = new StringBuilder("hosts:\n  web1:\n    data:\n      l1: &l1 [lol, lol, lol, lol, lol,"
                + " lol, lol, lol, lol]\n");
        for (int i = 2; i <= 9; i++) {
            bomb.append("      l").append(i).append(": &l").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(9, "*l" + (i - 1)))).append("]\n");
        }
        Path inventory = Files.writeString(dir.resolve("bomb.yaml"), bomb);

        Conduit.Result r = Conduit.run("-c", "conduit:hosts --json -i " + inventory);

        refusedWithoutJava(r);
        assertTrue(r.err().contains(inventory + ":10: hosts.web1.data.l7: aliases (*name) make this value expand to"
                + " more than 1,000,000 values"), r::toString);
        assertTrue(r.took().compareTo(Conduit.BOUND) < 0, r::toString);
    }

    @Test
    void forksZeroIsRefusedLikeANegativeNumber() throws Exception {
        Conduit.Result r = Conduit.run("-c", "conduit:run -f 0 all 'touch " + marker() + "'");

        refusedWithoutJava(r);
        assertEquals("conduit: run: -f/--forks: \"0\" is not a number of hosts; give 1 or more\n", r.err(), r::toString);
        assertFalse(Files.exists(marker()), "nothing ran");
    }

    @Test
    void aBadCfgValueIsOneLineAtStartAndEveryRunSaysTheConfigurationIsInvalid() throws Exception {
        Path dist = copyOfDistribution();
        Path cfg = dist.resolve("etc/io.conduit.runner.cfg");
        Files.writeString(cfg, Files.readString(cfg).replace("forks = 50", "forks = many"));
        Path sshCfg = dist.resolve("etc/io.conduit.ssh.cfg");
        Files.writeString(sshCfg, Files.readString(sshCfg) + "\nconect_timeout = 10s\n");

        Conduit.Result run = Conduit.withEnv(Map.of(), null, dist, "-c", "conduit:run all 'touch " + marker() + "'");
        Conduit.Result plugins = Conduit.withEnv(Map.of(), null, dist, "-c", "conduit:plugins ssh");

        refusedWithoutJava(run);
        String runner = "io.conduit.runner: forks: \"many\" is not a whole number; fix etc/io.conduit.runner.cfg";
        String ssh = "io.conduit.ssh: conect_timeout: unknown key; did you mean \"connect_timeout\"?";
        assertTrue(run.err().contains("conduit: configuration io.conduit.runner is invalid (conduit:run, put, fetch,"
                + " ping and hosts refuse to work until it is fixed): " + runner), run::toString);
        assertFalse(Files.exists(marker()), "nothing ran");
        // the plugin stays registered and says why it cannot serve: its problem logged once, then the command's
        assertEquals(Main.EXIT_USAGE, plugins.exit(), plugins::toString);
        assertFalse(plugins.err().contains("\tat ") || plugins.err().contains("Exception"), plugins::toString);
        assertTrue(plugins.err().contains("conduit: configuration io.conduit.ssh is invalid (the ssh plugin's"
                + " connections and options refuse to work until it is fixed): " + ssh), plugins::toString);
        assertEquals(1, plugins.err().lines().filter(l -> l.startsWith("conduit: ERROR") && l.contains(ssh)).count(),
                plugins::toString);
        assertTrue(run.err().lines().count() <= 4, "a line per problem, not traces: " + run);
        assertTrue(run.took().compareTo(Duration.ofSeconds(60)) < 0, run::toString);
    }

    /** A copy of the distribution whose etc/ the test may break (the shared one stays intact). */
    private Path copyOfDistribution() throws IOException {
        return Conduit.copyOfDistribution(dir.resolve("conduit"));
    }
}
