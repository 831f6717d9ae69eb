package io.conduit.core.run;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Trace;
import io.conduit.api.task.RunListener;

/** One host's trace in one run: lines up to the run's verbosity go to the run's listener, named by host. */
final class HostTrace implements Trace {
    private static final Logger LOG = LoggerFactory.getLogger(HostTrace.class);
    private final String host;
    private final int level;
    private final RunListener listener;

    private HostTrace(String host, int level, RunListener listener) {
        this.host = host;
        this.level = level;
        this.listener = listener;
    }

    /**
     * @param host the host's inventory name
     * @param level the run's verbosity, 0 to 3
     * @param listener where lines go
     * @return {@link Trace#OFF} for level 0 or nobody listening, so that such a run builds no text
     */
    static Trace of(String host, int level, RunListener listener) {
        return level <= 0 || listener == null || listener == RunListener.NONE ? Trace.OFF
                : new HostTrace(host, level, listener);
    }

    @Override
    public boolean on(int lineLevel) {
        return lineLevel <= level;
    }

    @Override
    public void line(int lineLevel, String text) {
        if (lineLevel > level || text == null) {
            return;
        }
        try {
            // one event, one line: a plugin's multi-line text must not forge another host's line
            listener.trace(host, lineLevel, text.replace('\r', ' ').replace('\n', ' '));
        } catch (RuntimeException e) {
            LOG.debug("trace listener failed for {}", host, e); // a broken printer must not fail the host
        }
    }
}
