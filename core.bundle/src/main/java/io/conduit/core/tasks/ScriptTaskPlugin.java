package io.conduit.core.tasks;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.osgi.service.component.annotations.Component;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.support.PluginOption;
import io.conduit.api.support.ShellCommand;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.PutTask;

/**
 * {@code script}: copies a local script to each host, runs it with its arguments, and removes it, as Ansible's
 * {@code script} module does. The script goes into a private directory made for the run ({@code mktemp -d}, mode
 * 0700, under {@code $TMPDIR} or {@code /tmp}), written with mode 0700, and that directory is removed whatever
 * happens to the script: success, failure, its timeout, the host's deadline or an interrupt (the removal gets its
 * own few seconds then). Like {@code command}, the host is {@code OK} or {@code FAILED} by the exit code and the
 * task does not run in check mode.
 */
@Component(service = TaskPlugin.class)
@TaskName("script")
public final class ScriptTaskPlugin implements TaskPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(ScriptTaskPlugin.class);
    static final String TASK = "script";
    static final PluginOption<String> SRC = PluginOption.path("src", null, "The local script: ~/ is your home, a"
            + " relative path is read from the directory Conduit's command runs in.").asRequired();
    static final PluginOption<List<String>> ARGS = PluginOption.list("args", "The script's arguments, each passed"
            + " as one word (a YAML list, or comma separated); default: none.");
    static final PluginOption<String> INTERPRETER = PluginOption.string("interpreter", null, "The program that runs"
            + " the script on the host, with its options, split at spaces (/bin/bash, python3, /bin/sh -e);"
            + " default: the script runs itself, so it needs a #! line.");
    static final PluginOption<String> CHDIR = PluginOption.string("chdir", null, "The directory on the host to run"
            + " the script in; default: the login directory of the connection's user.");
    static final PluginOption<Duration> TIMEOUT = PluginOption.duration("timeout", null, "How long the script may"
            + " run before it is stopped on the host and the host fails; default: until the host's deadline.");

    @Override
    public String description() {
        return "Copies a local script to each host, runs it with arguments and removes it.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(SRC, ARGS, INTERPRETER, CHDIR, TIMEOUT);
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        Path src = TaskParameters.localFile(SRC.name(), TaskParameters.required(SRC.name(),
                SRC.in(parameters)));
        List<String> args = ARGS.in(parameters);
        String interpreter = INTERPRETER.in(parameters);
        List<String> program = interpreter == null || interpreter.isBlank() ? List.of()
                : List.of(interpreter.strip().split("\\s+"));
        String chdir = CHDIR.in(parameters);
        Duration timeout = TIMEOUT.in(parameters);
        if (timeout != null && (timeout.isNegative() || timeout.isZero())) {
            throw new IllegalArgumentException("timeout must be positive, not " + PluginOption.text(timeout));
        }
        return new ScriptTask(src, program, args == null ? List.of() : args,
                chdir == null || chdir.isBlank() ? null : chdir, timeout);
    }

    /**
     * The script on one host.
     *
     * @param src the local script
     * @param interpreter the program and options that run it, or empty to run the file itself
     * @param args its arguments
     * @param chdir the directory to run in, or {@code null}
     * @param timeout the script's own timeout, or {@code null} for the host's deadline
     */
    record ScriptTask(Path src, List<String> interpreter, List<String> args, String chdir, Duration timeout)
            implements Task {

        @Override
        public HostResult execute(TaskContext context) throws IOException {
            HostResult skipped = HostCommands.skippedInCheckMode(context, TASK);
            if (skipped != null) {
                return skipped;
            }
            String host = context.host().name();
            // mktemp -d makes the directory 0700; umask keeps it so on systems whose mktemp does not
            ExecResult made = context.connection().exec(HostCommands.command(context,
                    "umask 077 && mktemp -d \"${TMPDIR:-/tmp}/conduit-script.XXXXXXXXXX\""));
            String dir = made.stdoutText().strip();
            if (made.exitCode() != 0 || !dir.startsWith("/") || dir.contains("\n")) {
                throw new ConnectionException(host + ": script: could not make a private directory for the script"
                        + " (mktemp -d): " + HostCommands.said(made));
            }
            HostResult result;
            String leftover = null;
            try {
                String remote = dir + "/" + src.getFileName();
                new PutTask(src, remote, 0700, null, null, false, false, context.become()).execute(context);
                List<String> argv = new ArrayList<>(interpreter);
                argv.add(remote);
                argv.addAll(args);
                Command command = Command.argv(argv).withCwd(chdir).withTimeout(timeout);
                result = new CommandTask(command.withBecome(context.become())).execute(context);
            } finally {
                // runs on every way out: failure, timeout, the host's deadline, an interrupt
                String failed = HostCommands.cleanUp(context, "rm -rf -- " + ShellCommand.quotePath(dir));
                if (failed != null) {
                    leftover = "its directory " + dir + " could not be removed from the host: " + failed;
                    LOG.warn("{}: script {}: {}", host, src.getFileName(), leftover);
                }
            }
            if (leftover == null) {
                return result;
            }
            if (result.status().succeeded()) {
                // the script worked, but what it leaves behind must be said; its output is kept
                return new HostResult(host, Status.FAILED, result.exec(), result.exited(), TASK + ": ran, but "
                        + leftover, result.duration());
            }
            return result.with(result.exec(), result.error() + "; " + leftover);
        }

        @Override
        public String describe() {
            return TASK + ": " + src + (args.isEmpty() ? "" : " " + String.join(" ", args));
        }
    }
}
