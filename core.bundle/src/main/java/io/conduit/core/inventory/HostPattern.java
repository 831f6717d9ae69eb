package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * Selects hosts with Ansible's host patterns.
 *
 * <ul>
 * <li>{@code all} or {@code *}: every host;</li>
 * <li>a name: the host of that name and/or the hosts of the group of that name, a group including the hosts
 * of its child groups (the groups that list it as a parent);</li>
 * <li>a glob with {@code *}, {@code ?}, {@code [abc]}, {@code [a-z]}, {@code [!a]}: matched against host and
 * group names; {@code ~REGEX}: a regular expression found in host or group names;</li>
 * <li>parts separated by {@code :} or {@code ,}: {@code a:b} union, {@code a:&b} intersection, {@code a:!b}
 * exclusion. As in Ansible, unions are applied first, then intersections, then exclusions, each kind left to
 * right ({@code a:!b:c} is {@code a:c:!b}); a pattern of only exclusions or intersections starts from all
 * hosts.</li>
 * </ul>
 *
 * <p>The result is in inventory order, without duplicates. A part that names no host and no group is an error
 * (a typo in {@code !stagin} must not silently run on staging), except a glob or regex in an exclusion; an
 * empty result is an error. Stateless and thread safe.
 */
public final class HostPattern {

    private HostPattern() {
    }

    /**
     * Selects the hosts a pattern names.
     *
     * @param inventory the inventory
     * @param pattern an Ansible host pattern
     * @return the hosts, in inventory order, at least one
     * @throws InventoryException the pattern is empty or malformed, a part of it names nothing, or it selects no
     *         host; the message names the part and the inventory
     */
    public static List<Host> select(Inventory inventory, String pattern) throws InventoryException {
        String source = inventory.source();
        if (pattern == null || pattern.isBlank()) {
            throw new InventoryException("empty host pattern; use all, a host or group name, a glob like web*,"
                    + " or a:b, a:&b, a:!b (see conduit:hosts)");
        }
        String p = pattern.trim();
        Host exact = inventory.hosts().get(p);
        if (exact != null) {
            return List.of(exact); // a host name containing ':' or ',' (an IPv6 address) is not split
        }
        Members members = new Members(inventory);
        List<String> unions = new ArrayList<>();
        List<String> intersections = new ArrayList<>();
        List<String> exclusions = new ArrayList<>();
        for (String part : split(p)) {
            String t = part.trim();
            if (t.isEmpty() || "&".equals(t) || "!".equals(t)) {
                throw new InventoryException("pattern \"" + pattern + "\": an empty part between separators;"
                        + " write a:b, a:&b or a:!b");
            }
            if (t.startsWith("&")) {
                intersections.add(t);
            } else if (t.startsWith("!")) {
                exclusions.add(t);
            } else {
                unions.add(t);
            }
        }
        Set<String> selected = new LinkedHashSet<>();
        if (unions.isEmpty()) {
            selected.addAll(inventory.hosts().keySet());
        }
        String emptiedBy = null;
        for (String term : unions) {
            selected.addAll(match(members, term, term, pattern, source, false));
        }
        for (String term : intersections) {
            Set<String> that = match(members, term.substring(1).trim(), term, pattern, source, false);
            if (selected.retainAll(that) && selected.isEmpty() && emptiedBy == null) {
                emptiedBy = term;
            }
        }
        for (String term : exclusions) {
            Set<String> that = match(members, term.substring(1).trim(), term, pattern, source, true);
            if (selected.removeAll(that) && selected.isEmpty() && emptiedBy == null) {
                emptiedBy = term;
            }
        }
        if (selected.isEmpty()) {
            String why = emptiedBy != null ? " (\"" + emptiedBy + "\" left nothing)"
                    : inventory.hosts().isEmpty() ? " (it has no hosts)" : "";
            throw new InventoryException("pattern \"" + pattern + "\" matches no host in " + source + why
                    + "; see conduit:hosts");
        }
        List<Host> out = new ArrayList<>(selected.size());
        for (Host host : inventory.hosts().values()) {
            if (selected.contains(host.name())) {
                out.add(host);
            }
        }
        return List.copyOf(out);
    }

