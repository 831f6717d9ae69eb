package io.conduit.core.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.task.FailurePolicy;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Task;
import io.conduit.core.cluster.ClusterRuns;
import io.conduit.core.cluster.ClusterWork;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.task.CheckModeSkip;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.FetchTask;
import io.conduit.core.task.PingTask;
import io.conduit.core.tasks.PutTaskPlugin;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code run}, {@code put}, {@code fetch}, {@code ping}: parse, hand a task to the runner, print its result. */
final class TaskCommands {
    /** The most {@code --stdin} reads (bytes): the input is sent whole to every host. */
    static final long STDIN_LIMIT = 64L << 20;

    private TaskCommands() {
    }

    /**
     * Refuses text that held bytes which are not UTF-8: the JVM decoded them as U+FFFD, so the host would get
     * other bytes than the ones given. Conduit carries commands and paths as UTF-8.
     *
     * @throws IllegalArgumentException it holds U+FFFD
     */
    static void utf8(String what, String text) {
        if (text.indexOf('\uFFFD') >= 0) {
            throw new IllegalArgumentException(what + " holds bytes that are not UTF-8 (shown as \uFFFD): Conduit"
                    + " carries commands and paths as UTF-8 text; write it in UTF-8, or put the bytes in a script"
                    + " and give it with --stdin FILE");
        }
    }

    /**
     * Refuses an empty path before anything runs (a shell's {@code ""} from an unset variable): no host would know
     * what it names.
     *
     * @throws IllegalArgumentException it is empty
     */
    static void nonEmpty(String command, String what, String path) {
        if (path.isEmpty()) {
            throw new IllegalArgumentException(command + ": " + what + " is empty; give a path");
        }
    }

    /** The part every task command shares: the runner's options, the output, the pattern. */
    abstract static class TaskCommand implements Callable<CommandOutput> {
        final ShellContext ctx;

        @Mixin
        Options.RunOptionsMixin run;

        @Mixin
        Options.OutputOptions output;

        @Mixin
        Options.PolicyMixin policy;

        @Mixin
        Options.CheckMixin checks;

        @Mixin
        Options.RerunMixin rerun;

        TaskCommand(ShellContext ctx) {
            this.ctx = ctx;
        }

        /**
         * @return the run's options from the command line, check mode and diffs included; a command with more
         *         options of its own adds them
         */
        RunOptions runOptions() {
            return checks.withCheck(run.runOptions());
        }

        /**
         * @return what runs, for the run's record, as the operator typed it: {@code run: COMMAND},
         *         {@code put LOCAL REMOTE}... Never an {@code --env} value, {@code --stdin}'s contents or a password.
         */
        abstract String what();

        /**
         * @return the command's cluster options ({@code --local}, {@code --rerun-interrupted}), or {@code null} for a
         *         command that always runs on this node ({@code put}, {@code fetch}: their local files are here)
         */
        Options.ClusterMixin where() {
            return null;
        }

        /**
         * @param run the run's key
         * @param origin this member's name
         * @param options the run's options as every node reads them
         * @param rules the run's failure policy (its retries go with the work)
         * @param rerunInterrupted {@code --rerun-interrupted}
         * @return what each batch of the run carries to its node; only for commands with {@link #where()}
         */
        ClusterWork work(String run, String origin, RunOptions options, FailurePolicy rules, boolean rerunInterrupted) {
            throw new UnsupportedOperationException(name() + " runs on this node only");
        }

        /** @return the cluster's runs when this run spreads over the cluster, else {@code null} (one stderr line says why) */
        private ClusterRuns spread() {
            ClusterRuns cluster = ctx.clustered();
            Options.ClusterMixin where = where();
            if (cluster == null || (where != null && where.local)) {
                return null;
            }
            if (where == null) {
                ctx.err().println("conduit: " + name() + " runs on this node only (the local files it reads or writes"
                        + " are here), not across the cluster");
                return null;
            }
            if (rerun.run != null) {
                ctx.err().println("conduit: --rerun-failed runs on this node only (its run history is here), not"
                        + " across the cluster");
                return null;
            }
            return cluster;
        }

        /** @return the command's name ({@code run}, {@code put}...) */
        String name() {
            return getClass().getAnnotation(picocli.CommandLine.Command.class).name();
        }

