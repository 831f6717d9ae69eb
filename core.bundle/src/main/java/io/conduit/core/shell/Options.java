package io.conduit.core.shell;

import java.time.Duration;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.OptionType;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.RunOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The options several commands share, declared once (picocli mixins). */
final class Options {
    private Options() {
    }

    /** Where the hosts come from: {@code -i}. */
    static final class InventoryOption {
        @Option(names = {"-i", "--inventory"}, paramLabel = "FILE|DIR|SOURCE:ARG",
                description = "the inventory: a YAML or JSON file, a directory in Nornir's layout, or an inventory"
                        + " source; a relative path is read from the directory Conduit started in"
                        + " (default: ${DEFAULT-VALUE})")
        String inventory;

        /** @return the inventory to load, or {@code null} for the configured one */
        String spec() {
            return inventory == null || inventory.isEmpty() ? null : inventory;
        }
    }

    /** How a run fans out: {@code -f}, {@code -t}, {@code -i}. */
    static final class RunOptionsMixin {
        @Option(names = {"-f", "--forks"}, paramLabel = "N",
                description = "hosts to work on at once, 1 or more (default: ${DEFAULT-VALUE})")
        String forks;

        @Option(names = {"-t", "--timeout"}, paramLabel = "DURATION",
                description = "time each host may take in all, connecting included, e.g. 30s or 5m"
                        + " (default: ${DEFAULT-VALUE})")
        String timeout;

        @Mixin
        InventoryOption inventory;

        @Option(names = {"-v", "--verbose"}, description = "show what each host's connection does, on stderr, one"
                + " HOST: line each: -v the endpoint, open or reuse, the command, exit and transfers; -vv also"
                + " where each value came from, authentication, host key or TLS checks; -vvv protocol steps."
                + " Secrets are never shown")
        boolean[] verbose = new boolean[0];

        @Option(names = "--output-limit", paramLabel = "BYTES",
                description = "bytes of stdout and of stderr kept per host, e.g. 4096, 64k or 1m; the rest is counted"
                        + " and dropped (default: ${DEFAULT-VALUE})")
        String outputLimit;

        RunOptions runOptions() {
            return Args.runOptions(forks, timeout, inventory.inventory, outputLimit).withVerbosity(verbose.length);
        }
    }

    /** How results are printed, and where each host's output is kept. */
    static final class OutputOptions {
        @Option(names = "--json", description = "print one JSON document when the run ends (output that is not"
                + " UTF-8 in stdout_base64/stderr_base64)")
        boolean json;

        @Option(names = "--json-lines", description = "print one JSON object per line: each host as it finishes,"
                + " then {\"summary\": ...}")
        boolean jsonLines;

        // not -o, which is the output directory here as in parallel-ssh; Ansible's long name
        @Option(names = "--one-line", description = "print one line per host, its output's newlines shown as \\n")
        boolean oneLine;

        @Option(names = "--raw", description = "print the hosts' output bytes as they are; by default control"
                + " characters and bytes that are not UTF-8 are shown escaped (\\e, \\r, \\xHH)")
        boolean raw;

        @Option(names = {"-o", "--outdir"}, paramLabel = "DIR", description = "keep each host's stdout in DIR/HOST"
                + " (created if missing; / and %% in a host name written %%2F, %%25)")
        String outDir;

        @Option(names = {"-e", "--errdir"}, paramLabel = "DIR", description = "keep each host's stderr in DIR/HOST")
        String errDir;

        /**
         * @param ctx where to print
         * @return the printer these options ask for, its directories created
         * @throws IllegalArgumentException options that do not go together, or a directory that cannot be written
         */
        ResultPrinter printer(ShellContext ctx) {
            int formats = (json ? 1 : 0) + (jsonLines ? 1 : 0) + (oneLine ? 1 : 0);
            if (formats > 1) {
                throw new IllegalArgumentException("--json, --json-lines and --one-line each choose how results are"
                        + " printed; give one of them");
            }
            if (raw && formats > 0) {
                throw new IllegalArgumentException("--raw applies to the default view: JSON carries the bytes"
                        + " exactly already, and --one-line needs its output's newlines escaped; drop --raw or the"
                        + " other option");
            }
            ResultPrinter.Format format = json ? ResultPrinter.Format.JSON : jsonLines
                    ? ResultPrinter.Format.JSON_LINES : oneLine ? ResultPrinter.Format.ONE_LINE
                    : ResultPrinter.Format.BLOCKS;
            return new ResultPrinter(format, raw, HostFiles.of(outDir, errDir), ctx.out(), ctx.err());
        }
    }

