package io.conduit.core.inventory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

import io.conduit.api.inventory.Host;
import io.conduit.api.inventory.Inventory;
import io.conduit.api.inventory.InventoryException;

/**
 * Selects hosts with Ansible's host patterns (Ansible docs, "Patterns: targeting hosts and groups", and
 * {@code ansible/inventory/manager.py}, which this follows where the two differ unless said otherwise).
 *
 * <p><b>Splitting.</b> A pattern is a list of parts. When it contains a {@code ,} it is split on commas only,
 * and a {@code :} inside a part is part of a name or regex (Ansible's rule; so {@code web,fe80::1} and
 * {@code ~(?:web|db)1,db2} work). Otherwise it is split on {@code :} outside brackets, so that
 * {@code web[0:2]} stays whole. A whole pattern that is a host's exact name is that host, so an IPv6 address
 * such as {@code fe80::1} alone is not split. A part may start with {@code &} (intersection) or {@code !}
 * (exclusion); an empty part ({@code web::db}, {@code web,}) is refused, where Ansible drops it silently.
 *
 * <p><b>Parts.</b> What follows the {@code &} or {@code !} is, first match wins:
 * <ul>
 * <li>{@code all} or {@code *}: every host;</li>
 * <li>a host's or group's exact name, whatever characters it holds: the host and/or the group's hosts, a group
 * including the hosts of its child groups (the groups that list it as a parent);</li>
 * <li>{@code ~REGEX}: the hosts and groups whose names the Java regular expression matches from their first
 * character, as Python's {@code re.match} does (anchored at the start, not at the end); compiled with
 * {@link Pattern#UNICODE_CHARACTER_CLASS} so that {@code \w} and {@code \d} are Unicode-aware as in Python 3.
 * Never subscripted: {@code ~web[0]} is all regex;</li>
 * <li>{@code EXPR[SUBSCRIPT]}: a trailing bracket holding only digits, {@code -} and {@code :} is a subscript
 * of the hosts EXPR selects (a name or glob), in inventory order: {@code [i]} the i-th from 0, {@code [-i]}
 * the i-th from the end, {@code [i:j]} positions i to j <em>both included</em>, {@code [i:]} from i to the
 * end, {@code [:j]} from 0 to j. An end past the last host stops at the last one (Python slicing); an index,
 * or a start, past the last host is an error, as is a start after the end, {@code [:]}, a negative bound in
 * a range, and a number with a leading zero ({@code db[01:10]} is an inventory file's name range, which
 * patterns do not have). {@code [i-j]}, Ansible's removed range form, is refused rather than read as a
 * character class;</li>
 * <li>a glob (fnmatch: {@code *}, {@code ?}, {@code [seq]}, {@code [!seq]}, anchored at both ends) matched
 * against host and group names; a character class is any bracket that is not a subscript, such as
 * {@code web[a-c]} or {@code db[12]*}. Digits-only classes at the end cannot be written as a glob:
 * {@code db[12]} is position 12 of db, as in Ansible; write {@code ~db[12]$}.</li>
 * </ul>
 *
 * <p><b>Combining.</b> Parts without a prefix are unions, then {@code &} parts intersect, then {@code !} parts
 * exclude, each kind left to right ({@code a:!b:c} is {@code a:c:!b}); a pattern of only intersections or
 * exclusions starts from all hosts.
 *
 * <p><b>Result and errors.</b> The result is in inventory order without duplicates (Ansible lists a union's
 * hosts part by part; Conduit keeps the inventory's order throughout, also as the order subscripts count
 * in). A part that names no host and no group is an error, also after {@code !} (a typo in {@code !stagin}
 * must not silently run on staging), except a glob or regex after {@code !}; an empty result is an error.
 * Every error is an {@link InventoryException} naming the pattern, the part and what to write instead.
 * Stateless and thread safe.
 */
public final class HostPattern {

    /** A subscript: digits, '-' and ':' only between the trailing brackets. */
    private static final Pattern SUBSCRIPT_CHARS = Pattern.compile("[0-9:-]*");
    private static final Pattern INDEX = Pattern.compile("-?[0-9]+");
    private static final Pattern SLICE = Pattern.compile("([0-9]*):([0-9]*)");
    /** Ansible's [x-y] and [x-], which it reads as a range after a warning that the form "has been removed". */
    private static final Pattern OLD_RANGE = Pattern.compile("[0-9]+-[0-9]*");
    private static final Pattern LEADING_ZERO = Pattern.compile("(?<![0-9])0[0-9]");
    /** Something like an IPv6 address (fe80::1, ::1), for a hint when ':' split one. */
    private static final Pattern IPV6 = Pattern.compile("(?<![\\w.-])[0-9A-Fa-f]{0,4}(:[0-9A-Fa-f]{0,4}){2,}"
            + "(?![\\w.-])");
    private static final String SUBSCRIPT_FORMS = "[i], [-i], [i:j], [i:] or [:j] with whole numbers"
            + " (positions from 0, j included)";