        CommandOutput execute(String pattern, Task task) throws Exception {
            RunOptions options = runOptions();
            FailurePolicy rules = policy.policy();
            ResultPrinter printer = output.printer(ctx); // checks the options and -o/-e before anything runs
            RunLog log = new RunLog(ctx, name(), what(), pattern, options, policy.describe(), checks.check);
            List<String> hosts = null;
            RunLog.SessionSelector selector = null;
            if (rerun.run != null) {
                // the hosts that failed in that run among those the pattern selects; refused before anything runs
                selector = new RunLog.SessionSelector(forking(ctx));
                hosts = log.rerun(rerun.run, selector);
                if (hosts.isEmpty()) {
                    return Text.ok(""); // nothing to rerun, said on stderr
                }
                options = log.options(); // run ID's inventory when no -i was given
            }
            ClusterRuns cluster = spread();
            java.util.Map<String, String> nodes = new java.util.concurrent.ConcurrentHashMap<>();
            if (cluster != null) {
                printer.nodes(nodes);
            }
            Long id = log.start(); // the ID is claimed now: runs shows the run in progress, and a killed one as interrupted
            RunResult result;
            try {
                // each host is printed (and its -o/-e files written) as it finishes, from the runner's threads;
                // -v's trace lines as they come; the run's insecure choices (host_key_checking: off, a token over
                // plain HTTP) in one line
                InsecureNotice listener = new InsecureNotice(TracePrinter.around(printer, options.verbosity(),
                        ctx.err()), ctx.err());
                if (cluster != null) {
                    String key = cluster.runKey(id);
                    RunOptions everywhere = cluster.options(options);
                    ClusterWork work = work(key, cluster.transport().localNode(), everywhere, rules,
                            where().rerunInterrupted);
                    ctx.err().println("conduit: run " + key + " spreads over the cluster ('run-status " + key
                            + "' shows it from any node)");
                    result = cluster.run(new ClusterRuns.Request(key, what(), pattern, work, rules), listener, nodes,
                            line -> ctx.err().println("conduit: " + line));
                } else {
                    result = hosts == null ? ctx.runner().run(pattern, task, options, rules, listener)
                            : selector.session(options).runOn(hosts, task, options, rules, listener);
                }
            } catch (InterruptedException e) {
                // interrupted before any host started (loading the inventory): nothing ran
                ctx.err().println("interrupted; nothing was started");
                log.finish(null, Args.EXIT_INTERRUPTED);
                return new RunReport(null, "", Args.EXIT_INTERRUPTED);
            } catch (Exception e) {
                log.abandon(); // nothing ran (the inventory, the pattern): no record, as before IDs were claimed early
                throw e;
            }
            // the runner stopped every host and reports each; cleared first, as files are not written on an
            // interrupted thread
            boolean interrupted = Thread.interrupted();
            printer.close(result);
            // a host's output that -o/-e could not keep fails the run as a host would: a script must notice
            int exit = interrupted ? Args.EXIT_INTERRUPTED : result.succeeded() && !printer.filesFailed()
                    ? Args.EXIT_OK : Args.EXIT_HOSTS_FAILED;
            String summary = printer.end(result, log.finish(result, exit));
            if (interrupted) {
                ctx.err().println("interrupted: each host's line says whether its command was stopped");
            }
            return new RunReport(result, summary, exit);
        }
    }

    /**
     * @return the core's runner, which can run on hosts named one by one
     * @throws IllegalArgumentException another runner service is in use
     */
    static ForkingRunner forking(ShellContext ctx) {
        if (!(ctx.runner() instanceof ForkingRunner forking)) {
            throw new IllegalArgumentException("--rerun-failed: the runner service is not the core's; it needs the"
                    + " core's runner");
        }
        return forking;
    }

    @picocli.CommandLine.Command(name = "run", description = {
        "Runs a command on every host the pattern selects, through each host's connection plugin.",
        "Options come before PATTERN: every word after it belongs to the command and reaches the host as"
                + " written (\"--\" may separate them). In the Gogo shell, write the command in single quotes"
                + " ('echo $HOME'); Gogo would change $, globs and ~ in other words, and such lines are refused."},
            footer = {"", "Exit status: 0 every host ok, 2 a host failed or was unreachable, 64 bad input (nothing"
                + " ran), 130 interrupted.", ""})
    static final class Run extends TaskCommand {
        @Mixin
        Options.BecomeMixin become;

        @Mixin
        Options.ClusterMixin cluster;

        /** The command as built from the options, for the cluster's work. */
        private Command built;

        @Option(names = "--cwd", paramLabel = "DIR", description = "working directory on the host")
        String cwd;

        @Option(names = "--command-timeout", paramLabel = "DURATION",
                description = "time the command itself may take; then it is stopped on the host")
        String commandTimeout;

        @Option(names = "--pty", description = "give the command a pseudo-terminal (some sudo rules need one)")
        boolean pty;

        @Option(names = "--env", paramLabel = "NAME=VALUE",
                description = "set an environment variable for the command (repeatable); the value travels on the"
                        + " command's input, never on a command line another user of the host could see")
        Map<String, String> env = new LinkedHashMap<>();

        @Option(names = "--stdin", paramLabel = "FILE", description = "give the command this file's bytes on its"
                + " standard input (at most 64 MiB, sent to every host)")
        String stdin;

