package io.conduit.core.tasks;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.osgi.service.component.annotations.Component;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.support.Durations;
import io.conduit.api.support.PluginOption;
import io.conduit.api.support.ShellCommand;
import io.conduit.api.task.HostResult;
import io.conduit.api.task.Status;
import io.conduit.api.task.Task;
import io.conduit.api.task.TaskContext;
import io.conduit.api.task.TaskName;
import io.conduit.api.task.TaskPlugin;

/**
 * {@code wait_for}: waits, on each host, until a TCP port accepts connections (or stops accepting them), a path
 * exists (or is gone), or a command succeeds, as Ansible's {@code wait_for} does for ports and paths. The check
 * runs on the target host through its connection, every {@code interval}, until it holds or {@code timeout}
 * passes (never past the host's deadline); the host is then {@code OK} with how long it waited, or {@code FAILED}
 * with how long it waited and the check's last error.
 *
 * <p>A port is checked with {@code nc -z}, else with bash's {@code /dev/tcp}. An {@code nc} without {@code -z}
 * (BusyBox's, which answers {@code nc: invalid option -- 'z'} and its usage text with exit 1) is not a port state:
 * the check goes on to bash; a host with neither fails at once ("needs nc with -z or bash on the host").
 *
 * <p>Check mode: a port or path check only reads, so it runs as usual; a {@code command} can change anything, so
 * in check mode it is not run and the host is {@code SKIPPED} with the reason, as the {@code command} task is
 * (Ansible's {@code wait_for} has no command; its {@code command} module skips in check mode the same way).
 */
@Component(service = TaskPlugin.class)
@TaskName("wait_for")
public final class WaitForTaskPlugin implements TaskPlugin {
    static final String TASK = "wait_for";
    /** The exit code the port check gives when the host has neither nc nor bash. */
    static final int NO_PROBE = 127;
    /** What the host is told when it has no way to check a port. */
    static final String NO_PROBE_TEXT = "needs nc with -z or bash on the host to check a port";
    /** Keeps this much of the host's deadline, so that the host reports wait_for's reason, not a bare timeout. */
    static final Duration MARGIN = Duration.ofMillis(500);
    // no default shown: a port is given or not (0 counts as not given)
    static final PluginOption<Long> PORT = PluginOption.integer("port", 0, "A TCP port (1-65535) to wait for, on"
            + " host. Give one of port, path or command.");
    static final PluginOption<String> HOST = PluginOption.string("host", "127.0.0.1", "The address of the port,"
            + " as the target host sees it (127.0.0.1 is the target host itself).").withShownDefault("127.0.0.1");
    static final PluginOption<String> PATH = PluginOption.string("path", null, "A path on the host to wait for.");
    static final PluginOption<String> COMMAND = PluginOption.string("command", null, "A shell command line run on"
            + " the host until it exits 0.");
    static final PluginOption<String> STATE = PluginOption.choice("state", null, "For port: started (accepts"
            + " connections, the default) or stopped; for path: present (the default) or absent.", "started",
            "stopped", "present", "absent");
    static final PluginOption<Duration> TIMEOUT = PluginOption.duration("timeout", "60s", "How long to wait in all"
            + " (500ms, 30s, 5m); never past the host's deadline.");
    static final PluginOption<Duration> INTERVAL = PluginOption.duration("interval", "1s", "How long to wait"
            + " between two checks (at least 10ms).");

    @Override
    public String description() {
        return "Waits on each host for a port, a path or a command to succeed, within a deadline.";
    }

    @Override
    public List<OptionDescriptor> parameters() {
        return TaskParameters.describe(PORT, HOST, PATH, COMMAND, STATE, TIMEOUT, INTERVAL);
    }

    @Override
    public boolean supportsCheckMode() {
        return true;
    }

