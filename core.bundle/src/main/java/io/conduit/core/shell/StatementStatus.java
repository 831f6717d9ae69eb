package io.conduit.core.shell;

import org.apache.felix.service.command.CommandSession;

/**
 * The worst exit status of the Conduit commands one Gogo statement ran, for {@code bin/conduit -c}. A command's
 * value carries its status ({@link CommandOutput#exitStatus()}), but inside a pipeline or a closure the value goes
 * to the next command, not to the line ({@code run all false | grep x}); the status is kept here so the line
 * still fails, as a POSIX shell's {@code pipefail} keeps a failing stage's status. The launcher sets
 * {@value #KEY} to -1 before each statement and reads it after; this class is the only writer.
 */
final class StatementStatus {
    /** The session variable: an {@code Integer}, the worst status so far, or negative for none. */
    static final String KEY = ".conduit.statement.status";

    private StatementStatus() {
    }

    /**
     * Notes a command's status in its session.
     *
     * @param session the Gogo session the command ran in, or {@code null} outside Gogo (nothing is noted)
     * @param value the command's value
     * @return the value
     */
    static CommandOutput note(CommandSession session, CommandOutput value) {
        if (session != null) {
            // the stages of a pipeline run in threads of their own
            synchronized (session) {
                Object before = session.get(KEY);
                int worst = before instanceof Integer i ? Math.max(i, value.exitStatus()) : value.exitStatus();
                session.put(KEY, worst);
            }
        }
        return value;
    }
}