    /** Splits on ':' and ',' outside brackets, so that {@code db[1:3]}-like classes stay whole. */
    private static List<String> split(String pattern) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (char c : pattern.toCharArray()) {
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            }
            if ((c == ':' || c == ',') && depth == 0) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    private static Set<String> match(Members members, String term, String written, String pattern, String source,
            boolean exclusion) throws InventoryException {
        if (term.isEmpty()) {
            throw new InventoryException("pattern \"" + pattern + "\": \"" + written + "\" names nothing;"
                    + " write a:&b or a:!b");
        }
        if ("all".equals(term) || "*".equals(term)) {
            return new LinkedHashSet<>(members.inventory.hosts().keySet());
        }
        Set<String> out = new LinkedHashSet<>();
        boolean named = false;
        boolean wildcard = term.startsWith("~") || term.matches(".*[*?\\[].*");
        if (wildcard) {
            Pattern regex = compile(term, pattern);
            for (String group : members.groupNames()) {
                if (regex.matcher(group).find()) {
                    named = true;
                    out.addAll(members.of(group));
                }
            }
            for (String host : members.inventory.hosts().keySet()) {
                if (regex.matcher(host).find()) {
                    named = true;
                    out.add(host);
                }
            }
        } else {
            if (members.inventory.hosts().containsKey(term)) {
                named = true;
                out.add(term);
            }
            if (members.groupNames().contains(term)) {
                named = true;
                out.addAll(members.of(term));
            }
        }
        if (!named && !(exclusion && wildcard)) {
            List<String> names = new ArrayList<>(members.groupNames());
            names.addAll(members.inventory.hosts().keySet());
            String closest = wildcard ? null : Names.closest(term, names);
            String which = pattern.trim().equals(written) ? "" : ": \"" + written + "\" names no host or group";
            throw new InventoryException("pattern \"" + pattern + "\" matches no host in " + source + which
                    + (closest == null ? "; " : "; did you mean \"" + closest + "\"? ") + "see conduit:hosts");
        }
        return out;
    }

    private static Pattern compile(String term, String pattern) throws InventoryException {
        if (term.startsWith("~")) {
            try {
                return Pattern.compile(term.substring(1));
            } catch (PatternSyntaxException e) {
                throw new InventoryException("pattern \"" + pattern + "\": \"" + term + "\" is not a valid regular"
                        + " expression (" + e.getDescription() + "); fix it or use a glob like web*", e);
            }
        }
        return Pattern.compile(glob(term));
    }

    /** fnmatch: {@code *}, {@code ?}, {@code [seq]}, {@code [!seq]}; anchored at both ends. */
    static String glob(String glob) {
        StringBuilder re = new StringBuilder("^");
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        re.append("\\[");
                    } else {
                        String body = glob.substring(i + 1, end);
                        String negate = "";
                        if (body.startsWith("!")) {
                            negate = "^";
                            body = body.substring(1);
                        }
                        re.append('[').append(negate).append(body.replace("\\", "\\\\").replace("[", "\\[")
                                .replace("^", "\\^").replace("&", "\\&")).append(']');
                        i = end;
                    }
                }
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return re.append('$').toString();
    }

    /** Group membership: a host is in every group of its {@link ParameterResolver#groupOrder}. */
    private static final class Members {
        final Inventory inventory;
        private final Map<String, Set<String>> byGroup = new HashMap<>();
        private final Set<String> groupNames = new LinkedHashSet<>();

        Members(Inventory inventory) {
            this.inventory = inventory;
            groupNames.addAll(inventory.groups().keySet());
            for (Host host : inventory.hosts().values()) {
                for (String group : ParameterResolver.groupOrder(inventory, host)) {
                    groupNames.add(group);
                    byGroup.computeIfAbsent(group, g -> new LinkedHashSet<>()).add(host.name());
                }
            }
        }

        Set<String> groupNames() {
            return groupNames;
        }

        Set<String> of(String group) {
            return byGroup.getOrDefault(group, Set.of());
        }
    }
}