        @Option(names = "--argv", description = "pass each word of COMMAND as one argument, quoted for the host's"
                + " shell (or as the exec argument vector where the plugin has one), instead of one command line")
        boolean argv;

        @Parameters(index = "0", paramLabel = "PATTERN", description = "host pattern: all, names, globs, groups,"
                + " GROUP[i:j], ~regex, a:b, a:&b, a:!b")
        String pattern;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "COMMAND",
                description = "the command and its words, run by the host's shell")
        List<String> command = new ArrayList<>();

        Run(ShellContext ctx) {
            super(ctx);
        }

        @Override
        public CommandOutput call() throws Exception {
            List<String> words = command;
            if (!words.isEmpty() && words.get(0).equals("--")) {
                words = words.subList(1, words.size());
            }
            if (words.isEmpty()) {
                throw new IllegalArgumentException("no command given after the pattern; usage: run [OPTIONS]"
                        + " PATTERN COMMAND...");
            }
            utf8("the command", String.join(" ", words));
            if (pty && !env.isEmpty()) {
                throw new IllegalArgumentException("--env cannot be used with --pty: the terminal is the command's"
                        + " input, and the values would have to go on the command line, where every user of the"
                        + " host can read them; drop --pty or set the variables in the command");
            }
            Command c = argv ? Command.argv(words) : Command.shell(String.join(" ", words));
            c = c.withPty(pty).withEnv(env);
            if (cwd != null && !cwd.isEmpty()) {
                c = c.withCwd(cwd);
            }
            if (stdin != null) {
                c = c.withStdin(readStdin(stdin));
            }
            c = c.withTimeout(Args.duration("--command-timeout", commandTimeout));
            c = c.withBecome(become.become(ctx));
            built = c;
            // in check mode a command does not run: it cannot tell what it would change
            return execute(pattern, CheckModeSkip.command(new CommandTask(c)));
        }

        @Override
        Options.ClusterMixin where() {
            return cluster;
        }

        @Override
        ClusterWork work(String run, String origin, RunOptions options, FailurePolicy rules, boolean again) {
            return new ClusterWork(run, origin, ClusterWork.Kind.RUN, built, null, null, null, options, rules.retries(),
                    rules.retryDelay(), List.of(), again);
        }

        @Override
        String what() {
            List<String> words = !command.isEmpty() && command.get(0).equals("--") ? command.subList(1,
                    command.size()) : command;
            return "run: " + String.join(" ", words);
        }

