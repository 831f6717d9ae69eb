package io.conduit.core.run;

import java.util.function.Supplier;

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
    private final Supplier<SecretMasker> masker;

    private HostTrace(String host, int level, RunListener listener, Supplier<SecretMasker> masker) {
        this.host = host;
        this.level = level;
        this.listener = listener;
        this.masker = masker;
    }

    /**
     * @param host the host's inventory name
     * @param level the run's verbosity, 0 to 3
     * @param listener where lines go
     * @param masker the run's secrets as known when a line is written: a line that quotes one (a library's message, a command the operator
     *        typed with a password in it) shows {@code ***}, as the host's output does
     * @return {@link Trace#OFF} for level 0 or nobody listening, so that such a run builds no text
     */
    static Trace of(String host, int level, RunListener listener, Supplier<SecretMasker> masker) {
        return level <= 0 || listener == null || listener == RunListener.NONE ? Trace.OFF
                : new HostTrace(host, level, listener, masker);
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
            listener.trace(host, lineLevel, masker.get().mask(text.replace('\r', ' ').replace('\n', ' ')));
        } catch (RuntimeException e) {
            LOG.debug("trace listener failed for {}", host, e); // a broken printer must not fail the host
        }
    }
}
