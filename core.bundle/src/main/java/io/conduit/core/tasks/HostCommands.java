package io.conduit.core.tasks;

import java.io.IOException;
import java.time.Duration;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.FileAccess;
import io.conduit.api.connection.TimedOutException;
import io.conduit.api.task.TaskContext;

/**
 * The small helper commands the core's tasks run on a host (mktemp, rm, a probe): with the caller's become, within
 * the host's deadline, with a small output limit. Stateless.
 */
final class HostCommands {
    /** Output kept of a helper command: its answer is a line or two. */
    static final long SMALL_OUTPUT = 1 << 16;

    /** How long a clean-up may take after a failure, an interrupt or the deadline: below the runner's stop grace. */
    static final Duration CLEAN_UP = Duration.ofSeconds(5);

    private HostCommands() {
    }

    /**
     * @param context the host's context
     * @param script a POSIX sh script, every path in it quoted with {@code ShellCommand.quotePath}
     * @return the command, with the context's become and the time left as its timeout
     * @throws TimedOutException no time is left before the host's deadline
     */
    static Command command(TaskContext context, String script) throws TimedOutException {
        return Command.shell(script).withBecome(context.become()).withTimeout(left(context))
                .withOutputLimit(SMALL_OUTPUT);
    }

    /**
     * @param context the host's context
     * @return the time left before the host's deadline
     * @throws TimedOutException none is left
     */
    static Duration left(TaskContext context) throws TimedOutException {
        Duration left = context.remaining();
        if (left.isZero() || left.isNegative()) {
            throw new TimedOutException("no time left before the host's deadline", null);
        }
        return left;
    }

    /**
     * @param context the host's context
     * @return how the core's put, fetch and stat reach the host's files: as the become user, within the time left
     *         (at least a millisecond, so that a deadline just passed fails the call as timed out)
     */
    static FileAccess access(TaskContext context) {
        return access(context, context.become());
    }

    /**
     * @param context the host's context
     * @param become the user to act as, or {@code null}
     * @return as {@link #access(TaskContext)}, as that user
     */
    static FileAccess access(TaskContext context, io.conduit.api.connection.Become become) {
        Duration left = context.remaining();
        return new FileAccess(become, left.isZero() || left.isNegative() ? Duration.ofMillis(1) : left);
    }

    /**
     * The result of a task that changes things it cannot predict (a command, a script) when it is asked to run in
     * check mode anyway: the core's task catalog normally skips such a task before calling it; this guards a caller
     * that does not (a runbook engine, a test), so that check mode never runs a command.
     *
     * @param context the host's context
     * @param task the task name
     * @return a {@code SKIPPED} result saying why, or {@code null} when check mode is off
     */
    static io.conduit.api.task.HostResult skippedInCheckMode(TaskContext context, String task) {
        if (!context.options().checkMode()) {
            return null;
        }
        // the reason in the error field, as every skipped host says it (HostResult.error)
        return io.conduit.api.task.HostResult.of(context.host().name(), io.conduit.api.task.Status.SKIPPED,
                "check mode: task " + task + " cannot tell what it would change; it was not run");
    }

    /**
     * Runs a clean-up command even when the thread was interrupted or the deadline passed, bounded by
     * {@link #CLEAN_UP}; the interrupt is kept for the caller. A failure is returned, not thrown: the task's own
     * outcome is the one to report.
     *
     * @param context the host's context
     * @param script the clean-up script
     * @return {@code null} when it worked, else what went wrong in words
     */
    static String cleanUp(TaskContext context, String script) {
        boolean interrupted = Thread.interrupted();
        try {
            ExecResult r = context.connection().exec(Command.shell(script).withBecome(context.become())
                    .withTimeout(CLEAN_UP).withOutputLimit(SMALL_OUTPUT));
            return r.exitCode() == 0 ? null : said(r);
        } catch (IOException | RuntimeException e) {
            return e.getMessage();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * @param r a command's result
     * @return its standard error on one line, else its exit code in words
     */
    static String said(ExecResult r) {
        String err = r.stderrText().strip().replaceAll("\\p{Cntrl}+", " ");
        if (err.isEmpty()) {
            err = r.stdoutText().strip().replaceAll("\\p{Cntrl}+", " ");
        }
        return err.isEmpty() ? "exit code " + r.exitCode() : err;
    }
}
