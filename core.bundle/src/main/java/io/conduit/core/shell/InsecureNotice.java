package io.conduit.core.shell;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import io.conduit.api.task.HostResult;
import io.conduit.api.task.RunListener;

/**
 * Announces a run's insecure choices on the console: the plugins name them ({@code Connection.warnings()}), the
 * runner reports them per host ({@link RunListener#warned}), and this prints one line on stderr once every host
 * has finished, before the results, such as
 * {@code conduit: WARNING: insecure: host_key_checking: off (host keys are not checked) on web1, web2}.
 * It wraps the run's other listener (the progress line), so a run command wires it in one place.
 */
final class InsecureNotice implements RunListener {
    /** Host names shown per choice; the rest are counted. */
    private static final int SHOWN = 5;
    private final RunListener delegate;
    private final PrintStream err;
    private final Map<String, Set<String>> hostsByWarning = new LinkedHashMap<>();
    private final AtomicInteger done = new AtomicInteger();
    private volatile int total = -1;
    private boolean printed;

    InsecureNotice(RunListener delegate, PrintStream err) {
        this.delegate = delegate;
        this.err = err;
    }

    @Override
    public void started(int hosts) {
        total = hosts;
        delegate.started(hosts);
    }

    @Override
    public void warned(String host, String warning) {
        synchronized (hostsByWarning) {
            hostsByWarning.computeIfAbsent(warning, w -> new TreeSet<>()).add(host); // sorted: hosts finish in any order
        }
        delegate.warned(host, warning);
    }

    @Override
    public void trace(String host, int level, String line) {
        delegate.trace(host, level, line);
    }

    @Override
    public void finished(HostResult result) {
        delegate.finished(result);
        if (done.incrementAndGet() == total) {
            print();
        }
    }

    /** Prints the line once, if any host warned. */
    void print() {
        String line;
        synchronized (hostsByWarning) {
            if (printed || hostsByWarning.isEmpty()) {
                return;
            }
            printed = true;
            line = line(hostsByWarning);
        }
        err.println(line);
    }

    static String line(Map<String, Set<String>> hostsByWarning) {
        List<String> parts = new ArrayList<>();
        hostsByWarning.forEach((warning, hosts) -> {
            List<String> names = new ArrayList<>(hosts);
            String shown = String.join(", ", names.subList(0, Math.min(SHOWN, names.size())))
                    + (names.size() > SHOWN ? " and " + (names.size() - SHOWN) + " more" : "");
            parts.add(warning + " on " + shown);
        });
        return "conduit: WARNING: insecure: " + String.join("; ", parts);
    }
}
