package io.conduit.core.shell;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.conduit.api.connection.Become;
import io.conduit.api.support.Suggestions;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Task;
import io.conduit.core.cluster.ClusterWork;
import io.conduit.core.run.SecretMasker;
import io.conduit.core.task.ScopedTask;
import io.conduit.core.task.TaskCatalog;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code tasks} and {@code task}: the installed task plugins, and one run by name on the hosts of a pattern. */
final class TaskPluginCommands {
    private TaskPluginCommands() {
    }

    @picocli.CommandLine.Command(name = "tasks", description = {
        "Lists the task plugins: name, bundle, version, state (active, or shadowed by a higher-ranked service of"
                + " the same name), whether it supports check mode (--check), hosts running it now; with a name,"
                + " that task's parameters."})
    static final class Tasks implements Callable<CommandOutput> {
        private final ShellContext ctx;

        @Parameters(index = "0", arity = "0..1", paramLabel = "NAME", description = "a task's name")
        String name;

        Tasks(ShellContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public CommandOutput call() {
            TaskCatalog catalog = ctx.tasks();
            if (name == null) {
                Table table = new Table("NAME", "BUNDLE", "VERSION", "STATE", "CHECK MODE", "IN FLIGHT",
                        "DESCRIPTION");
                for (TaskCatalog.Service s : catalog.services()) {
                    table.row(s.name(), s.bundle(), s.version(), s.serves() ? "active" : "shadowed",
                            s.plugin().supportsCheckMode() ? "yes" : "no", s.inFlight(), s.plugin().description());
                }
                return catalog.names().isEmpty() ? table.below("no task plugins are installed; a task bundle dropped"
                        + " into deploy/ is listed here once started") : table;
            }
            TaskCatalog.Service s = catalog.services().stream().filter(x -> x.name().equals(name) && x.serves())
                    .findFirst().orElseThrow(() -> unknown(catalog, name));
            Table table = new Table("PARAMETER", "TYPE", "DEFAULT", "REQUIRED", "SECRET", "DESCRIPTION")
                    .above(s.name() + ": " + s.plugin().description())
                    .above("bundle " + s.bundle() + " " + s.version() + ", check mode: "
                            + (s.plugin().supportsCheckMode() ? "yes (--check reports what it would change)"
                                    : "no (--check skips it on every host)")
                            + (s.plugin().gathersFacts() ? ", gathers facts" : ""))
                    .above(s.plugin().parameters().isEmpty() ? "it takes no parameters"
                            : "parameters (KEY=VALUE words of 'task', keys of a runbook step):");
            return PluginCommands.optionRows(table, s.plugin().parameters());
        }
    }

    @picocli.CommandLine.Command(name = "task", description = {
        "Runs a task plugin (see tasks) on every host the pattern selects. Its parameters are KEY=VALUE words,"
                + " checked against the task's declarations ('tasks NAME') before anything runs.",
        "A list parameter takes its values comma separated in one word (names=a,b,c); a key may be given once."},
            footer = {"", "Exit status: 0 every host ok, 2 a host failed or was unreachable, 64 bad input (nothing"
                + " ran), 130 interrupted.", ""})
    static final class RunTask extends TaskCommands.TaskCommand {
        @Mixin
        Options.BecomeMixin become;

        @Mixin
        Options.ClusterMixin cluster;

        /** The escalation as read from the options, for the cluster's work. */
        private Become as;

        @Parameters(index = "0", paramLabel = "NAME", description = "the task's name (see tasks)")
        String name;

        @Parameters(index = "1", paramLabel = "PATTERN", description = "host pattern: all, names, globs, groups,"
                + " GROUP[i:j], ~regex, a:b, a:&b, a:!b")
        String pattern;

        @Parameters(index = "2..*", arity = "0..*", paramLabel = "KEY=VALUE",
                description = "the task's parameters (see tasks NAME)")
        List<String> words = new ArrayList<>();

        RunTask(ShellContext ctx) {
            super(ctx);
        }

        // --check and --diff come with every task command (Options.CheckMixin), the failure policy too

        /** {@code task NAME key=value...}, the value of each secret parameter (and of any key not declared) as ***. */
        @Override
        String what() {
            java.util.Set<String> plain = new java.util.HashSet<>();
            ctx.tasks().plugin(name).ifPresent(p -> p.parameters().stream().filter(d -> !d.secret())
                    .forEach(d -> plain.add(d.name())));
            StringBuilder b = new StringBuilder("task ").append(name);
            for (String word : words) {
                int eq = word.indexOf('=');
                String key = eq < 0 ? word : word.substring(0, eq);
                b.append(' ').append(plain.contains(key) ? word : key + "=" + SecretMasker.MASK);
            }
            return b.toString();
        }

        @Override
        public CommandOutput call() throws Exception {
            TaskCatalog catalog = ctx.tasks();
            Map<String, Object> values;
            try {
                values = catalog.parameters(name, keyValues(words), "task");
            } catch (IllegalArgumentException e) {
                // one problem a line, each said as the first is
                throw new IllegalArgumentException(e.getMessage().replace("\n", "\nconduit: "), e);
            }
            Task task = catalog.task(name, values);
            as = become.become(ctx);
            return execute(pattern, new ScopedTask(task, as, null));
        }

        @Override
        Options.ClusterMixin where() {
            return cluster;
        }

        /** The parameters go as written: each node checks and converts them against its own task plugin. */
        @Override
        ClusterWork work(String run, String origin, RunOptions options, FailurePolicy rules, boolean again) {
            return new ClusterWork(run, origin, ClusterWork.Kind.TASK, null, name, keyValues(words), as, options,
                    rules.retries(), rules.retryDelay(), List.of(), again);
        }
    }

    /**
     * Reads {@code KEY=VALUE} words (split at the first {@code =}: a value may hold more).
     *
     * @param words the words after the pattern
     * @return the values as written, in the order given
     * @throws IllegalArgumentException a word without {@code =} or without a key, or a key given twice; a value is
     *         never quoted (it may be a secret)
     */
    static Map<String, String> keyValues(List<String> words) {
        Map<String, String> given = new LinkedHashMap<>();
        for (String word : words) {
            int eq = word.indexOf('=');
            if (eq < 0) {
                throw new IllegalArgumentException("task: \"" + word + "\" is not KEY=VALUE; give each parameter as"
                        + " key=value (see 'tasks NAME' for the task's parameters)");
            }
            if (eq == 0) {
                throw new IllegalArgumentException("task: a word starts with \"=\": write the parameter's name before"
                        + " it, as key=value");
            }
            String key = word.substring(0, eq);
            if (given.putIfAbsent(key, word.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("task: " + key + " is given twice; give it once (a list takes its"
                        + " values comma separated: " + key + "=a,b)");
            }
        }
        return given;
    }

    private static IllegalArgumentException unknown(TaskCatalog catalog, String name) {
        String closest = Suggestions.closest(name, catalog.names());
        return new IllegalArgumentException("no task named \"" + name + "\""
                + (closest == null ? "" : "; did you mean \"" + closest + "\"?") + " (installed: "
                + (catalog.names().isEmpty() ? "none" : String.join(", ", catalog.names()))
                + "); see tasks, or drop the task's bundle into deploy/");
    }
}
