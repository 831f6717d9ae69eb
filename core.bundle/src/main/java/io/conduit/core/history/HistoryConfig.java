package io.conduit.core.history;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

// DS maps a method name's "__" to "_", so max__runs() reads the key max_runs (see RunnerConfig).
/**
 * Bounds of the run history, PID {@value RunHistory#PID} ({@code etc/io.conduit.history.cfg}). After each run is
 * written, the oldest records are removed until every bound holds; the run just written is never removed.
 */
@ObjectClassDefinition(name = "Conduit run history", description = "How many runs conduit:runs keeps under"
        + " data/runs, and for how long.")
public @interface HistoryConfig {

    /** @return the most runs kept, 1 or more */
    @AttributeDefinition(name = "Most runs", description = "The most runs kept (1 or more); the oldest are removed"
            + " first.")
    int max__runs() default 1000;

    /** @return days a run is kept, 1 or more */
    @AttributeDefinition(name = "Most age", description = "Days a run is kept (1 or more), counted from when it"
            + " ended.")
    long max__age() default 30;

    /** @return bytes all records may take together, 4096 or more */
    @AttributeDefinition(name = "Most bytes", description = "Bytes the records may take together (4096 or more;"
            + " a record is about 150 bytes plus 100 per host); the oldest are removed first.")
    long max__bytes() default 64L << 20;
}
