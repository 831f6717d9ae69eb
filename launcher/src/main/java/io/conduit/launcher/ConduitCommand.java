package io.conduit.launcher;

import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceReference;
import org.osgi.util.tracker.ServiceTracker;

/**
 * {@code conduit COMMAND ARGS...}: hands the words, exactly as the calling shell split them, to core's command
 * service ({@code io.conduit.core.shell.ConduitCommands}), which parses them as the Gogo commands do. No Gogo
 * line is built, so nothing expands {@code $}, globs or quotes a second time. The launcher lives outside the
 * framework and cannot share core's classes, so it calls the service's
 * {@code int execute(String[], InputStream, PrintStream, PrintStream)} reflectively (JDK types only).
 */
final class ConduitCommand {
    static final String SERVICE = "io.conduit.core.shell.ConduitCommands";

    private ConduitCommand() {
    }

    /**
     * @param context the system bundle's context
     * @param words the command's name, then its words
     * @param in standard input
     * @param out standard output
     * @param err standard error
     * @param bound how long to wait for the command service
     * @return the command's exit status
     * @throws Exception the service did not appear, or failed in a way it could not report itself
     */
    static Integer run(BundleContext context, String[] words, InputStream in, PrintStream out, PrintStream err,
            Duration bound) throws Exception {
        return run(context, words, in, out, err, bound, null);
    }

    /**
     * As {@link #run(BundleContext, String[], InputStream, PrintStream, PrintStream, Duration)}, with relative paths
     * of the words read from the caller's directory (a client of a resident Conduit).
     *
     * @param cwd the caller's working directory, absolute; {@code null} for the JVM's
     */
    static Integer run(BundleContext context, String[] words, InputStream in, PrintStream out, PrintStream err,
            Duration bound, java.nio.file.Path cwd) throws Exception {
        ServiceTracker<Object, Object> tracker = new ServiceTracker<>(context, SERVICE, null);
        tracker.open(true);
        try {
            Object service = tracker.waitForService(TimeUnit.NANOSECONDS.toMillis(bound.toNanos()));
            ServiceReference<Object> ref = tracker.getServiceReference();
            if (service == null || ref == null) {
                throw new IllegalStateException("Conduit's commands did not appear within " + bound.toSeconds()
                        + " s; is core.bundle in deploy/ and active? (conduit -c lb lists the bundles)");
            }
            Method execute = cwd == null ? null : withDirectory(service);
            Object[] arguments = {words, in, out, err, cwd};
            if (execute == null) {
                execute = service.getClass().getMethod("execute", String[].class, InputStream.class,
                        PrintStream.class, PrintStream.class);
                arguments = new Object[] {words, in, out, err};
            }
            Thread caller = Thread.currentThread();
            ShellLine.interruptWith(caller::interrupt); // Ctrl-C: the command stops every host and reports
            try {
                return (Integer) execute.invoke(service, arguments);
            } catch (InvocationTargetException e) {
                throw e.getCause() instanceof Exception ex ? ex : e;
            } finally {
                ShellLine.interruptWith(null);
                out.flush();
            }
        } finally {
            tracker.close();
        }
    }

    /** The form of execute that takes the caller's directory, or null for a core that has none. */
    private static Method withDirectory(Object service) {
        try {
            return service.getClass().getMethod("execute", String[].class, InputStream.class, PrintStream.class,
                    PrintStream.class, java.nio.file.Path.class);
        } catch (NoSuchMethodException e) {
            return null;
        }
    }
}