        private static byte[] readStdin(String name) {
            Path file = Args.localPath(name);
            try {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("--stdin: " + file + (Files.exists(file)
                            ? " is not a regular file" : " does not exist") + "; give a readable file");
                }
                if (Files.size(file) > STDIN_LIMIT) {
                    throw new IllegalArgumentException("--stdin: " + file + " has " + Files.size(file)
                            + " bytes, more than the " + STDIN_LIMIT + " bytes --stdin sends; copy it with put and"
                            + " read it on the host");
                }
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new IllegalArgumentException("--stdin: cannot read " + file + " (" + e.getMessage() + ")");
            }
        }
    }

    @picocli.CommandLine.Command(name = "put", description = {
        "Copies a local file (or with -r a directory) to every host the pattern selects, changing only what"
                + " differs: the host's file is checked first (sha256, mode, owner), a file whose content differs is"
                + " written to a temporary name beside the target, then renamed. A host is 'changed' when something"
                + " was changed, 'ok' otherwise; each changed file is listed with the reason."})
    static final class Put extends TaskCommand {
        @Mixin
        Options.BecomeMixin become;

        @Option(names = {"-m", "--mode"}, paramLabel = "MODE",
                description = "octal permissions of the remote file, e.g. 0644 (default: the local file's; with -r,"
                        + " of every file, while directories keep their own)")
        String mode;

        @Option(names = "--owner", paramLabel = "USER",
                description = "give the remote file (with -r, every file and directory) this owner: a name or a"
                        + " numeric id; changing it usually takes root (--become)")
        String owner;

        @Option(names = "--group", paramLabel = "GROUP", description = "give the remote file this group: a name or a"
                + " numeric id")
        String group;

        @Option(names = {"-r", "--recursive"}, description = "copy a directory and what it holds: REMOTE becomes"
                + " the copy (REMOTE/ ending in / puts it inside, under its own name); links to files are copied as"
                + " files, links to directories skipped; files only on the host are left alone")
        boolean recursive;

        @Parameters(index = "0", paramLabel = "PATTERN", description = "host pattern")
        String pattern;

        @Parameters(index = "1", paramLabel = "LOCAL", description = "the local file")
        String local;

        @Parameters(index = "2", paramLabel = "REMOTE", description = "the remote path")
        String remote;

        Put(ShellContext ctx) {
            super(ctx);
        }

        @Override
        String what() {
            return "put " + local + " " + remote;
        }

        @Override
        public CommandOutput call() throws Exception {
            utf8("the local path", local);
            utf8("the remote path", remote);
            nonEmpty("put", "REMOTE", remote);
            Path file = Args.localPath(local);
            if (Files.isDirectory(file) && !recursive) {
                throw new IllegalArgumentException("put: " + file + " is a directory; put -r copies a directory and"
                        + " what it holds");
            }
            if (!Files.isDirectory(file) && (!Files.isRegularFile(file) || !Files.isReadable(file))) {
                throw new IllegalArgumentException("put: " + file + " is not a readable file");
            }
            for (String[] id : new String[][] {{"--owner", owner}, {"--group", group}}) {
                // a name or a number, as chown takes it; never a word a shell or chown would read otherwise
                if (id[1] != null && !id[1].matches("[A-Za-z0-9_][A-Za-z0-9_.-]*\\$?")) {
                    throw new IllegalArgumentException(id[0] + ": \"" + id[1] + "\" is not a user or group name or"
                            + " a numeric id");
                }
            }
            int bits = Connection.KEEP_MODE;
            if (mode != null) {
                try {
                    bits = Integer.parseInt(mode, 8);
                } catch (NumberFormatException e) {
                    bits = -2;
                }
                if (bits < 0 || bits > 07777) {
                    throw new IllegalArgumentException("-m/--mode: \"" + mode + "\" is not an octal mode; use e.g."
                            + " 0644");
                }
            }
            Become as = become.become(ctx);
            // the put task's own path: --check and --diff say the same here and under "task put"
            return execute(pattern, PutTaskPlugin.shellPut(file, remote, bits, owner, group, recursive, as));
        }
    }

    @picocli.CommandLine.Command(name = "fetch", description = {
        "Copies a remote file (or with -r a directory) from every host the pattern selects to LOCALDIR/HOST/NAME,"
                + " with the remote file's mode; a symbolic link is followed."})
    static final class Fetch extends TaskCommand {
        @Mixin
        Options.BecomeMixin become;

        @Option(names = {"-r", "--recursive"}, description = "copy a directory and what it holds (modes and empty"
                + " directories kept; links to files fetched as files, links to directories skipped)")
        boolean recursive;

        @Parameters(index = "0", paramLabel = "PATTERN", description = "host pattern")
        String pattern;

        @Parameters(index = "1", paramLabel = "REMOTE", description = "the remote file")
        String remote;

        @Parameters(index = "2", paramLabel = "LOCALDIR", description = "the local directory")
        String localDir;

        Fetch(ShellContext ctx) {
            super(ctx);
        }

        @Override
        String what() {
            return "fetch " + remote + " " + localDir;
        }

        @Override
        public CommandOutput call() throws Exception {
            utf8("the remote path", remote);
            utf8("the local directory", localDir);
            nonEmpty("fetch", "REMOTE", remote);
            nonEmpty("fetch", "LOCALDIR", localDir);
            Become as = become.become(ctx);
            Path dir = Args.localPath(localDir);
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new IllegalArgumentException("fetch: LOCALDIR " + dir + " is a file; give a directory (the"
                        + " copies go to LOCALDIR/HOST/NAME)");
            }
            try {
                if (!checks.check) { // check mode changes nothing, here neither
                    Files.createDirectories(dir);
                }
            } catch (IOException e) {
                java.nio.file.FileSystemException f = e instanceof java.nio.file.FileSystemException x ? x : null;
                throw new IllegalArgumentException("fetch: cannot create " + dir + ": " + (f != null && f.getReason()
                        != null ? f.getReason() : e instanceof java.nio.file.AccessDeniedException ? "permission"
                        + " denied" : "failed"));
            }
            // check mode asks the host and writes nothing here, as the fetch task does (one FetchTask)
            return execute(pattern, new FetchTask(remote, dir, recursive, as, checks.check));
        }
    }

    @picocli.CommandLine.Command(name = "ping", description = {
        "Opens (or reuses) each selected host's connection and checks that it is alive."})
    static final class Ping extends TaskCommand {
        @Mixin
        Options.ClusterMixin cluster;

        @Parameters(index = "0", paramLabel = "PATTERN", description = "host pattern")
        String pattern;

        Ping(ShellContext ctx) {
            super(ctx);
        }

        @Override
        String what() {
            return "ping";
        }

        @Override
        Options.ClusterMixin where() {
            return cluster;
        }

        @Override
        ClusterWork work(String run, String origin, RunOptions options, FailurePolicy rules, boolean again) {
            return new ClusterWork(run, origin, ClusterWork.Kind.PING, null, null, null, null, options, rules.retries(),
                    rules.retryDelay(), List.of(), again);
        }

        @Override
        public CommandOutput call() throws Exception {
            return execute(pattern, new PingTask());
        }
    }
}