    /** What {@code --become-method} takes, for the completion script (picocli instantiates it). */
    public static final class BecomeMethods implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return java.util.List.of("sudo", "su").iterator();
        }
    }

    /** {@code -b}, {@code --become-user}, {@code --become-method}, {@code -K}, {@code --become-password-file}. */
    static final class BecomeMixin {
        @Option(names = {"-b", "--become"}, description = "run as another user (root by default) with sudo or su;"
                + " the password is written only when they ask, from the host's data.become_password, -K,"
                + " --become-password-file or $" + BecomeOptions.PASSWORD_ENV)
        boolean become;

        @Option(names = "--become-user", paramLabel = "USER", description = "the user to become (implies -b)")
        String user;

        @Option(names = "--become-method", paramLabel = "METHOD", defaultValue = "sudo",
                completionCandidates = BecomeMethods.class, description = "sudo or su (default: ${DEFAULT-VALUE})")
        String method;

        @Option(names = {"-K", "--ask-become-pass"},
                description = "ask for the become password without echo (interactive shell)")
        boolean ask;

        @Option(names = "--become-password-file", paramLabel = "FILE",
                description = "read the become password from this file (one line)")
        String passwordFile;

        Become become(ShellContext ctx) {
            if (user != null && user.isBlank()) {
                throw new IllegalArgumentException("--become-user: an empty name; give a user name, or -b alone"
                        + " for root");
            }
            return BecomeOptions.of(ctx.session(), become, user == null ? "" : user, method,
                    ask, passwordFile == null ? "" : passwordFile);
        }
    }

    /**
     * What a run does when hosts fail: {@code --serial}, {@code --max-fail}, {@code --fail-fast}, {@code --retries},
     * {@code --retry-delay}, {@code --run-once} (Ansible's {@code serial}, {@code max_fail_percentage},
     * {@code any_errors_fatal}, {@code retries}/{@code delay}, {@code run_once}).
     */
    static final class PolicyMixin {
        // picocli formats descriptions with String.format: a percent sign is written %% there
        @Option(names = "--serial", paramLabel = "N|N%", description = "work in batches: N hosts, or N%% of the"
                + " selected hosts (rounded down, at least 1), in inventory order; a batch starts when the one before"
                + " has ended, and -f applies within a batch (default: one batch of every host). In the Gogo shell"
                + " write a percentage in single quotes: '25%%'")
        String serial;

        @Option(names = "--max-fail", paramLabel = "N%", description = "once more than N%% of a batch's hosts failed"
                + " or were unreachable, start no further host and no further batch; hosts already running finish,"
                + " the others are shown skipped with the reason. 0 stops at a batch's first failure. In the Gogo"
                + " shell write it in single quotes ('10%%') or without the %%")
        String maxFail;

        @Option(names = "--fail-fast", description = "start no further host and no further batch once one host"
                + " failed or was unreachable (hosts already running finish; the others are shown skipped). Within"
                + " one command only: a later command of the same line still runs everywhere; use a runbook to skip"
                + " later steps on failed hosts")
        boolean failFast;

        @Option(names = "--retries", paramLabel = "N", description = "try a host that failed or was unreachable up"
                + " to N more times, 0 to 100; each try has its own -t deadline, and the last try's result counts")
        String retries;

        @Option(names = "--retry-delay", paramLabel = "DURATION", description = "wait this long between a host's"
                + " tries, e.g. 500ms, 10s or 0 (default: 5s)")
        String retryDelay;

        @Option(names = "--run-once", description = "run on the first host of each batch only; the others are shown"
                + " skipped, naming the host it ran on")
        boolean runOnce;

        /**
         * @return the policy these options ask for; {@link FailurePolicy#NONE} when none is given
         * @throws IllegalArgumentException a value is not valid (the message names the option and what to give)
         */
        FailurePolicy policy() {
            int batch = 0;
            boolean percent = false;
            if (serial != null) {
                String v = serial.trim();
                percent = v.endsWith("%");
                Integer n = number(percent ? v.substring(0, v.length() - 1).trim() : v);
                if (n == null) {
                    throw new IllegalArgumentException("--serial: \"" + serial + "\" is not a number of hosts or a"
                            + " percentage; e.g. 5 or 25%");
                }
                if (n == 0) {
                    throw new IllegalArgumentException("--serial: \"" + serial + "\" makes empty batches; give 1 or"
                            + " more hosts, or 1% to 100%");
                }
                batch = n;
            }
            Integer limit = null;
            if (maxFail != null) {
                String v = maxFail.trim();
                limit = number(v.endsWith("%") ? v.substring(0, v.length() - 1).trim() : v);
                if (limit == null) {
                    throw new IllegalArgumentException("--max-fail: \"" + maxFail + "\" is not a percentage; give 0%"
                            + " to 100%, e.g. 25%");
                }
            }
            int again = 0;
            if (retries != null) {
                Integer n = number(retries.trim());
                if (n == null) {
                    throw new IllegalArgumentException("--retries: \"" + retries + "\" is not a number of tries;"
                            + " give 0 to 100");
                }
                again = n;
            }
            Duration delay = null;
            if (retryDelay != null) {
                if (retries == null) {
                    throw new IllegalArgumentException("--retry-delay is the wait between tries and needs --retries;"
                            + " add --retries N or drop --retry-delay");
                }
                delay = OptionType.DURATION.convert("--retry-delay", retryDelay);
            }
            // the record checks the ranges, its messages name the option
            return new FailurePolicy(batch, percent, limit, failFast, again, delay, runOnce);
        }

        /**
         * The options as given, for a runbook whose own keys ({@code serial}, {@code max_fail}, ...) they override:
         * a field is {@code null} where its option was not given. {@code --run-once} is refused: a runbook sets
         * {@code run_once} on the steps it means.
         *
         * @return the given options
         * @throws IllegalArgumentException a value is not valid, or {@code --run-once} was given
         */
        io.conduit.core.runbook.Runbook.PolicyText given() {
            if (runOnce) {
                throw new IllegalArgumentException("--run-once applies to one command; in a runbook write run_once:"
                        + " true on the steps that should run on one host of each batch");
            }
            FailurePolicy p = policy(); // every value checked, with the same messages as for run
            return new io.conduit.core.runbook.Runbook.PolicyText(serial == null ? null : serial.trim(),
                    maxFail == null ? null : p.maxFailPercent(), failFast ? Boolean.TRUE : null,
                    retries == null ? null : p.retries(), retryDelay == null ? null : p.retryDelay());
        }

        /**
         * @return the options as given, for the run's record ({@code --serial 2 --fail-fast}), or {@code null} when
         *         none was given
         */
        String describe() {
            StringBuilder b = new StringBuilder();
            for (String[] o : new String[][] {{"--serial", serial}, {"--max-fail", maxFail}, {"--retries", retries},
                {"--retry-delay", retryDelay}}) {
                if (o[1] != null) {
                    b.append(' ').append(o[0]).append(' ').append(o[1].trim());
                }
            }
            b.append(failFast ? " --fail-fast" : "").append(runOnce ? " --run-once" : "");
            return b.isEmpty() ? null : b.substring(1);
        }

        /** @return the whole number the text is (up to 9 digits, so no overflow), or {@code null} */
        private static Integer number(String text) {
            return text.matches("[0-9]{1,9}") ? Integer.valueOf(text) : null;
        }
    }

    /**
     * {@code --rerun-failed ID}: run again only on the hosts that failed or were unreachable in run ID of the
     * history (Ansible's {@code --limit @FILE.retry}, Rundeck's "retry failed nodes"), among those the pattern
     * selects.
     */
    static final class RerunMixin {
        @Option(names = "--rerun-failed", paramLabel = "ID", description = "run only on the hosts that failed or"
                + " were unreachable in run ID (see runs) and that PATTERN selects (write all to take them all)."
                + " Exit 0 and nothing runs when run ID had no failed host")
        String run;
    }

    /** Check mode and diffs: {@code --check}, {@code --diff} (Ansible's {@code -C} and {@code -D}). */
    static final class CheckMixin {
        @Option(names = {"-C", "--check"}, description = "check mode: each host shows what would change (changed,"
                + " with the reasons, or ok) and nothing is changed; what cannot tell (run's command, fetch) is"
                + " shown skipped and does not run")
        boolean check;

        @Option(names = {"-D", "--diff"}, description = "show the text difference (old to new) of each text file"
                + " that is changed, or with --check would be (put of a text file, template)")
        boolean diff;

        /**
         * @param options the run's options
         * @return a copy with check mode and diffs as given (left to the defaults when not given)
         */
        RunOptions withCheck(RunOptions options) {
            return options.withCheck(check ? Boolean.TRUE : null, diff ? Boolean.TRUE : null);
        }
    }

    /**
     * Where a run, ping or task runs while this node is in a cluster: spread over the members by host (the
     * default), or {@code --local} on this node only, as without a cluster.
     */
    static final class ClusterMixin {
        @Option(names = "--local", description = "run on this node only, with its own connections, also when it is in"
                + " a cluster (without a cluster every run is local)")
        boolean local;

        @Option(names = "--rerun-interrupted", description = "in a cluster: run again a host whose node was lost"
                + " after its task started (it may have run); without it such a host is reported interrupted")
        boolean rerunInterrupted;
    }
}
