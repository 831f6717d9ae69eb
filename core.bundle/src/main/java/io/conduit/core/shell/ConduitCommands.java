package io.conduit.core.shell;

import java.io.InputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.inventory.Inventories;
import io.conduit.api.inventory.InventoryException;
import io.conduit.api.support.InvalidConfigurationException;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.Runner;
import io.conduit.core.cluster.ClusterRuns;
import io.conduit.core.connection.ConnectionManager;
import io.conduit.core.history.RunHistory;
import io.conduit.core.inventory.LocalPaths;
import io.conduit.core.inventory.Names;
import io.conduit.core.registry.PluginRegistry;
import io.conduit.core.task.TaskCatalog;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Conduit's commands, one picocli model each, reached two ways: as Gogo functions in scope {@code conduit}
 * ({@code conduit:run ...} at the prompt and in {@code bin/conduit -c}), and as {@code bin/conduit COMMAND ARGS}
 * from a system shell ({@link #execute(String[], InputStream, PrintStream, PrintStream)}), which takes the words
 * as that shell split them, with no second shell in between.
 *
 * <p>Every way in parses the same: options first, then the positional words; after a command's pattern (for
 * {@code run}) every word belongs to the remote command; an unknown option is refused with the closest known
 * one; {@code --} ends the options. Every way in also ends the same: a message for people on stderr (never a
 * stack trace) and a value ({@link CommandOutput}: a run report, a table, text) that the console prints through
 * {@link OutputConverter} and whose exit status (0 ok, 2 a host failed, 64 bad input and nothing ran, 130
 * interrupted) {@code bin/conduit} exits with.
 */
@Component(service = ConduitCommands.class)
@GogoCommand(scope = "conduit", function = {"run", "put", "fetch", "ping", "hosts", "inventory", "plugins",
    "connections", "disconnect", "drain", "tasks", "task", "help", "completion", "completions", "patterns",
    "tasknames", "runbook", "runs", "cluster", "run-status"})
public final class ConduitCommands {
    private static final Logger LOG = LoggerFactory.getLogger(ConduitCommands.class);
    /** The commands whose names no Java method can have: Gogo reaches them through {@link #_main}. */
    static final java.util.Set<String> VIA_MAIN = java.util.Set.of("run-status");
    /** Width of help texts. */
    private static final int HELP_WIDTH = 100;

    private final Runner runner;
    private final Inventories inventories;
    private final PluginRegistry registry;
    private final ConnectionManager connections;
    private final TaskCatalog tasks;
    private final RunHistory history;
    private final ClusterRuns cluster;
    /** The commands in the order {@code help} lists them. */
    private final Map<String, Function<ShellContext, Object>> commands = new LinkedHashMap<>();

    /**
     * @param runner runs tasks
     * @param inventories loads inventories and knows which plugin a host uses
     * @param registry the connection plugins
     * @param connections the connection pool
     * @param guard refuses lines the shell would change; referenced so that these commands exist only while it
     *        watches the lines
     * @param tasks the task plugins
     * @param history where each run is recorded ({@code runs}, {@code --rerun-failed})
     * @param cluster the cluster's runs: run, ping and task spread over the cluster while this node is in one
     */
    @Activate
    public ConduitCommands(@Reference Runner runner, @Reference Inventories inventories,
            @Reference PluginRegistry registry, @Reference ConnectionManager connections,
            @Reference LineGuard guard, @Reference TaskCatalog tasks, @Reference RunHistory history,
            @Reference ClusterRuns cluster) {
        this.cluster = cluster;
        this.runner = runner;
        this.inventories = inventories;
        this.registry = registry;
        this.connections = connections;
        this.tasks = tasks;
        this.history = history;
        commands.put("run", TaskCommands.Run::new);
        commands.put("put", TaskCommands.Put::new);
        commands.put("fetch", TaskCommands.Fetch::new);
        commands.put("ping", TaskCommands.Ping::new);
        commands.put("runbook", ctx -> new RunbookCommand(ctx, ctx::tasks));
        commands.put("hosts", InventoryCommands.Hosts::new);
        commands.put("inventory", InventoryCommands.Summary::new);
        commands.put("plugins", PluginCommands.Plugins::new);
        commands.put("connections", PluginCommands.Connections::new);
        commands.put("disconnect", PluginCommands.Disconnect::new);
        commands.put("drain", PluginCommands.Drain::new);
        commands.put("tasks", TaskPluginCommands.Tasks::new);
        commands.put("task", TaskPluginCommands.RunTask::new);
        commands.put("runs", RunsCommand::new);
        commands.put("cluster", ClusterCommands.Cluster::new);
        commands.put("run-status", ClusterCommands.RunStatus::new);
        commands.put("completion", ctx -> new CompletionCommand(() -> model(ctx)));
    }

    /**
     * Commands on this node alone (no cluster), as before the cluster.
     *
     * @param runner runs tasks
     * @param inventories loads inventories and knows which plugin a host uses
     * @param registry the connection plugins
     * @param connections the connection pool
     * @param guard refuses lines the shell would change
     * @param tasks the task plugins
     * @param history where each run is recorded ({@code runs}, {@code --rerun-failed})
     */
    public ConduitCommands(Runner runner, Inventories inventories, PluginRegistry registry,
            ConnectionManager connections, LineGuard guard, TaskCatalog tasks, RunHistory history) {
        this(runner, inventories, registry, connections, guard, tasks, history, null);
    }

    /**
     * Commands that keep no run history (tests, tools): {@code runs} and {@code --rerun-failed} say that none is
     * kept, and runs print no run ID.
     *
     * @param runner runs tasks
     * @param inventories loads inventories and knows which plugin a host uses
     * @param registry the connection plugins
     * @param connections the connection pool
     * @param guard refuses lines the shell would change
     * @param tasks the task plugins
     */
    public ConduitCommands(Runner runner, Inventories inventories, PluginRegistry registry,
            ConnectionManager connections, LineGuard guard, TaskCatalog tasks) {
        this(runner, inventories, registry, connections, guard, tasks, null, null);
    }

    @Descriptor("run a command on the hosts a pattern selects: run [OPTIONS] PATTERN COMMAND...; 'help run'")
    public CommandOutput run(CommandSession session, String... words) {
        return gogo(session, "run", words);
    }

    @Descriptor("copy a local file to the hosts a pattern selects: put [OPTIONS] PATTERN LOCAL REMOTE")
    public CommandOutput put(CommandSession session, String... words) {
        return gogo(session, "put", words);
    }

    @Descriptor("copy a remote file from the hosts a pattern selects: fetch [OPTIONS] PATTERN REMOTE LOCALDIR")
    public CommandOutput fetch(CommandSession session, String... words) {
        return gogo(session, "fetch", words);
    }

    @Descriptor("connect to the hosts a pattern selects and check the connections: ping [OPTIONS] PATTERN")
    public CommandOutput ping(CommandSession session, String... words) {
        return gogo(session, "ping", words);
    }

    @Descriptor("run a runbook's steps on the hosts a pattern selects: runbook [OPTIONS] FILE PATTERN")
    public CommandOutput runbook(CommandSession session, String... words) {
        return gogo(session, "runbook", words);
    }

    @Descriptor("list the hosts a pattern selects: hosts [OPTIONS] [PATTERN]")
    public CommandOutput hosts(CommandSession session, String... words) {
        return gogo(session, "hosts", words);
    }

    @Descriptor("summarize the inventory: inventory [-i INVENTORY]")
    public CommandOutput inventory(CommandSession session, String... words) {
        return gogo(session, "inventory", words);
    }

    @Descriptor("list connection plugins, or one plugin's options: plugins [NAME]")
    public CommandOutput plugins(CommandSession session, String... words) {
        return gogo(session, "plugins", words);
    }

    @Descriptor("list the pooled connections")
    public CommandOutput connections(CommandSession session, String... words) {
        return gogo(session, "connections", words);
    }

    @Descriptor("close pooled connections: disconnect [--all] [--plugin NAME] [PATTERN]")
    public CommandOutput disconnect(CommandSession session, String... words) {
        return gogo(session, "disconnect", words);
    }

    @Descriptor("close a plugin's pooled connections once their calls end (new calls open new ones): drain PLUGIN")
    public CommandOutput drain(CommandSession session, String... words) {
        return gogo(session, "drain", words);
    }

    @Descriptor("list task plugins, or one task's parameters: tasks [NAME]")
    public CommandOutput tasks(CommandSession session, String... words) {
        return gogo(session, "tasks", words);
    }

    @Descriptor("run a task plugin on the hosts a pattern selects: task [OPTIONS] NAME PATTERN [KEY=VALUE...]")
    public CommandOutput task(CommandSession session, String... words) {
        return gogo(session, "task", words);
    }

    @Descriptor("list the recent runs, or show one run's hosts: runs [--json] [-n N] [ID]")
    public CommandOutput runs(CommandSession session, String... words) {
        return gogo(session, "runs", words);
    }

    @Descriptor("the cluster's members, the hosts each owns and the runs in flight: cluster [--json]")
    public CommandOutput cluster(CommandSession session, String... words) {
        return gogo(session, "cluster", words);
    }

    /**
     * Gogo's way to names that are no Java method's ({@code run-status}): it calls this with the command's name
     * first. Every name goes where its own method would take it, so either way a line means the same.
     *
     * @param session the shell's session
     * @param words the command's name, then its words
     * @return what the named command returns
     */
    @Descriptor("collect a cluster run from any node: run-status [--json] RUNKEY")
    public Object _main(CommandSession session, String... words) {
        String name = words.length == 0 ? "help" : words[0].startsWith("conduit:") ? words[0].substring(8) : words[0];
        String[] rest = Arrays.copyOfRange(words, Math.min(1, words.length), words.length);
        return switch (name) {
            case "help" -> help(session, rest);
            case "completions" -> completions(session);
            case "patterns" -> patterns();
            case "tasknames" -> tasknames();
            default -> gogo(session, name, rest);
        };
    }

    @Descriptor("print a script that completes Conduit's commands in bash or zsh: completion bash|zsh")
    public CommandOutput completion(CommandSession session, String... words) {
        return gogo(session, "completion", words);
    }

    @Descriptor("Conduit's commands with their options and defaults: help [COMMAND]")
    public CommandOutput help(CommandSession session, String... words) {
        CommandOutput refusal = refused(session, System.err);
        return refusal != null ? refusal : help(words, context(session, System.out, System.err));
    }

    /**
     * The interactive shell's Tab completions of Conduit's commands, from the same picocli models that parse
     * them: etc/gosh_profile hands each entry to Gogo's {@code complete}. Options with their descriptions; host
     * names, group names and {@code all} for words (from {@link #patterns}); local files for put and fetch. Also
     * mends completion inside quoted words ({@link QuotedWordMatcher}).
     *
     * @param session the console's session, whose line reader gets the mended matcher
     * @return the arguments of one {@code complete} call per entry
     */
    @Descriptor("the Tab completions of Conduit's commands, as arguments to Gogo's complete (etc/gosh_profile)")
    public List<List<String>> completions(CommandSession session) {
        try {
            QuotedWordMatcher.install(session.get(".reader"));
        } catch (LinkageError e) {
            LOG.debug("the console's line reader is not JLine's: completion in quoted words left as it is");
        }
        ShellContext ctx = context(null, System.out, System.err);
        List<List<String>> all = new ArrayList<>();
        commands.forEach((name, factory) -> {
            CommandLine cl = commandLine(factory.apply(ctx), ctx);
            for (String c : List.of(name, "conduit:" + name)) {
                all.add(List.of("-c", c, "-e"));
                String[] description = cl.getCommandSpec().usageMessage().description();
                all.add(List.of("-c", c, "-d", description.length == 0 ? name : description[0]));
                for (OptionSpec o : cl.getCommandSpec().options()) {
                    List<String> entry = new ArrayList<>(List.of("-c", c));
                    for (String n : o.names()) {
                        entry.addAll(n.startsWith("--") ? List.of("-l", n.substring(2)) : List.of("-s", n.substring(1)));
                    }
                    String[] d = o.description();
                    entry.addAll(List.of("-d", d.length == 0 ? "" : d[0].replaceAll(" \\(default: .*\\)$", "")));
                    all.add(entry);
                }
                if (name.equals("tasks") || name.equals("task")) {
                    all.add(List.of("-c", c, "-a", "conduit:tasknames"));
                }
                if (!cl.getCommandSpec().positionalParameters().isEmpty() && !name.equals("tasks")
                        && !name.equals("runs") && !name.equals("run-status")) { // a run's ID is no pattern
                    all.add(List.of("-c", c, "-a", "conduit:patterns"));
                    if (name.equals("put") || name.equals("fetch")) {
                        all.add(List.of("-c", c, "-a", "gogo:__files"));
                    }
                }
            }
        });
        return all;
    }

    /**
     * Words a pattern may start with, for Tab completion: {@code all}, the default inventory's group and host
     * names. Empty when the inventory cannot be loaded (completion must not fail).
     *
     * @return the names
     */
    @Descriptor("all, group and host names of the default inventory (for Tab completion)")
    public List<String> patterns() {
        List<String> names = new ArrayList<>();
        names.add("all");
        try {
            io.conduit.api.inventory.Inventory inv = inventories.load(null);
            names.addAll(inv.groups().keySet());
            names.addAll(inv.hosts().keySet());
        } catch (InventoryException | RuntimeException e) {
            LOG.debug("no pattern completions: {}", e.getMessage());
        }
        return names;
    }

    /**
     * The names of the installed task plugins, for Tab completion of {@code tasks} and {@code task}.
     *
     * @return the names, sorted
     */
    @Descriptor("the names of the installed task plugins (for Tab completion)")
    public List<String> tasknames() {
        return new ArrayList<>(tasks.names());
    }

    private CommandOutput gogo(CommandSession session, String name, String[] words) {
        CommandOutput refusal = refused(session, System.err);
        if (refusal != null) {
            return StatementStatus.note(session, refusal);
        }
        // Gogo hands a bare null as a null word
        String[] args = Arrays.stream(words).map(w -> w == null ? "null" : w).toArray(String[]::new);
        // relative paths are read from the session's directory: the client's, when a resident Conduit runs the line
        Path cwd = session == null ? null : session.currentDir();
        return StatementStatus.note(session, LocalPaths.inWorkingDirectory(cwd,
                () -> execute(name, args, context(session, System.out, System.err))));
    }

    /** @return the value of a command the line guard refused (its message said once, on stderr), or null */
    private static CommandOutput refused(CommandSession session, PrintStream err) {
        LineGuard.Refusal refusal = LineGuard.refusal(session);
        if (refusal == null) {
            return null;
        }
        refusal.say().ifPresent(r -> err.println("conduit: " + r));
        return Text.failed(Args.EXIT_USAGE);
    }

    private ShellContext context(CommandSession session, PrintStream out, PrintStream err) {
        return new ShellContext(runner, inventories, registry, connections, session, out, err, tasks, history,
                cluster);
    }

    /**
     * {@code bin/conduit COMMAND ARGS...}: runs one command with the words exactly as the calling shell split
     * them. The launcher calls this (reflectively: it lives outside the framework).
     *
     * @param args the command's name, then its words
     * @param in standard input (unused today: {@code --stdin FILE} names a file)
     * @param out standard output
     * @param err standard error
     * @return the exit status: 0 ok, 2 a host failed or was unreachable, 64 bad input (nothing ran), 70 an internal
     *         error, 130 interrupted
     */
    public int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return execute(args, in, out, err, null);
    }

    /**
     * {@link #execute(String[], InputStream, PrintStream, PrintStream)} for a caller in another directory than
     * Conduit's: a client of a resident Conduit ({@code bin/conduit start}).
     *
     * @param args the command's name, then its words
     * @param in standard input
     * @param out standard output
     * @param err standard error
     * @param workingDirectory the absolute directory relative paths of the words are read from; {@code null} for
     *        the JVM's
     * @return the exit status, as the other form
     */
    public int execute(String[] args, InputStream in, PrintStream out, PrintStream err, Path workingDirectory) {
        return LocalPaths.inWorkingDirectory(workingDirectory, () -> executeHere(args, out, err));
    }

    private int executeHere(String[] args, PrintStream out, PrintStream err) {
        ShellContext ctx = context(null, out, err);
        String name = args.length == 0 ? "help" : args[0];
        String[] words = Arrays.copyOfRange(args, Math.min(1, args.length), args.length);
        CommandOutput value = name.equals("help") || name.equals("--help") || name.equals("-h")
                ? help(words, ctx) : execute(name, words, ctx);
        // printed as the console prints a command's value
        if (!value.text().isEmpty()) {
            out.println(value.text());
        }
        out.flush();
        err.flush();
        return value.exitStatus();
    }

    private CommandOutput execute(String name, String[] words, ShellContext ctx) {
        Function<ShellContext, Object> factory = commands.get(name);
        if (factory == null) {
            ctx.err().println("conduit: no command \"" + name + "\"" + suggest(name)
                    + "; the commands are " + String.join(", ", commands.keySet()));
            return Text.failed(Args.EXIT_USAGE);
        }
        java.io.StringWriter help = new java.io.StringWriter();
        CommandLine cl = commandLine(factory.apply(ctx), ctx);
        cl.setOut(new PrintWriter(help, true)); // what picocli prints itself (--help) is the command's value
        try {
            int status = cl.execute(words);
            return cl.getExecutionResult() instanceof CommandOutput value ? value : new Text(help.toString(), status);
        } finally {
            ctx.out().flush();
            ctx.err().flush();
        }
    }

    /**
     * Every command under one {@code conduit} command, for the completion scripts: the same models that parse
     * the commands, so that the scripts offer what the commands take.
     */
    private CommandLine model(ShellContext ctx) {
        CommandLine top = new CommandLine(CommandSpec.create().name("conduit"));
        commands.forEach((name, factory) -> top.addSubcommand(name, commandLine(factory.apply(ctx), ctx)));
        top.addSubcommand("help", new CommandLine(CommandSpec.create().name("help")
                .addPositional(PositionalParamSpec.builder().index("0").arity("0..1").paramLabel("COMMAND")
                        .completionCandidates(commands.keySet()).build())));
        return top;
    }

    private CommandLine commandLine(Object command, ShellContext ctx) {
        CommandLine cl = new CommandLine(command);
        String name = cl.getCommandName();
        cl.getCommandSpec().addOption(OptionSpec.builder("-h", "--help").usageHelp(true)
                .description("show this help").build());
        cl.setStopAtPositional(name.equals("run")); // every word after run's pattern is the remote command's
        cl.setEndOfOptionsDelimiter("--");
        cl.setExpandAtFiles(false); // @FILE is an ordinary word (a remote path, a pattern)
        cl.setTrimQuotes(false);
        cl.setAbbreviatedOptionsAllowed(false);
        cl.setUsageHelpWidth(HELP_WIDTH);
        cl.setColorScheme(CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
        cl.setOut(new PrintWriter(ctx.out(), true));
        cl.setErr(new PrintWriter(ctx.err(), true));
        cl.setDefaultValueProvider(this::defaultValue);
        cl.setParameterExceptionHandler((ParameterException e, String[] args) -> {
            StringBuilder m = new StringBuilder("conduit: ").append(name).append(": ")
                    .append(lowerFirst(e.getMessage()).replace("option option", "option"));
            if (e instanceof UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                m.append(" (did you mean ").append(String.join(" or ", u.getSuggestions())).append("?)");
            }
            m.append("; see 'help ").append(name).append("'; nothing ran");
            ctx.err().println(m);
            return Args.EXIT_USAGE;
        });
        cl.setExecutionExceptionHandler((Exception e, CommandLine c, CommandLine.ParseResult parsed) -> {
            if (e instanceof InvalidConfigurationException) {
                ctx.err().println("conduit: " + e.getMessage()); // it names the PID, the key and the fix
                return Args.EXIT_USAGE;
            }
            if (e instanceof IllegalArgumentException || e instanceof InventoryException) {
                ctx.err().println("conduit: " + prefixed(name, e.getMessage()));
                return Args.EXIT_USAGE;
            }
            LOG.error("{} failed", name, e);
            ctx.err().println("conduit: " + name + " failed: " + (e.getMessage() != null ? e.getMessage()
                    : "an internal error") + " (the log, data/log/conduit.log, has the details)");
            return Args.EXIT_SOFTWARE;
        });
        return cl;
    }

    /** The runner's configured defaults, shown in help and used when an option is not given. */
    private String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option)) {
            return null;
        }
        RunOptions defaults;
        try {
            defaults = runner.defaults();
        } catch (InvalidConfigurationException e) {
            return null; // the command itself says that the runner's configuration is invalid
        }
        return switch (option.longestName()) {
            case "--forks" -> String.valueOf(defaults.forks());
            case "--timeout" -> defaults.hostTimeout().toSeconds() + "s";
            case "--inventory" -> defaults.inventory();
            case "--output-limit" -> String.valueOf(defaults.outputLimit());
            default -> null;
        };
    }

    private CommandOutput help(String[] words, ShellContext ctx) {
        if (words.length > 0) {
            String name = words[0].startsWith("conduit:") ? words[0].substring("conduit:".length()) : words[0];
            Function<ShellContext, Object> factory = commands.get(name);
            if (factory == null) {
                ctx.err().println("conduit: help: no command \"" + words[0] + "\"" + suggest(name)
                        + "; the commands are " + String.join(", ", commands.keySet())
                        + " (Gogo's own commands: felix:help)");
                return Text.failed(Args.EXIT_USAGE);
            }
            return Text.ok(commandLine(factory.apply(ctx), ctx).getUsageMessage());
        }
        Table table = new Table("COMMAND", "WHAT IT DOES")
                .above("Conduit's commands ('help COMMAND' for its options and defaults):");
        commands.forEach((name, factory) -> {
            String[] description = new CommandLine(factory.apply(ctx)).getCommandSpec().usageMessage()
                    .description();
            String first = description.length == 0 ? "" : description[0];
            int dot = first.indexOf(". ");
            table.row(name, dot > 0 ? first.substring(0, dot + 1) : first);
        });
        return table.below("")
                .below("In the shell, quote a command for the hosts in single quotes: run all 'echo $HOME'.")
                .below("The framework's and Gogo's own commands (lb, install, start, stop...): felix:help.");
    }

    private String suggest(String name) {
        String closest = Names.closest(name, commands.keySet());
        return closest == null ? "" : " (did you mean \"" + closest + "\"?)";
    }

    private static String lowerFirst(String s) {
        if (s == null || s.isEmpty()) {
            return "bad usage";
        }
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    private static String prefixed(String name, String message) {
        if (message == null) {
            return name + ": bad input";
        }
        return message.startsWith(name + ":") ? message : name + ": " + message;
    }
}