    @Override
    public Task create(Map<String, Object> parameters) {
        Long port = PORT.in(parameters);
        boolean hasPort = port != null && port != 0;
        String path = PATH.in(parameters);
        boolean hasPath = path != null && !path.isBlank();
        String command = COMMAND.in(parameters);
        boolean hasCommand = command != null && !command.isBlank();
        int given = (hasPort ? 1 : 0) + (hasPath ? 1 : 0) + (hasCommand ? 1 : 0);
        if (given != 1) {
            throw new IllegalArgumentException("give exactly one of port, path or command"
                    + (given == 0 ? "" : ", not " + given + " of them"));
        }
        String state = STATE.in(parameters);
        state = state == null || state.isBlank() ? null : state.strip().toLowerCase(Locale.ROOT);
        Duration timeout = TIMEOUT.in(parameters);
        timeout = timeout == null ? Duration.ofSeconds(60) : timeout;
        Duration interval = INTERVAL.in(parameters);
        interval = interval == null ? Duration.ofSeconds(1) : interval;
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, not " + PluginOption.text(timeout));
        }
        if (interval.compareTo(Duration.ofMillis(10)) < 0) {
            throw new IllegalArgumentException("interval must be at least 10ms, not "
                    + PluginOption.text(interval));
        }
        String what;
        String script;
        boolean wantSuccess = true;
        if (hasPort) {
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " is not a port; use 1-65535");
            }
            String host = HOST.in(parameters);
            host = host == null || host.isBlank() ? "127.0.0.1" : host.strip();
            if (state != null && !state.equals("started") && !state.equals("stopped")) {
                throw new IllegalArgumentException("state: \"" + state + "\" does not go with port; use"
                        + " started or stopped");
            }
            wantSuccess = !"stopped".equals(state);
            what = "port " + host + ":" + port + (wantSuccess ? " to accept connections" : " to refuse connections");
            script = portScript(host, port);
        } else if (hasPath) {
            if (state != null && !state.equals("present") && !state.equals("absent")) {
                throw new IllegalArgumentException("state: \"" + state + "\" does not go with path; use"
                        + " present or absent");
            }
            wantSuccess = !"absent".equals(state);
            String p = ShellCommand.quotePath(path);
            what = path + (wantSuccess ? " to exist" : " to be gone");
            script = wantSuccess ? "if [ -e " + p + " ]; then exit 0; fi; echo 'no such file' >&2; exit 1"
                    : "if [ -e " + p + " ] || [ -L " + p + " ]; then echo 'it exists' >&2; exit 1; fi; exit 0";
            wantSuccess = true;
        } else {
            if (state != null) {
                throw new IllegalArgumentException("state does not go with command; the command is"
                        + " waited for until it exits 0");
            }
            what = "command " + command + " to succeed";
            script = command;
        }
        return new WaitFor(what, script, wantSuccess, hasPort, hasCommand, timeout, interval);
    }

    /**
     * The port check: {@code nc -z} where there is one that knows {@code -z}, else bash's {@code /dev/tcp}; exit
     * {@value #NO_PROBE} when neither works. An nc that refuses {@code -z} says so on its error output ("invalid
     * option", "illegal option", "unrecognized option", or a usage text), never "refused": such an answer moves on to
     * bash instead of being read as a closed port.
     *
     * @param host the address, as the target host sees it
     * @param port the port, 1-65535
     * @return a POSIX sh script: exit 0 when the port accepts a connection
     */
    static String portScript(String host, long port) {
        String h = ShellCommand.quote(host);
        return "if command -v nc >/dev/null 2>&1; then"
                + " said=$(nc -z -w 2 " + h + " " + port + " 2>&1); rc=$?;"
                + " if [ $rc -eq 0 ]; then exit 0; fi;"
                + " case $said in *'invalid option'*|*'illegal option'*|*'nrecognized option'*|*[Uu]sage:*) ;;"
                + " *) printf '%s\\n' \"$said\" >&2; exit $rc ;; esac; fi; "
                + "if command -v bash >/dev/null 2>&1; then exec bash -c 'exec 3<>\"/dev/tcp/$0/$1\"' " + h + " "
                + port + "; fi; echo '" + NO_PROBE_TEXT + "' >&2; exit " + NO_PROBE;
    }

    /**
     * The wait on one host.
     *
     * @param what what is waited for, in words
     * @param script the check, a POSIX sh script
     * @param wantSuccess whether the check must succeed ({@code false}: fail, for a port that should be stopped)
     * @param port whether it is the port check (whose exit {@value #NO_PROBE} means it cannot run)
     * @param command whether the check is the operator's command (not run in check mode)
     * @param timeout how long to wait
     * @param interval the pause between checks
     */
    record WaitFor(String what, String script, boolean wantSuccess, boolean port, boolean command, Duration timeout,
            Duration interval) implements Task {

        @Override
        public HostResult execute(TaskContext context) throws IOException {
            String host = context.host().name();
            if (command) {
                HostResult skipped = HostCommands.skippedInCheckMode(context, TASK);
                if (skipped != null) {
                    return skipped;
                }
            }
            long start = System.nanoTime();
            Duration hostLeft = HostCommands.left(context).minus(MARGIN);
            boolean hostBound = hostLeft.compareTo(timeout) < 0;
            long deadline = start + (hostBound ? Math.max(0, hostLeft.toNanos()) : timeout.toNanos());
            String last = "not checked yet";
            int checks = 0;
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                checks++;
                Command check = Command.shell(script).withBecome(context.become()).withOutputLimit(
                        HostCommands.SMALL_OUTPUT).withTimeout(Duration.ofNanos(left));
                try {
                    ExecResult r = context.connection().exec(check);
                    if (port && r.exitCode() == NO_PROBE) {
                        throw new io.conduit.api.connection.ConnectionException(host + ": " + TASK + ": "
                                + NO_PROBE_TEXT);
                    }
                    if ((r.exitCode() == 0) == wantSuccess) {
                        // one check: nothing was waited for, and the time is only what the check took
                        return HostResult.text(host, Status.OK, checks == 1 ? what + ": held at the first check ("
                                + waited(start) + ")\n" : "waited " + waited(start) + " for " + what + " (" + checks
                                + " checks)\n");
                    }
                    last = wantSuccess ? HostCommands.said(r) : "it accepts connections";
                } catch (TimedOutException e) {
                    // a check cut at the deadline says nothing new: the one before it is the one to report
                    if (checks == 1) {
                        last = "the check did not end before the deadline";
                    }
                    break;
                }
                long pause = Math.min(interval.toNanos(), deadline - System.nanoTime());
                if (pause <= 0) {
                    break;
                }
                try {
                    // nothing on the host tells us when it changes: checking every interval is the contract
                    Thread.sleep(pause / 1_000_000, (int) (pause % 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for " + what);
                }
            }
            return HostResult.of(host, Status.FAILED, TASK + ": gave up after " + waited(start) + " waiting for "
                    + what + (hostBound ? " (the host's deadline; raise it with -t)" : " (timeout "
                            + PluginOption.text(timeout) + ")") + "; " + checks + (checks == 1 ? " check" : " checks")
                    + ", the last said: " + last);
        }

        private static String waited(long start) {
            return Durations.exact(Duration.ofMillis((System.nanoTime() - start) / 1_000_000), " ");
        }

        @Override
        public String describe() {
            return TASK + ": " + what;
        }
    }
}
