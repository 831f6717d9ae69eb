package io.conduit.core.tasks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.PluginOption;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.task.CommandTask;

/**
 * {@code command}: runs a shell line or a program with its arguments on each host, as {@code conduit:run} does
 * (the same {@link CommandTask}: the host's deadline bounds it, the run's output limit applies, the exit code
 * decides). A host is {@code OK} when it exits 0, {@code FAILED} otherwise; the task cannot know what a command
 * changed, so it never says {@code CHANGED} and does not run in check mode (the host is skipped, as Ansible skips
 * {@code command} in check mode).
 */
@Component(service = TaskPlugin.class)
@TaskName("command")
public final class CommandTaskPlugin implements TaskPlugin {
    static final String TASK = "command";
    static final PluginOption<String> CMD = PluginOption.string("cmd", null, "The shell command line, run by the"
            + " host's sh (pipes, redirections and variables work). Give cmd or argv, not both.");
    static final PluginOption<List<String>> ARGV = PluginOption.list("argv", "The program and its arguments, each"
            + " passed as one word without a shell (a YAML list, or comma separated). Give cmd or argv, not both.");
    static final PluginOption<String> CHDIR = PluginOption.string("chdir", null, "The directory on the host to run"
            + " in; default: the login directory of the connection's user.");
    static final PluginOption<String> STDIN = PluginOption.string("stdin", null, "Text sent to the command's"
            + " standard input, then end of file; default: none.");
    static final PluginOption<Duration> TIMEOUT = PluginOption.duration("timeout", null, "How long the command may"
            + " run (500ms, 30s, 5m) before it is stopped on the host and the host fails; default: until the"
            + " host's deadline (the run's host timeout).");

    @Override
    public String description() {
        return "Runs a shell command line or a program with arguments on each host; fails on a non-zero exit code.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(CMD, ARGV, CHDIR, STDIN, TIMEOUT);
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        String cmd = CMD.in(parameters);
        List<String> argv = ARGV.in(parameters);
        boolean hasCmd = cmd != null && !cmd.isBlank();
        boolean hasArgv = argv != null && !argv.isEmpty();
        if (hasCmd == hasArgv) {
            throw new IllegalArgumentException("give either cmd (a shell line) or argv (a program and its"
                    + " arguments), " + (hasCmd ? "not both" : "one of them is required"));
        }
        Command command = hasCmd ? Command.shell(cmd) : Command.argv(argv);
        String chdir = CHDIR.in(parameters);
        if (chdir != null && !chdir.isBlank()) {
            command = command.withCwd(chdir);
        }
        String stdin = STDIN.in(parameters);
        if (stdin != null) {
            command = command.withStdin(stdin.getBytes(StandardCharsets.UTF_8));
        }
        Duration timeout = TIMEOUT.in(parameters);
        if (timeout != null) {
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("timeout must be positive, not "
                        + PluginOption.text(timeout));
            }
            command = command.withTimeout(timeout);
        }
        return new WithBecome(command);
    }

    /** The command, run with the caller's become (known per host, from the context). */
    record WithBecome(Command command) implements Task {
        @Override
        public HostResult execute(TaskContext context) throws IOException {
            HostResult skipped = HostCommands.skippedInCheckMode(context, TASK);
            if (skipped != null) {
                return skipped;
            }
            return new CommandTask(command.withBecome(context.become())).execute(context);
        }

        @Override
        public String describe() {
            return new CommandTask(command).describe();
        }
    }
}
