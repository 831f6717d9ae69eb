package io.conduit.core.registry;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The whiteboard rule for named services, shared by the plugin registry and the inventory catalog: entries are
 * keyed by {@code service.id}; each name is served by its best entry (highest {@code service.ranking}, then
 * oldest: lowest id, as {@code ServiceReference} orders them), and the others of that name are kept, shadowed,
 * until the best goes away. Thread safe; entries are immutable.
 *
 * @param <T> the entries
 */
public final class RankedServices<T extends RankedServices.Ranked> {

    /** What the rule needs of an entry. */
    public interface Ranked {
        /** @return the name it serves */
        String name();

        /** @return its {@code service.id} */
        long serviceId();

        /** @return its {@code service.ranking} */
        int ranking();
    }

    /** Best first: highest ranking, then lowest service id. */
    public static final Comparator<Ranked> BEST_FIRST = Comparator.comparingInt(Ranked::ranking).reversed()
            .thenComparingLong(Ranked::serviceId);

    private final Map<Long, T> byServiceId = new ConcurrentHashMap<>();

    /**
     * Adds an entry (an entry of the same service id is replaced).
     *
     * @param entry the entry
     * @return the entry that served its name until now and is shadowed by it, or empty (the name was not served,
     *         or the new entry ranks lower and is itself shadowed)
     */
    public Optional<T> add(T entry) {
        Optional<T> before = best(entry.name());
        byServiceId.put(entry.serviceId(), entry);
        return before.filter(old -> old.serviceId() != entry.serviceId()
                && best(entry.name()).map(b -> b.serviceId() == entry.serviceId()).orElse(false));
    }

    /**
     * Removes an entry; the best of the others of its name, if any, serves the name from now on.
     *
     * @param serviceId the service's id
     * @return the removed entry, or empty when it was not tracked
     */
    public Optional<T> remove(long serviceId) {
        return Optional.ofNullable(byServiceId.remove(serviceId));
    }

    /**
     * @param name a name
     * @return the entry that serves it now, or empty
     */
    public Optional<T> best(String name) {
        return byServiceId.values().stream().filter(e -> e.name().equals(name)).min(BEST_FIRST);
    }

    /**
     * @param entry an entry
     * @return whether it is tracked and the best of its name
     */
    public boolean serves(Ranked entry) {
        return best(entry.name()).map(b -> b.serviceId() == entry.serviceId()).orElse(false);
    }

    /** @return every entry by name, in name order, best first within a name */
    public Map<String, List<T>> all() {
        Map<String, List<T>> out = new TreeMap<>();
        byServiceId.values().stream().sorted(Comparator.comparing(Ranked::name).thenComparing(BEST_FIRST))
                .forEach(e -> out.computeIfAbsent(e.name(), n -> new ArrayList<>()).add(e));
        return out;
    }

    /** @return the best entry of each name, in name order */
    public Map<String, T> served() {
        Map<String, T> out = new TreeMap<>();
        all().forEach((name, entries) -> out.put(name, entries.get(0)));
        return out;
    }
}
