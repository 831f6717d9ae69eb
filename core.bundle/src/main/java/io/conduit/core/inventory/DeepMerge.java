package io.conduit.core.inventory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The inventory's one rule for merging free-form values across the levels a host inherits from (its own, its
 * groups' in {@linkplain ParameterResolver#groupOrder precedence order}, the defaults'): used for {@code data}
 * and for {@code connection_options.PLUGIN.extras}.
 * <ul>
 * <li>Mappings merge key by key at every depth: a higher level's mapping adds keys to a lower level's and
 * overrides the keys both set. This is Ansible's {@code hash_behaviour = merge}; Ansible's default
 * ({@code replace}) and Nornir's data lookup (first level with the key wins) merge the top level only, and issue
 * 15 asked for nested mappings to merge too.</li>
 * <li>Lists and scalars replace as a whole: a list is one value, as in Ansible and Nornir; a host's
 * {@code ntp.servers: [a]} replaces its group's {@code [b, c]}, it is not appended to.</li>
 * <li>A mapping at one level and a list or scalar at another: the higher level's value replaces the other whole.</li>
 * </ul>
 * What an explicit {@code null} means is the caller's choice ({@code skipNulls}): in {@code data} it is a value
 * (as in Ansible and Nornir: a host can clear what its group sets); in {@code extras} it means "not set here".
 *
 * <p>Each leaf (a scalar, a list, an empty mapping) records the element it came from, by its key path joined with
 * dots ({@code ntp.servers}, {@code app.limits.cpu}). Keys come in precedence order: the highest level's keys in
 * its order, then those only a lower level adds. Stateless.
 */
final class DeepMerge {

    /**
     * One level's values.
     *
     * @param element where they are set: {@code host web1}, {@code group core}, {@code defaults}
     * @param values the level's mapping, never {@code null}
     */
    record Level(String element, Map<String, ?> values) {
    }

    /**
     * The merged values and where each leaf came from.
     *
     * @param values the merged mapping (nested mappings merged too), unmodifiable at every depth
     * @param origins leaf key path to the element that set it, in key order, unmodifiable
     */
    record Result(Map<String, Object> values, Map<String, String> origins) {
    }

    private DeepMerge() {
    }

    /**
     * Merges levels, highest precedence first.
     *
     * @param levels the levels, first wins
     * @param skipNulls {@code true} when a {@code null} value means "not set at this level" (then a lower level's
     *        value shows through); {@code false} when it is a value that replaces the lower levels'
     * @return the merged values and their origins
     */
    static Result merge(List<Level> levels, boolean skipNulls) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        for (Level level : levels) {
            under(values, level.values(), level.element(), "", origins, skipNulls);
        }
        // origins were recorded level by level: put them in the order of the merged keys
        Map<String, String> ordered = new LinkedHashMap<>();
        order(values, "", origins, ordered);
        return new Result(frozen(values), Collections.unmodifiableMap(ordered));
    }

    /** Adds what a lower level sets beneath what the higher ones set. */
    @SuppressWarnings("unchecked")
    private static void under(Map<String, Object> into, Map<String, ?> lower, String element, String prefix,
            Map<String, String> origins, boolean skipNulls) {
        for (Map.Entry<String, ?> e : lower.entrySet()) {
            Object value = e.getValue();
            if (value == null && skipNulls) {
                continue;
            }
            String path = ParameterResolver.keyPath(prefix, e.getKey());
            if (!into.containsKey(e.getKey())) {
                into.put(e.getKey(), copy(value, element, path, origins));
            } else if (into.get(e.getKey()) instanceof Map<?, ?> higher && value instanceof Map<?, ?> map) {
                under((Map<String, Object>) higher, (Map<String, ?>) map, element, path, origins, skipNulls);
            }
            // otherwise a higher level set it: its value stands whole
        }
    }

    /** A copy whose mappings can take a lower level's keys; every leaf's origin recorded. */
    @SuppressWarnings("unchecked")
    private static Object copy(Object value, String element, String path, Map<String, String> origins) {
        if (value instanceof Map<?, ?> map && !map.isEmpty()) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<String, ?> e : ((Map<String, ?>) map).entrySet()) {
                out.put(e.getKey(), copy(e.getValue(), element, ParameterResolver.keyPath(path, e.getKey()),
                        origins));
            }
            return out;
        }
        origins.put(path, element);
        return value instanceof Map<?, ?> ? new LinkedHashMap<String, Object>() : value;
    }

    @SuppressWarnings("unchecked")
    private static void order(Map<String, Object> values, String prefix, Map<String, String> origins,
            Map<String, String> out) {
        values.forEach((key, value) -> {
            String path = ParameterResolver.keyPath(prefix, key);
            if (value instanceof Map<?, ?> map && !map.isEmpty()) {
                order((Map<String, Object>) map, path, origins, out);
            } else {
                out.put(path, origins.get(path));
            }
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> frozen(Map<String, Object> values) {
        Map<String, Object> out = new LinkedHashMap<>();
        values.forEach((key, value) -> out.put(key, value instanceof Map<?, ?> map
                ? frozen((Map<String, Object>) map) : value));
        return Collections.unmodifiableMap(out);
    }
}
