package io.conduit.core.shell;

import java.io.PrintStream;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;

/** Prints each host's connection trace ({@code -v}) on stderr as {@code HOST: LINE}, as it happens. */
final class TracePrinter implements RunListener {
    private final RunListener inner;
    private final PrintStream err;

    private TracePrinter(RunListener inner, PrintStream err) {
        this.inner = inner;
        this.err = err;
    }

    /**
     * @param inner the listener to pass the run's other events to
     * @param verbosity the run's {@code -v} count; 0 or {@code null} leaves {@code inner} alone
     * @param err where the lines go
     * @return the listener to give the runner
     */
    static RunListener around(RunListener inner, Integer verbosity, PrintStream err) {
        return verbosity == null || verbosity <= 0 ? inner : new TracePrinter(inner, err);
    }

    @Override
    public void started(int hosts) {
        inner.started(hosts);
    }

    @Override
    public void finished(HostResult result) {
        inner.finished(result);
    }

    @Override
    public void trace(String host, int level, String line) {
        // one println per line: lines of hosts working side by side never mix within a line
        synchronized (err) {
            err.println(host + ": " + line);
            err.flush();
        }
    }
}
