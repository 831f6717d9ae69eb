package io.conduit.core.runbook;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.conduit.api.connection.Become;
import io.conduit.api.task.FailurePolicy;
import io.pebbletemplates.pebble.template.PebbleTemplate;

/**
 * A runbook as read and checked by {@link RunbookParser}: nothing in it can fail to parse any more; only a step's
 * templates and condition can still fail on a host (a name not defined there).
 *
 * @param file the file, as messages name it
 * @param name what the runbook says it does, or the file's name
 * @param vars the runbook's variables ({@code vars}, with {@code -e} over them)
 * @param gatherFacts whether facts are gathered on each host before the first step
 * @param policy the runbook's own failure policy ({@code serial}, {@code max_fail}...), before the command line's
 * @param steps the steps, in order
 */
public record Runbook(String file, String name, Map<String, Object> vars, boolean gatherFacts, PolicyText policy,
        List<Step> steps) {

    /** Copies the lists in. */
    public Runbook {
        vars = Map.copyOf(vars);
        steps = List.copyOf(steps);
    }

    /**
     * One step: a task with its parameters and the step's own settings.
     *
     * @param index 1 for the first step
     * @param line the line the step starts on
     * @param name the step's {@code name}, or the task's name when none was given
     * @param task the task's name (a {@link io.conduit.api.task.TaskPlugin}'s)
     * @param taskLine the line of the task key
     * @param given the parameters as written (YAML scalars, lists, maps); templates not rendered
     * @param converted the parameters converted once, when none is a template; else {@code null}: converted per
     *        host after rendering
     * @param templates each template string of the parameters, compiled, by its text
     * @param become the escalation of the step's commands, or {@code null}
     * @param timeout the step's host timeout, or {@code null} for the run's
     * @param retries how many more times a failed host is tried, or {@code null} for the run's
     * @param retryDelay the wait between tries, or {@code null} for the run's
     * @param when the condition, or {@code null}
     * @param whenLine the line of {@code when}
     * @param register the name the result is kept under, or {@code null}
     * @param runOnce whether the step runs on one host of each batch
     * @param lines the line of each parameter given, by name (for a template that fails on a host)
     * @param gathersFacts whether the task's plugin gathers facts ({@link io.conduit.api.task.TaskPlugin#gathersFacts}):
     *        its JSON output becomes the host's {@code facts}
     * @param timeoutLine the line of the step's {@code timeout}, or 0 when it has none
     */
    public record Step(int index, int line, String name, String task, int taskLine, Map<String, Object> given,
            Map<String, Object> converted, Map<String, PebbleTemplate> templates, Become become, Duration timeout,
            Integer retries, Duration retryDelay, Expressions.Condition when, int whenLine, String register,
            boolean runOnce, Map<String, Integer> lines, boolean gathersFacts, int timeoutLine) {

        /** @return the step's label in messages: {@code steps[2]} is the third, as the YAML path reads */
        public String path() {
            return "steps[" + (index - 1) + "]";
        }
    }

    /**
     * The runbook's policy keys as written, before the command line's options go over them.
     *
     * @param serial {@code serial}: {@code N} or {@code N%}, or {@code null}
     * @param maxFail {@code max_fail}: {@code N%} or {@code N}, or {@code null}
     * @param failFast {@code fail_fast}, or {@code null}
     * @param retries {@code retries} for every step, or {@code null}
     * @param retryDelay {@code retry_delay}, or {@code null}
     */
    public record PolicyText(String serial, Integer maxFail, Boolean failFast, Integer retries, Duration retryDelay) {
        /** No key given. */
        public static final PolicyText NONE = new PolicyText(null, null, null, null, null);

        /**
         * This policy with another's keys over it (the command line's over the runbook's).
         *
         * @param over the keys that win where given
         * @return the merged keys
         */
        public PolicyText with(PolicyText over) {
            return new PolicyText(over.serial != null ? over.serial : serial,
                    over.maxFail != null ? over.maxFail : maxFail, over.failFast != null ? over.failFast : failFast,
                    over.retries != null ? over.retries : retries,
                    over.retryDelay != null ? over.retryDelay : retryDelay);
        }

        /**
         * @return the failure policy these keys make (retries and delays are the engine's per step; run_once is
         *         per step)
         * @throws IllegalArgumentException a value out of range ({@link FailurePolicy}'s message)
         */
        public FailurePolicy toPolicy() {
            int serialCount = 0;
            boolean percent = false;
            if (serial != null) {
                String s = serial.trim();
                percent = s.endsWith("%");
                serialCount = parseCount("serial", percent ? s.substring(0, s.length() - 1).trim() : s);
            }
            return new FailurePolicy(serialCount, percent, maxFail, Boolean.TRUE.equals(failFast),
                    retries == null ? 0 : retries, retryDelay, false);
        }

        /**
         * Reads {@code serial}'s text: a whole number of hosts or a percentage.
         *
         * @param key the key or option, for the message
         * @param text the digits
         * @return the number
         * @throws IllegalArgumentException not a whole number
         */
        static int parseCount(String key, String text) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + ": \"" + text + "\" is not a number; give a number of hosts"
                        + " (3) or a percentage of them (25%)");
            }
        }
    }
}
