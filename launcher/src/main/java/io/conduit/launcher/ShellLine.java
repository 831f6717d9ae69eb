package io.conduit.launcher;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Runs one Gogo line through the framework's {@code CommandProcessor}, as the interactive shell would, one
 * statement at a time: each statement's value is printed as the shell prints it (Conduit's values through their
 * Gogo converter), and the line's exit status is the worst that its Conduit commands' values carry
 * ({@code exitStatus()}), so that {@code -c 'run a; run b'} fails when either did; inside a pipeline, where a
 * command's value goes into the pipe, the status core noted for the statement counts too. The launcher lives on
 * the class path, outside the framework, so it cannot share Gogo's API classes or core's with the bundles: it calls
 * the service through the interfaces of the bundle that registered it, and reads a value's status, reflectively.
 */
final class ShellLine {
    static final String PROCESSOR = "org.apache.felix.service.command.CommandProcessor";
    static final String SESSION = "org.apache.felix.service.command.CommandSession";
    /** Converter.INSPECT: the full form the shell prints a result in. */
    static final int INSPECT = 0;
    /** Session variable where core's LineGuard keeps why it refused the last line. */
    static final String LAST_REFUSAL = ".conduit.refusal.last";
    /** Session variable where core's LineGuard finds the whole line while it runs statement by statement. */
    static final String WHOLE_LINE = ".conduit.line";
    /**
     * Session variable where core notes the worst status of the Conduit commands a statement ran, for those whose
     * value does not reach the line (a pipeline's first stages, a closure): core's StatementStatus.
     */
    static final String STATEMENT_STATUS = ".conduit.statement.status";
    /** Gogo's parser, to split a line into its statements as Gogo itself would run them. */
    static final String PARSER = "org.apache.felix.gogo.runtime.Parser";

    /** What a line left behind. */
    record Outcome(Integer exit) {
    }

    private ShellLine() {
    }

    /**
     * Runs a line.
     *
     * @param context the system bundle's context
     * @param line the shell line; several commands may be separated by {@code ;}
     * @param in the command's standard input
     * @param out its standard output, where a non-null result is printed too
     * @param err its standard error
     * @param bound how long to wait for the shell service
     * @return the worst exit status of the statements' values, or null when no statement returned one
     * @throws Exception whatever the line threw (unwrapped from reflection)
     */
    static Outcome run(BundleContext context, String line, InputStream in, PrintStream out, PrintStream err,
            Duration bound) throws Exception {
        return run(context, line, in, out, err, bound, null);
    }

