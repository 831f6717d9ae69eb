package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed document, YAML or JSON alike, with the line of every value so that each error can name it.
 * Values are typed as the source typed them ({@link String}, {@link Long}, {@link java.math.BigInteger},
 * {@link Double}, {@link Boolean}, {@code null}); {@link Scalar#text()} keeps what was written.
 */
final class Tree {

    private Tree() {
    }

    /** A node of the document. */
    sealed interface Val permits Scalar, Seq, MapVal {
        /** @return the 1-based line the value starts on */
        int line();

        /** @return what the value is, for "is a list, not text" messages */
        String kind();
    }

    /**
     * A scalar.
     *
     * @param value the typed value, {@code null} for YAML/JSON null
     * @param text the text as written (never {@code null}; empty for an empty YAML value)
     * @param line the line
     */
    record Scalar(Object value, String text, int line) implements Val {
        boolean isNull() {
            return value == null;
        }

        @Override
        public String kind() {
            return isNull() ? "empty" : value instanceof String ? "text" : value instanceof Boolean ? "a boolean"
                    : value instanceof AnsibleModel.Vaulted ? "a vault value" : "a number";
        }
    }

    /**
     * A list.
     *
     * @param items the items in order: the parsers hand over a list they no longer touch, wrapped here rather
     *        than copied (a 200,000-host file holds as many lists and mappings)
     * @param line the line
     */
    record Seq(List<Val> items, int line) implements Val {
        Seq {
            items = Collections.unmodifiableList(items);
        }

        @Override
        public String kind() {
            return "a list";
        }
    }

    /**
     * One key of a mapping.
     *
     * @param key the key as text
     * @param line the key's line
     * @param value the value
     */
    record Entry(String key, int line, Val value) {
    }

    /**
     * A mapping, in document order.
     *
     * @param entries by key, in document order: the parsers hand over a map they no longer touch, wrapped here
     *        rather than copied
     * @param line the line
     */
    record MapVal(Map<String, Entry> entries, int line) implements Val {
        MapVal {
            entries = Collections.unmodifiableMap(entries);
        }

        @Override
        public String kind() {
            return "a mapping";
        }
    }

    /**
     * Converts a value to plain Java: maps, lists and typed scalars, for {@code data} and {@code extras}.
     *
     * @param cache converted values by identity: a YAML alias used many times stays one shared (immutable)
     *        object instead of being copied once per use
     */
    static Object toJava(Val val, Map<Val, Object> cache) {
        if (val instanceof Scalar s) {
            return s.value();
        }
        Object done = cache.get(val);
        if (done != null) {
            return done;
        }
        Object result;
        if (val instanceof Seq seq) {
            List<Object> out = new ArrayList<>(seq.items().size());
            seq.items().forEach(v -> out.add(toJava(v, cache)));
            result = Collections.unmodifiableList(out);
        } else {
            Map<String, Object> out = new LinkedHashMap<>();
            ((MapVal) val).entries().forEach((k, e) -> out.put(k, toJava(e.value(), cache)));
            result = Collections.unmodifiableMap(out);
        }
        cache.put(val, result);
        return result;
    }
}