    private HostPattern() {
    }

    /**
     * Selects the hosts a pattern names.
     *
     * @param inventory the inventory
     * @param pattern an Ansible host pattern, as described on this class
     * @return the hosts, in inventory order, at least one
     * @throws InventoryException the pattern is empty or malformed, a part of it names nothing, a subscript is
     *         out of range, or it selects no host; the message names the pattern, the part and the inventory,
     *         and says what to write
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
        if (("all".equals(p) || "*".equals(p)) && !inventory.hosts().isEmpty()) {
            return List.copyOf(inventory.hosts().values()); // what the general path finds, without its sets
        }
        Members members = new Members(inventory);
        boolean commas = p.indexOf(',') >= 0;
        List<String> unions = new ArrayList<>();
        List<String> intersections = new ArrayList<>();
        List<String> exclusions = new ArrayList<>();
        for (String part : commas ? List.of(p.split(",", -1)) : splitOnColons(p)) {
            String t = part.trim();
            if (t.isEmpty() || "&".equals(t) || "!".equals(t)) {
                throw new InventoryException("pattern \"" + pattern + "\": an empty part between separators;"
                        + " write a:b, a:&b or a:!b" + (!commas && IPV6.matcher(p).find()
                                ? " (a host name with ':', such as an IPv6 address, is written alone or between"
                                        + " commas: web,fe80::1)" : ""));
            }
            if (t.startsWith("&")) {
                intersections.add(t);
            } else if (t.startsWith("!")) {
                exclusions.add(t);
            } else {
                unions.add(t);
            }
        }
        Context c = new Context(members, pattern, source, commas);
        Set<String> selected = new LinkedHashSet<>();
        if (unions.isEmpty()) {
            selected.addAll(inventory.hosts().keySet());
        }
        String emptiedBy = null;
        for (String term : unions) {
            selected.addAll(c.resolve(term, term, false));
        }
        for (String term : intersections) {
            Set<String> that = c.resolve(term.substring(1).trim(), term, false);
            if (selected.retainAll(that) && selected.isEmpty() && emptiedBy == null) {
                emptiedBy = term;
            }
        }
        for (String term : exclusions) {
            Set<String> that = c.resolve(term.substring(1).trim(), term, true);
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

    /** Splits on ':' outside brackets, so that a subscript such as {@code web[0:2]} stays whole. */
    private static List<String> splitOnColons(String pattern) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int depth = 0;
        for (char c : pattern.toCharArray()) {
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            }
            if (c == ':' && depth == 0) {
                parts.add(current.toString());
                current.setLength(0);
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        return parts;
    }

    /** One selection: the inventory's membership and what messages need. */
    private record Context(Members members, String pattern, String source, boolean commas) {

        /**
         * The hosts one part selects.
         *
         * @param term the part without its {@code &} or {@code !}
         * @param written the part as written, for messages
         * @param exclusion whether it follows {@code !}: a glob or regex there may match nothing
         */
        Set<String> resolve(String term, String written, boolean exclusion) throws InventoryException {
            if (term.isEmpty()) {
                throw new InventoryException("pattern \"" + pattern + "\": \"" + written + "\" names nothing;"
                        + " write a:&b or a:!b");
            }
            if (members.isName(term) || "all".equals(term) || "*".equals(term)) {
                return named(term, written, null);
            }
            if (term.startsWith("~")) {
                return matching(regex(term), term, written, exclusion, null);
            }
            Subscript subscript = Subscript.of(term, this, written);
            String expr = subscript == null ? term : term.substring(0, subscript.open());
            Set<String> hosts;
            if (members.isName(expr) || "all".equals(expr) || "*".equals(expr)) {
                hosts = named(expr, written, subscript);
            } else if (expr.matches(".*[*?\\[].*")) {
                hosts = matching(glob(expr), expr, written, exclusion, subscript);
            } else {
                hosts = named(expr, written, subscript);
            }
            return subscript == null ? hosts : subscript.apply(members.inInventoryOrder(hosts), expr, this);
        }

