package io.conduit.core.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Secret;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.testing.BecomeEnvironment;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.local.LocalPlugin;
import io.conduit.core.registry.PluginBinding;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.CommandTask;
import io.conduit.core.testing.Configs;

/**
 * Hosts of the real local plugin print the run's secrets (their own and each other's passwords, become
 * passwords, the run's become password), and every result, listener call included, shows {@code ***}.
 */
class SecretsInResultsTest {
    private static final String L1_PASSWORD = "l1-Login-pw";
    private static final String L2_PASSWORD = "l2-From-file-pw";
    private static final String L1_BECOME = "l1-Become-pw";
    private static final String RUN_BECOME = "run-Become-pw";

    @TempDir
    Path dir;
    private final PluginRegistry registry = new PluginRegistry();
    private ConnectionManager connections;
    private ForkingRunner runner;

    @BeforeEach
    void setUp() throws Exception {
        registry.add(new PluginBinding("local", 1, 0, "io.conduit.core", "1", new LocalPlugin()));
        connections = new ConnectionManager(registry, Configs.connections(600, 1, 0));
        Files.writeString(dir.resolve("l2.pw"), L2_PASSWORD + "\n");
        // every secret, for the hosts to print: hosts print what they read, Conduit must not pass it on
        Files.writeString(dir.resolve("all"), String.join("\n", L1_PASSWORD, L2_PASSWORD, L1_BECOME, RUN_BECOME,
                "abc") + "\n");
        Path inventory = Files.writeString(dir.resolve("inventory.yaml"), """
                defaults:
                  connection: local
                hosts:
                  l1:
                    password: %s
                    data: {become_password: %s}
                  l2:
                    password: ${file:l2.pw}
                  l3:
                    password: abc
                """.formatted(L1_PASSWORD, L1_BECOME));
        runner = new ForkingRunner(connections, Configs.inventories(connections, inventory), Configs.runner(3, 60, 1 << 20,
                inventory.toString()));
    }

    @AfterEach
    void tearDown() {
        connections.deactivate();
    }

    @Test
    void everyHostsSecretsAreMaskedInOutputErrorsAndTheListener() throws Exception {
        BecomeEnvironment.require();
        // the first half and the second half of l1's password in two writes, on stdout; everything on stderr
        String line = "printf 'l1-Lo'; printf 'gin-pw\\n'; cat '" + dir.resolve("all") + "' >&2";
        List<HostResult> heard = new CopyOnWriteArrayList<>();
        RunResult result = runner.run("all", new CommandTask(Command.shell(line)
                .withBecome(Become.sudo("root", Secret.of(RUN_BECOME)))), null, new RunListener() {
                    @Override
                    public void finished(HostResult r) {
                        heard.add(r);
                    }
                });
        assertEquals(3, heard.size());
        for (HostResult h : result.hosts()) {
            assertEquals("***\n", h.stdoutText(), h.host());
            // the 3-byte password of l3 is too short to mask (it would blank every "abc")
            assertEquals("***\n***\n***\n***\nabc\n", h.stderrText(), h.host());
            assertTrue(heard.contains(h), "the listener got what the result holds for " + h.host());
        }
    }

    @Test
    void anErrorTextQuotingASecretIsMasked() throws Exception {
        Task quoting = new Task() {
            @Override
            public HostResult execute(TaskContext context) throws IOException {
                context.connection(); // resolves the host's parameters
                throw new IOException("the host said: bad password " + L2_PASSWORD + " for " + L1_BECOME);
            }

            @Override
            public String describe() {
                return "quote";
            }
        };
        RunResult result = runner.run("l2", quoting, null, null);
        assertEquals("the host said: bad password *** for ***", result.hosts().get(0).error());
    }

    @Test
    void aSecretCutAtTheOutputLimitLeavesNoBeginningBehind() throws Exception {
        // "out: " + the first 6 bytes of l1's password are kept at an 11-byte limit
        RunResult result = runner.run("l1", new CommandTask(Command.shell("printf 'out: %s' '" + L1_PASSWORD
                + "'")), new RunOptions(null, null, null, 11L), null);
        HostResult h = result.hosts().get(0);
        assertTrue(h.stdoutTruncated());
        assertEquals("out: ***", h.stdoutText());
        assertFalse(h.stdoutText().contains("l1-Log"));
    }
}
