package io.conduit.core.runbook;

import java.io.IOException;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.pebbletemplates.pebble.PebbleEngine;
import io.pebbletemplates.pebble.error.AttributeNotFoundException;
import io.pebbletemplates.pebble.error.PebbleException;
import io.pebbletemplates.pebble.error.RootAttributeNotFoundException;
import io.pebbletemplates.pebble.loader.StringLoader;
import io.pebbletemplates.pebble.template.PebbleTemplate;

/**
 * A runbook's conditions ({@code when}) and the {@code {{ var }}} in its step parameters, through Pebble (Jinja's
 * syntax, as Ansible writes them): strict variables, so that a misspelt name fails the host with its name instead
 * of reading as empty; no autoescaping (configuration files are not HTML).
 */
final class Expressions {
    /** At most this much text from one parameter's template per host (Pebble's own guard against runaway loops). */
    private static final int MAX_RENDERED = 1 << 20;
    private static final PebbleEngine ENGINE = new PebbleEngine.Builder().loader(new StringLoader())
            .strictVariables(true).autoEscaping(false).newLineTrimming(false).maxRenderedSize(MAX_RENDERED)
            .cacheActive(false).build(); // each step keeps its compiled templates; a resident Conduit keeps none
    private static final Pattern ATTRIBUTE = Pattern.compile("Attribute \\[([^\\]]*)\\] of \\[[^\\]]*\\]");
    /** Pebble's "a token that cannot come here": {@code Unexpected token of value "in" and type NAME, ...}. */
    private static final Pattern STRAY = Pattern.compile("Unexpected token of value \"([^\"]*)\"");
    private static final Pattern ROOT = Pattern.compile("Root attribute \\[([^\\]]*)\\]");

    private Expressions() {
    }