        /** A plain name, {@code all} or {@code *}; a name that names nothing is an error even after '!'. */
        private Set<String> named(String name, String written, Subscript subscript) throws InventoryException {
            if ("all".equals(name) || "*".equals(name)) {
                return new LinkedHashSet<>(members.inventory.hosts().keySet());
            }
            Set<String> out = new LinkedHashSet<>();
            if (members.inventory.hosts().containsKey(name)) {
                out.add(name);
            }
            out.addAll(members.of(name));
            if (out.isEmpty() && !members.groupNames().contains(name)) {
                throw nothing(name, written, subscript, true);
            }
            return out;
        }

        /** The hosts of the groups, and the hosts, whose names a glob or regex matches. */
        private Set<String> matching(Pattern regex, String expr, String written, boolean exclusion,
                Subscript subscript) throws InventoryException {
            Set<String> out = new LinkedHashSet<>();
            boolean named = false;
            for (String group : members.groupNames()) {
                if (regex.matcher(group).lookingAt()) {
                    named = true;
                    out.addAll(members.of(group));
                }
            }
            for (String host : members.inventory.hosts().keySet()) {
                if (regex.matcher(host).lookingAt()) {
                    named = true;
                    out.add(host);
                }
            }
            if (!named && !exclusion) {
                throw nothing(expr, written, subscript, false);
            }
            return out;
        }

        private InventoryException nothing(String expr, String written, Subscript subscript, boolean suggest) {
            List<String> names = new ArrayList<>(members.groupNames());
            names.addAll(members.inventory.hosts().keySet());
            String closest = suggest ? Names.closest(expr, names) : null;
            String which = pattern.trim().equals(written) && subscript == null ? ""
                    : ": \"" + (subscript == null ? written : expr) + "\" names no host or group";
            String hint = "";
            if (subscript != null) {
                hint = " (" + subscript.text() + " selects positions among the hosts " + expr + " selects, not"
                        + " names; to select by name use a glob like " + expr + "* or a ~regex)";
            } else if (commas && expr.contains(":")) {
                hint = " (in a pattern with ',' a ':' does not separate, as in Ansible; write a,b,&c or a:b:&c)";
            }
            return new InventoryException("pattern \"" + pattern + "\" matches no host in " + source + which + hint
                    + (closest == null ? "; " : "; did you mean \"" + closest + "\"? ") + "see conduit:hosts");
        }

        private Pattern regex(String term) throws InventoryException {
            String re = term.substring(1);
            try {
                return Pattern.compile(re, Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                String python = re.contains("(?P") ? "; Java writes Python's (?P<name>...) as (?<name>...)"
                        + " and (?P=name) as \\k<name>" : "";
                throw new InventoryException("pattern \"" + pattern + "\": \"" + term + "\" is not a valid regular"
                        + " expression (" + e.getDescription() + ")" + python + "; fix it or use a glob like web*",
                        e);
            }
        }

        private Pattern glob(String expr) throws InventoryException {
            try {
                return Pattern.compile(HostPattern.glob(expr));
            } catch (PatternSyntaxException e) {
                throw new InventoryException("pattern \"" + pattern + "\": \"" + expr + "\" is not a valid glob ("
                        + e.getDescription() + "); check its [...] ranges, such as [a-z]", e);
            }
        }
    }

    /**
     * A trailing {@code [i]}, {@code [-i]}, {@code [i:j]}, {@code [i:]} or {@code [:j]}.
     *
     * @param text the brackets as written
     * @param open where the brackets start in the part
     * @param start the first position, negative counting from the end (only when {@code single})
     * @param end the last position, included; -1 for the last host
     * @param single whether it names one position
     */
    private record Subscript(String text, int open, int start, int end, boolean single) {