    /**
     * {@link #run(BundleContext, String, InputStream, PrintStream, PrintStream, Duration)} in a session whose
     * working directory is the caller's (a client of a resident Conduit): relative paths and globs of the line
     * are read from it.
     *
     * @param cwd the caller's working directory, absolute; {@code null} for the JVM's
     */
    static Outcome run(BundleContext context, String line, InputStream in, PrintStream out, PrintStream err,
            Duration bound, java.nio.file.Path cwd) throws Exception {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, PROCESSOR, null);
        tracker.open(true);
        try {
            Object processor = tracker.waitForService(TimeUnit.NANOSECONDS.toMillis(bound.toNanos()));
            ServiceReference<Object> ref = tracker.getServiceReference();
            if (processor == null || ref == null) {
                throw new IllegalStateException("the shell service (" + PROCESSOR + ") did not appear within "
                        + bound.toSeconds() + " s; is org.apache.felix.gogo.runtime in system/ and active?");
            }
            Class<?> processorType = ref.getBundle().loadClass(PROCESSOR);
            Class<?> sessionType = ref.getBundle().loadClass(SESSION);
            Method create = processorType.getMethod("createSession", InputStream.class, OutputStream.class,
                    OutputStream.class);
            Method execute = sessionType.getMethod("execute", CharSequence.class);
            Method format = sessionType.getMethod("format", Object.class, int.class);
            Method get = sessionType.getMethod("get", String.class);
            Method put = sessionType.getMethod("put", String.class, Object.class);
            Method close = sessionType.getMethod("close");
            Object session = call(create, processor, in, out, err);
            interrupter = () -> {
                // Gogo runs the line's commands in threads named "pipe-<command>" while the caller waits for them.
                // Interrupting those threads is Ctrl-C for the commands (run stops every host and reports);
                // Gogo's own Job.interrupt() would interrupt the waiting caller too, which then gives up on the
                // line before the commands could report.
                for (Thread t : Thread.getAllStackTraces().keySet()) {
                    if (t.getName().startsWith("pipe-")) {
                        t.interrupt();
                    }
                }
            };
            try {
                // conduit's commands first for unqualified names (run, hosts, ping...), then any scope
                call(put, session, "SCOPE", SCOPE_PATH);
                if (cwd != null) {
                    call(sessionType.getMethod("currentDir", java.nio.file.Path.class), session, cwd);
                }
                List<String> statements = statements(ref.getBundle(), line);
                if (statements.size() > 1) {
                    // the guard checks every statement as part of the whole line: a word it refuses anywhere
                    // stops each Conduit command of the line, so nothing of it reaches a host
                    call(put, session, WHOLE_LINE, line);
                }
                Integer worst = null;
                for (String statement : statements) {
                    Object result;
                    call(put, session, STATEMENT_STATUS, -1);
                    try {
                        result = call(execute, session, statement);
                    } catch (Exception e) {
                        // Gogo failed the line itself (an unquoted glob matching no local file): when Conduit's
                        // guard refused the line, its message says what to write instead
                        Object refusal = call(get, session, LAST_REFUSAL);
                        if (refusal instanceof String r) {
                            throw new IllegalArgumentException(r, e);
                        }
                        throw e;
                    }
                    if (result != null) {
                        Object text = call(format, session, result, INSPECT);
                        if (text != null && !text.toString().isEmpty()) {
                            out.println(text);
                        }
                    }
                    out.flush();
                    Integer status = worse(exitStatus(result), call(get, session, STATEMENT_STATUS));
                    if (status != null) {
                        worst = worst == null ? status : Math.max(worst, status);
                    }
                }
                return new Outcome(worst);
            } finally {
                interrupter = null;
                try {
                    call(close, session);
                } catch (Exception e) {
                    // closing a session releases its streams only
                }
            }
        } finally {
            tracker.close();
        }
    }

    private static volatile Runnable interrupter;

    /**
     * Sets what Ctrl-C does while a command runs outside Gogo ({@code conduit COMMAND ARGS}).
     *
     * @param action interrupts the running command; {@code null} when none runs
     */
    static void interruptWith(Runnable action) {
        interrupter = action;
    }

    /**
     * Interrupts the line now running, as Ctrl-C does at the prompt; nothing when none runs.
     *
     * @return whether a line was running
     */
    static boolean interruptRunningLine() {
        Runnable r = interrupter;
        if (r != null) {
            r.run();
        }
        return r != null;
    }

    /**
     * The statements of a line, as Gogo's parser splits it at {@code ;} and line ends (a pipeline or a closure
     * stays one statement).
     *
     * @param runtime the bundle of the shell service, which holds Gogo's parser
     * @param line the line
     * @return its statements' text; the whole line when the parser refuses it (Gogo then says why)
     */
    static List<String> statements(org.osgi.framework.Bundle runtime, String line) {
        try {
            Class<?> parser = runtime.loadClass(PARSER);
            Object program = parser.getMethod("program").invoke(parser.getConstructor(CharSequence.class)
                    .newInstance(line));
            Method tokens = program.getClass().getMethod("tokens");
            tokens.setAccessible(true);
            List<String> statements = new ArrayList<>();
            for (Object statement : (List<?>) tokens.invoke(program)) {
                statements.add(statement.toString());
            }
            return statements.isEmpty() ? List.of(line) : statements;
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            return List.of(line);
        }
    }

    /**
     * The exit status a Conduit command's value carries ({@code int exitStatus()} of core's
     * {@code CommandOutput}); other values carry none.
     *
     * @param value what a statement returned, or null
     * @return its status, or null
     */
    static Integer exitStatus(Object value) {
        if (value == null) {
            return null;
        }
        for (Class<?> type : value.getClass().getInterfaces()) {
            if (type.getName().equals(COMMAND_OUTPUT)) {
                try {
                    return (Integer) type.getMethod("exitStatus").invoke(value);
                } catch (ReflectiveOperationException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * @param status the status of the statement's value, or null
     * @param noted what core noted for the statement's Conduit commands: an Integer, negative for none
     * @return the worse of the two, or null when neither says anything
     */
    static Integer worse(Integer status, Object noted) {
        if (!(noted instanceof Integer n) || n < 0) {
            return status;
        }
        return status == null ? n : Math.max(status, n);
    }

    /** The type of Conduit's command values (core.bundle). */
    static final String COMMAND_OUTPUT = "io.conduit.core.shell.CommandOutput";

    /** The interactive profile (etc/gosh_profile) sets the same search path. */
    static final String SCOPE_PATH = Readiness.SCOPE + ":*";

    private static Object call(Method m, Object target, Object... args) throws Exception {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception ex) {
                throw ex;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