    /** A compiled condition: its text as written, and Pebble's template printing it. */
    record Condition(String text, PebbleTemplate template) {
        /**
         * @param variables the host's names
         * @return the condition's value
         * @throws IllegalArgumentException it cannot be evaluated on these names, or is not true or false
         */
        boolean test(Map<String, Object> variables) {
            String value = evaluate(template, variables);
            return switch (value) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new IllegalArgumentException("the condition gave \"" + shorten(value)
                        + "\", not true or false; compare it (== , !=, <, >) or test it (is defined, is null)");
            };
        }
    }

    /** @return whether a parameter value is a template to render per host */
    static boolean isTemplate(String text) {
        return text.contains("{{") || text.contains("{%");
    }

    /**
     * Compiles a {@code when} expression.
     *
     * @param text the expression as written, without {@code {{ }}}
     * @return the condition
     * @throws IllegalArgumentException it does not parse; the message says what is wrong, without a line
     */
    static Condition condition(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("the condition is empty; write an expression such as"
                    + " facts.os_family == \"Debian\", or drop when");
        }
        if (text.contains("{{") || text.contains("}}") || text.contains("{%") || text.contains("%}")) {
            // Ansible warns about the same: when is an expression already
            throw new IllegalArgumentException("write the condition without {{ }} or {% %}: when is an expression"
                    + " already, e.g. when: data.role == \"web\"");
        }
        if (text.contains("\n")) {
            text = text.replace('\n', ' ');
        }
        return new Condition(text, compile("{{ " + text + " }}", true));
    }

    /**
     * Compiles a parameter's template.
     *
     * @param text the value as written
     * @return the template
     * @throws IllegalArgumentException it does not parse
     */
    static PebbleTemplate template(String text) {
        return compile(text, false);
    }

    private static PebbleTemplate compile(String text, boolean expression) {
        try {
            return ENGINE.getTemplate(text);
        } catch (PebbleException e) {
            throw new IllegalArgumentException(explain(e, expression), e);
        }
    }

    /**
     * Renders a template with a host's names.
     *
     * @throws IllegalArgumentException a name is not defined, or a filter failed; the message names it
     */
    static String render(PebbleTemplate template, Map<String, Object> variables) {
        return evaluate(template, variables);
    }

    private static String evaluate(PebbleTemplate template, Map<String, Object> variables) {
        StringWriter out = new StringWriter();
        try {
            try {
                Map<String, Object> context = new LinkedHashMap<>();
                variables.forEach((k, v) -> context.put(k, printable(v)));
                template.evaluate(out, context);
            } catch (PebbleException e) {
                // an operator wraps what failed under it ("Could not perform equals comparison"): say the cause
                for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
                    if (c instanceof RootAttributeNotFoundException || c instanceof AttributeNotFoundException) {
                        throw (PebbleException) c;
                    }
                }
                throw e;
            }
        } catch (RootAttributeNotFoundException e) {
            Matcher m = ROOT.matcher(String.valueOf(e.getPebbleMessage()));
            String name = m.find() ? m.group(1) : "a name";
            throw new IllegalArgumentException("\"" + name + "\" is not defined here; the names are "
                    + String.join(", ", variables.keySet()) + " (test a name with 'is defined')", e);
        } catch (AttributeNotFoundException e) {
            Matcher m = ATTRIBUTE.matcher(String.valueOf(e.getPebbleMessage()));
            String name = m.find() ? m.group(1) : "a key";
            throw new IllegalArgumentException("no key \"" + name + "\" here (test it with 'is defined' first, e.g."
                    + " facts.x is defined and facts.x == 1)", e);
        } catch (PebbleException e) {
            throw new IllegalArgumentException(explain(e, true), e);
        } catch (IOException e) {
            throw new IllegalStateException(e); // a StringWriter does not fail
        }
        return out.toString();
    }

    /** Pebble's message without its token names, Java type names and the template's text. */
    static String explain(PebbleException e, boolean expression) {
        String m = e.getPebbleMessage() == null ? "cannot be read" : e.getPebbleMessage();
        if (m.contains("\"PRINT_END\" of value \"}}\"")) {
            return "the expression ends where a value or name should follow; complete it (e.g. facts.os_family =="
                    + " \"Debian\")";
        }
        java.util.regex.Matcher stray = STRAY.matcher(m);
        if (stray.find()) {
            String word = stray.group(1);
            return "\"" + word + "\" cannot follow what comes before it" + (expression && word.equals("in")
                    ? "; Pebble writes Jinja's 'x in list' as 'list contains x'"
                    : "; join two conditions with and/or, compare with == != < > <= >=");
        }
        return m.replace("EXECUTE_END", "%}").replace("PRINT_END", "}}")
                .replaceAll("\\[(java|io)\\.[\\w.$]+\\]", "[value]");
    }

    /**
     * The first root name a compiled condition or template uses that is not among the names a step has, found by
     * evaluating it once with each of those names bound to a placeholder that has every key (so a key under a name,
     * such as {@code facts.os_family}, is not judged here: facts, data and registered results are known per host
     * only, and stay checked then). Any other evaluation error (a comparison of a placeholder, a filter on it) is
     * ignored: it says nothing of the names, and the evaluation stops there, so a misspelt name after such an error
     * is found per host instead.
     *
     * @param template the compiled condition or template
     * @param names the root names that exist at the step
     * @return the undefined root name, or {@code null} when none was met
     */
    static String undefinedRoot(PebbleTemplate template, java.util.Collection<String> names) {
        Map<String, Object> context = new LinkedHashMap<>();
        names.forEach(n -> context.put(n, new AnyKeys()));
        try {
            template.evaluate(new StringWriter(), context);
        } catch (RuntimeException | IOException e) {
            for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof RootAttributeNotFoundException r) {
                    Matcher m = ROOT.matcher(String.valueOf(r.getPebbleMessage()));
                    return m.find() ? m.group(1) : "a name";
                }
            }
        }
        return null;
    }

    private static final com.google.gson.Gson JSON = new com.google.gson.GsonBuilder().serializeNulls()
            .disableHtmlEscaping().create();

    /**
     * A map or list that prints as JSON ({@code {{ data }}} gives {@code {"role":"web"}}, not Java's
     * {@code {role=web}}), and reads as the value itself in every other way.
     */
    static Object printable(Object value) {
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> inner = new LinkedHashMap<>();
            map.forEach((k, v) -> inner.put(k, printable(v)));
            return new java.util.AbstractMap<Object, Object>() {
                @Override
                public java.util.Set<Map.Entry<Object, Object>> entrySet() {
                    return inner.entrySet();
                }

                @Override
                public Object get(Object key) {
                    return inner.get(key);
                }

                @Override
                public boolean containsKey(Object key) {
                    return inner.containsKey(key);
                }

                @Override
                public String toString() {
                    return JSON.toJson(jsonable(inner));
                }
            };
        }
        if (value instanceof List<?> list) {
            List<Object> inner = new ArrayList<>(list.size());
            list.forEach(v -> inner.add(printable(v)));
            return new java.util.AbstractList<Object>() {
                @Override
                public Object get(int index) {
                    return inner.get(index);
                }

                @Override
                public int size() {
                    return inner.size();
                }

                @Override
                public String toString() {
                    return JSON.toJson(jsonable(inner));
                }
            };
        }
        return value;
    }

    /**
     * A copy for printing: text, numbers, booleans, null, maps and lists as they are, anything else as its own
     * text, so that a secret in {@code data} prints as its {@code ***} and never by its fields.
     */
    private static Object jsonable(Object v) {
        if (v instanceof Map<?, ?> map) {
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, x) -> out.put(String.valueOf(k), jsonable(x)));
            return out;
        }
        if (v instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            list.forEach(x -> out.add(jsonable(x)));
            return out;
        }
        return v == null || v instanceof String || v instanceof Number || v instanceof Boolean ? v
                : String.valueOf(v);
    }

    /** A stand-in for a value known only per host: every key is there, and is another stand-in. */
    private static final class AnyKeys extends java.util.AbstractMap<String, Object> {
        @Override
        public Object get(Object key) {
            return new AnyKeys();
        }

        @Override
        public boolean containsKey(Object key) {
            return true;
        }

        @Override
        public java.util.Set<Map.Entry<String, Object>> entrySet() {
            return java.util.Set.of();
        }
    }

    private static String shorten(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }

    /**
     * Renders every template string in a parameter value (strings, lists and maps of them).
     *
     * @param value the value as written (templates compiled in {@code compiled})
     * @param compiled the templates by their text
     * @param variables the host's names
     * @return the value with each template string replaced by its rendered text
     */
    static Object renderValue(Object value, Map<String, PebbleTemplate> compiled, Map<String, Object> variables) {
        if (value instanceof String s && isTemplate(s)) {
            return render(compiled.get(s), variables);
        }
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>(list.size());
            list.forEach(v -> out.add(renderValue(v, compiled, variables)));
            return out;
        }
        if (value instanceof Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k, renderValue(v, compiled, variables)));
            return out;
        }
        return value;
    }
}
