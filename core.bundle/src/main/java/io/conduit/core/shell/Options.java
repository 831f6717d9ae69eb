package io.conduit.core.shell;

import io.conduit.api.connection.Become;
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

        RunOptions runOptions() {
            return new RunOptions(inventory == null || inventory.isEmpty() ? null : inventory, null, null, null);
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

        RunOptions runOptions() {
            return Args.runOptions(forks, timeout, inventory.inventory).withVerbosity(verbose.length);
        }
    }

    /** How results are printed. */
    static final class OutputOptions {
        @Option(names = "--json", description = "print one JSON document when the run ends")
        boolean json;
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
                description = "sudo or su (default: ${DEFAULT-VALUE})")
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
}