        /** Reads the trailing subscript of a part; null when there is none (a glob's class is not one). */
        static Subscript of(String term, Context c, String written) throws InventoryException {
            if (!term.endsWith("]")) {
                return null;
            }
            int open = term.lastIndexOf('[');
            String inner = term.substring(open + 1, term.length() - 1);
            if (open <= 0 || !SUBSCRIPT_CHARS.matcher(inner).matches()) {
                return null; // "[abc]" alone, or a character class such as [a-c] or [!2]
            }
            String text = "[" + inner + "]";
            String expr = term.substring(0, open);
            String where = "pattern \"" + c.pattern() + "\": "
                    + (c.pattern().trim().equals(written) ? "" : "in \"" + written + "\", ") + "\"" + text + "\"";
            if (LEADING_ZERO.matcher(inner).find()) {
                throw new InventoryException(where + " is a subscript (positions among the hosts " + expr
                        + " selects), not a name range as in an inventory file; write " + expr + "["
                        + inner.replaceAll("(?<![0-9])0+(?=[0-9])", "") + "] for positions, or select names with a"
                        + " glob or ~regex such as " + expr + "*");
            }
            if (INDEX.matcher(inner).matches()) {
                int i = number(inner);
                return new Subscript(text, open, i, i, true);
            }
            Matcher slice = SLICE.matcher(inner);
            if (slice.matches()) {
                if (slice.group(1).isEmpty() && slice.group(2).isEmpty()) {
                    throw new InventoryException(where + " names no position; write [i:] or [:j], or drop it to"
                            + " keep every host " + expr + " selects");
                }
                int i = slice.group(1).isEmpty() ? 0 : number(slice.group(1));
                int j = slice.group(2).isEmpty() ? -1 : number(slice.group(2));
                if (j >= 0 && i > j) {
                    throw new InventoryException(where + " starts after it ends; write [" + j + ":" + i + "]"
                            + " (both ends are included)");
                }
                return new Subscript(text, open, i, j, false);
            }
            if (OLD_RANGE.matcher(inner).matches()) {
                // a regex for the names, when the name needs no escaping in one
                String names = expr.matches("[A-Za-z0-9_-]+") ? "~" + expr + text + "$" : "a ~regex";
                throw new InventoryException(where + " is Ansible's removed [x-y] subscript, not a character class;"
                        + " write " + expr + "[" + inner.replace('-', ':') + "] for those positions among the hosts "
                        + expr + " selects, or " + names + " for names ending in such a character");
            }
            throw new InventoryException(where + " is not a subscript; write " + SUBSCRIPT_FORMS
                    + ", a negative one only alone ([-1] is the last host)");
        }

        private static int number(String digits) {
            try {
                return Integer.parseInt(digits);
            } catch (NumberFormatException e) {
                return digits.startsWith("-") ? Integer.MIN_VALUE + 1 : Integer.MAX_VALUE; // out of any range
            }
        }

        /** Applies it to the hosts in inventory order; an empty list stays empty (an exclusion glob). */
        Set<String> apply(List<String> hosts, String expr, Context c) throws InventoryException {
            int n = hosts.size();
            if (n == 0) {
                return Set.of();
            }
            int first = single && start < 0 ? n + start : start;
            if (first < 0 || first >= n) {
                String positions = n == 1 ? "1 host (position 0, or -1 from the end)"
                        : n + " hosts (positions 0 to " + (n - 1) + ", or -" + n + " to -1 from the end)";
                throw new InventoryException("pattern \"" + c.pattern() + "\": " + expr + " selects " + positions
                        + ", so " + text + " selects none; see conduit:hosts " + expr);
            }
            int last = single ? first : end < 0 ? n - 1 : Math.min(end, n - 1);
            return new LinkedHashSet<>(hosts.subList(first, last + 1));
        }
    }

    /** fnmatch's translation: {@code *}, {@code ?}, {@code [seq]}, {@code [!seq]}; anchored at both ends. */
    static String glob(String glob) {
        StringBuilder re = new StringBuilder("^");
        int n = glob.length();
        int i = 0;
        while (i < n) {
            char c = glob.charAt(i++);
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                case '[' -> {
                    // as fnmatch: a ']' right after '[' or '[!' belongs to the set; an unclosed '[' is literal
                    int j = i;
                    if (j < n && glob.charAt(j) == '!') {
                        j++;
                    }
                    if (j < n && glob.charAt(j) == ']') {
                        j++;
                    }
                    while (j < n && glob.charAt(j) != ']') {
                        j++;
                    }
                    if (j >= n) {
                        re.append("\\[");
                    } else {
                        String body = glob.substring(i, j);
                        re.append('[');
                        if (body.startsWith("!")) {
                            re.append('^');
                            body = body.substring(1);
                        }
                        for (char b : body.toCharArray()) {
                            // characters Java's classes treat specially but fnmatch does not
                            if (b == '\\' || b == '[' || b == ']' || b == '^' || b == '&') {
                                re.append('\\');
                            }
                            re.append(b);
                        }
                        re.append(']');
                        i = j + 1;
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

        /** Whether a host or group has exactly this name (which then is not read as a glob or subscript). */
        boolean isName(String name) {
            return inventory.hosts().containsKey(name) || groupNames.contains(name);
        }

        List<String> inInventoryOrder(Set<String> hosts) {
            List<String> out = new ArrayList<>(hosts.size());
            for (String host : inventory.hosts().keySet()) {
                if (hosts.contains(host)) {
                    out.add(host);
                }
            }
            return out;
        }
    }
}
