package io.conduit.core.shell;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.RunOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code --serial}, {@code --max-fail}, ... and {@code --check}/{@code --diff} as the shell parses them. */
class PolicyOptionsTest {
    @Command(name = "t")
    static final class Holder {
        @Mixin
        Options.PolicyMixin policy;

        @Mixin
        Options.CheckMixin checks;
    }

    private static Holder parse(String... args) {
        Holder h = new Holder();
        new CommandLine(h).parseArgs(args);
        return h;
    }

    private static String refusal(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> parse(args).policy.policy()).getMessage();
    }

    @Test
    void noOptionIsNoPolicy() {
        assertEquals(FailurePolicy.NONE, parse().policy.policy());
    }

    @Test
    void everyOptionReachesThePolicy() {
        FailurePolicy p = parse("--serial", "25%", "--max-fail", "10%", "--fail-fast", "--retries", "3",
                "--retry-delay", "500ms", "--run-once").policy.policy();
        assertEquals(new FailurePolicy(25, true, 10, true, 3, Duration.ofMillis(500), true), p);
        assertEquals(new FailurePolicy(4, false, 0, false, 0, null, false),
                parse("--serial", "4", "--max-fail", "0").policy.policy(), "a limit without % is a percentage too");
        assertEquals(Duration.ZERO, parse("--retries", "1", "--retry-delay", "0").policy.policy().retryDelay());
    }

    @Test
    void badValuesAreRefusedNamingTheOptionAndWhatToGive() {
        assertEquals("--serial: \"abc\" is not a number of hosts or a percentage; e.g. 5 or 25%",
                refusal("--serial", "abc"));
        assertEquals("--serial: \"-2\" is not a number of hosts or a percentage; e.g. 5 or 25%",
                refusal("--serial=-2"));
        assertEquals("--serial: \"0\" makes empty batches; give 1 or more hosts, or 1% to 100%",
                refusal("--serial", "0"));
        assertEquals("--serial: 150% is out of range; give a number of hosts (1 or more) or a percentage (1% to 100%)",
                refusal("--serial", "150%"));
        assertEquals("--max-fail: \"half\" is not a percentage; give 0% to 100%, e.g. 25%", refusal("--max-fail",
                "half"));
        assertEquals("--max-fail: 101% is out of range; give 0% to 100%", refusal("--max-fail", "101%"));
        assertEquals("--retries: \"x\" is not a number of tries; give 0 to 100", refusal("--retries", "x"));
        assertEquals("--retries: 101 is out of range; give 0 to 100", refusal("--retries", "101"));
        assertEquals("--retry-delay is the wait between tries and needs --retries; add --retries N or drop"
                + " --retry-delay", refusal("--retry-delay", "5s"));
        assertEquals("--retry-delay: \"soon\" is not a duration; use seconds (30) or a unit (500ms, 30s, 5m, 1h)",
                refusal("--retries", "1", "--retry-delay", "soon"));
    }

    @Test
    void checkAndDiffGoIntoTheRunOptions() {
        RunOptions none = parse().checks.withCheck(RunOptions.defaults());
        assertNull(none.check());
        assertNull(none.diff());
        RunOptions both = parse("--check", "--diff").checks.withCheck(new RunOptions(null, 3, null, null));
        assertEquals(true, both.checkMode());
        assertEquals(true, both.diffMode());
        assertEquals(3, both.forks(), "the other options are kept");
        assertEquals(true, parse("-C").checks.withCheck(RunOptions.defaults()).checkMode(), "Ansible's -C");
    }

    /** picocli formats each description with String.format: a lone % would print a warning in help instead. */
    @Test
    void theHelpTextsFormatCleanly() {
        CommandLine cl = new CommandLine(new Holder());
        for (Class<?> mixin : List.of(Options.PolicyMixin.class, Options.CheckMixin.class)) {
            for (java.lang.reflect.Field f : mixin.getDeclaredFields()) {
                picocli.CommandLine.Option o = f.getAnnotation(picocli.CommandLine.Option.class);
                for (String line : o == null ? new String[0] : o.description()) {
                    try {
                        String.format(line);
                    } catch (java.util.IllegalFormatException e) {
                        throw new AssertionError(f.getName() + ": a lone % in \"" + line + "\"", e);
                    }
                }
            }
        }
        String help = cl.getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.contains("N% of the selected hosts"), help);
        assertTrue(help.contains("'25%'"), help);
    }
}
