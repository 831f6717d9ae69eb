package io.conduit.core.inventory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.events.AliasEvent;
import org.yaml.snakeyaml.events.Event;
import org.yaml.snakeyaml.events.NodeEvent;
import org.yaml.snakeyaml.events.ScalarEvent;
import org.yaml.snakeyaml.events.SequenceStartEvent;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.parser.Parser;
import org.yaml.snakeyaml.parser.ParserImpl;
import org.yaml.snakeyaml.reader.StreamReader;
import org.yaml.snakeyaml.resolver.Resolver;

import io.conduit.api.inventory.InventoryException;
import io.conduit.core.inventory.Tree.Entry;
import io.conduit.core.inventory.Tree.MapVal;
import io.conduit.core.inventory.Tree.Scalar;
import io.conduit.core.inventory.Tree.Seq;
import io.conduit.core.inventory.Tree.Val;

/**
 * Reads YAML from SnakeYAML's parser events (never constructing: no object is ever instantiated from a tag),
 * keeping lines, finding duplicate keys with the lines of both, applying merge keys ({@code <<}), and keeping
 * the {@link Limits} on nesting and aliases.
 */
final class YamlTree {
    /** SnakeYAML's default is 3 MB of text; the loader refuses bigger files before they are read. */
    private static final int CODE_POINT_LIMIT = (int) Limits.MAX_FILE_BYTES;
    /** SnakeYAML's default (50) would refuse an inventory whose hosts share settings through {@code <<: *anchor}. */
    private static final int MAX_ALIASES = 100_000;

    private final String file;
    private final Problems problems;
    /** Whether a scalar tagged {@code !vault} is an Ansible vault value (see {@link #parse(String, String,
     * Problems, boolean)}). */
    private final boolean vault;
    private static final Resolver RESOLVER = new Resolver();
    /** Ansible's tag for a value encrypted with {@code ansible-vault encrypt_string}. */
    private static final String VAULT_TAG = "!vault";
    /** Anchors whose value is being read: an alias to one of them is a recursion. */
    private final Set<String> inProgress = new HashSet<>();
    /** An alias is the same value as its anchor, shared, so that nested aliases cannot multiply in memory. */
    private final Map<String, Val> anchors = new HashMap<>();
    private int aliases;
    /** Values read from the text (mappings, lists, scalars): what aliases expand beyond counts against the limit. */
    private long values;
    /**
     * One copy of each key text: a 200,000-host file writes {@code hostname} 200,000 times, and the keys live as
     * long as the tree (and the group names in the hosts as long as the inventory).
     */
    private final Map<String, String> keys = new HashMap<>();

    private YamlTree(String file, Problems problems, boolean vault) {
        this.file = file;
        this.problems = problems;
        this.vault = vault;
    }

    /**
     * Parses one YAML document.
     *
     * @param text the file's content
     * @param file the file, for messages
     * @param problems where duplicate keys and the like go
     * @return the root, or {@code null} for an empty document
     * @throws InventoryException a syntax error, naming the line
     */
    static Val parse(String text, String file, Problems problems) throws InventoryException {
        return parse(text, file, problems, false);
    }

    /**
     * Parses one YAML document of an Ansible inventory or vars file: as {@link #parse(String, String, Problems)},
     * except that a scalar tagged {@code !vault} (Ansible's encrypted value, {@code key: !vault |} and the
     * ciphertext) is read as {@link AnsibleModel.Vaulted} instead of its text, so that no one mistakes the
     * ciphertext for the value. Only that tag changes; every other tag, limit and check is the same.
     *
     * @param text the file's content
     * @param file the file, for messages
     * @param problems where duplicate keys and the like go
     * @param vault whether {@code !vault} scalars are vault values
     * @return the root, or {@code null} for an empty document
     * @throws InventoryException a syntax error, naming the line
     */
    static Val parse(String text, String file, Problems problems, boolean vault) throws InventoryException {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(CODE_POINT_LIMIT);
        // the parser keeps no tree: aliases, recursion and nesting are limited in value() below, where an alias
        // is the anchored value itself, so that many of them cost no more than the value
        YamlTree tree = new YamlTree(file, problems, vault);
        Val root;
        try {
            // built straight from the parser's events: SnakeYAML's own node tree (two marks per value) would
            // hold three times the memory of ours while both exist, and a 2 MiB file of tiny values then needs
            // more than the 100 MB a malformed input may take to refuse
            root = tree.document(new ParserImpl(new StreamReader(text), options));
        } catch (MarkedYAMLException e) {
            int line = e.getProblemMark() != null ? e.getProblemMark().getLine() + 1
                    : e.getContextMark() != null ? e.getContextMark().getLine() + 1 : 1;
            int column = e.getProblemMark() != null ? e.getProblemMark().getColumn() + 1 : 0;
            String problem = explain(e.getProblem() != null ? e.getProblem() : e.getMessage());
            String context = "";
            if (e.getContext() != null) {
                int contextLine = e.getContextMark() == null ? line : e.getContextMark().getLine() + 1;
                context = " (" + e.getContext().trim() + (contextLine != line ? " that starts on line " + contextLine
                        : "") + ")";
            }
            throw new InventoryException(file + ":" + line + ": YAML syntax error" + (column > 0 ? " at column "
                    + column : "") + ": " + problem.trim() + context
                    + "; check the indentation, colons and quoting on that line", e);
        } catch (YAMLException e) {
            throw new InventoryException(file + ":1: YAML cannot be read: " + e.getMessage()
                    + "; fix the file or split it", e);
        }
        if (root == null) {
            return null;
        }
        if (tree.aliases > 0) { // without aliases to mappings or lists no value is shared: nothing can multiply
            checkExpansion(root, file, tree.values);
        }
        return root;
    }

    /**
     * Refuses a document whose aliases expand it by more than {@link Limits#MAX_EXPANDED_VALUES} values beyond
     * the {@code written} ones, naming the innermost value that multiplies them ("billion laughs": nine aliases
     * of nine aliases of...). What is written counts apart: a 250,000-host file holds a million values by itself.
     */
    private static void checkExpansion(Val root, String file, long written) throws InventoryException {
        Map<Val, Long> sizes = new IdentityHashMap<>();
        if (expanded(root, sizes) - written <= Limits.MAX_EXPANDED_VALUES) {
            return;
        }
        Val at = root;
        String path = "";
        descend:
        while (true) {
            if (at instanceof MapVal m) {
                for (Entry e : m.entries().values()) {
                    if (sizes.getOrDefault(e.value(), 1L) > Limits.MAX_EXPANDED_VALUES) {
                        at = e.value();
                        path = path.isEmpty() ? e.key() : path + "." + e.key();
                        continue descend;
                    }
                }
            } else if (at instanceof Seq seq) {
                for (Val item : seq.items()) {
                    if (sizes.getOrDefault(item, 1L) > Limits.MAX_EXPANDED_VALUES) {
                        at = item;
                        continue descend;
                    }
                }
            }
            break;
        }
        throw new InventoryException(file + ":" + at.line() + ": " + (path.isEmpty() ? "" : path + ": ")
                + "aliases (*name) make this value expand to more than " + Limits.count(Limits.MAX_EXPANDED_VALUES)
                + " values; an inventory needs far fewer, use fewer nested aliases or write the values out");
    }

    /** The number of values {@code val} stands for with aliases expanded, saturating past the limit. */
    private static long expanded(Val val, Map<Val, Long> sizes) {
        if (val instanceof Scalar) {
            return 1;
        }
        Long known = sizes.get(val);
        if (known != null) {
            return known;
        }
        long n = 1;
        if (val instanceof MapVal m) {
            for (Entry e : m.entries().values()) {
                n = Math.min(n + 1 + expanded(e.value(), sizes), Long.MAX_VALUE / 4);
            }
        } else {
            for (Val item : ((Seq) val).items()) {
                n = Math.min(n + expanded(item, sizes), Long.MAX_VALUE / 4);
            }
        }
        sizes.put(val, n);
        return n;
    }

    /** SnakeYAML speaks of its parser's states; say what an operator would see in the file. */
    private static String explain(String problem) {
        String p = problem.trim();
        if (p.startsWith("expected <block end>")) {
            return "this line is not indented like the keys above it (" + p + ")";
        }
        if (p.startsWith("mapping values are not allowed here")) {
            return "a ':' where no key can start; check the indentation, or quote a value that contains ': ' ("
                    + p + ")";
        }
        return p;
    }

    private static int line(Event event) {
        return event.getStartMark() == null ? 1 : event.getStartMark().getLine() + 1;
    }

    /** The one document of the stream, or {@code null} when there is none. */
    private Val document(Parser parser) throws InventoryException {
        parser.getEvent(); // stream start
        if (parser.checkEvent(Event.ID.StreamEnd)) {
            return null;
        }
        parser.getEvent(); // document start
        Val root = value(parser, "", 0);
        parser.getEvent(); // document end
        if (!parser.checkEvent(Event.ID.StreamEnd)) {
            throw new InventoryException(file + ":" + line(parser.peekEvent()) + ": a second YAML document starts"
                    + " here (---); an inventory file holds one, remove the second or move it to its own file");
        }
        return root;
    }

    /** Reads the value the next events hold: a scalar, an alias, a list or a mapping. */
    private Val value(Parser parser, String path, int depth) throws InventoryException {
        Event event = parser.getEvent();
        values++;
        int line = line(event);
        if (event instanceof AliasEvent alias) {
            String anchor = alias.getAnchor();
            if (inProgress.contains(anchor)) {
                problems.add(file, line, path, "an alias refers to the value that contains it; remove the recursion");
                return new Scalar(null, "", line);
            }
            Val target = anchors.get(anchor);
            if (target == null) {
                throw new InventoryException(file + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ") + "*"
                        + anchor + " refers to no anchor &" + anchor + " before it; define the anchor first");
            }
            if (!(target instanceof Scalar) && ++aliases > MAX_ALIASES) {
                throw new InventoryException(file + ":" + line + ": more than " + Limits.count(MAX_ALIASES)
                        + " aliases (*name) to mappings and lists; write the values out, or share them through"
                        + " groups");
            }
            return target;
        }
        if (event instanceof ScalarEvent scalar) {
            Object typed = vault && VAULT_TAG.equals(scalar.getTag()) ? new AnsibleModel.Vaulted()
                    : typed(scalarTag(scalar), scalar.getValue());
            Val val = new Scalar(typed, scalar.getValue(), line);
            if (scalar.getAnchor() != null) {
                anchors.put(scalar.getAnchor(), val);
            }
            return val;
        }
        if (depth >= Limits.MAX_DEPTH) {
            throw new InventoryException(file + ":" + line + ": " + (path.isEmpty() ? "" : path + ": ")
                    + "mappings and lists nest deeper than " + Limits.MAX_DEPTH + " levels; an inventory needs a"
                    + " handful, flatten the data");
        }
        String anchor = ((NodeEvent) event).getAnchor();
        if (anchor != null) {
            inProgress.add(anchor);
        }
        Val val;
        if (event instanceof SequenceStartEvent) {
            List<Val> items = new ArrayList<>();
            while (!parser.checkEvent(Event.ID.SequenceEnd)) {
                items.add(value(parser, path, depth + 1));
            }
            parser.getEvent();
            val = new Seq(items, line);
        } else {
            val = mapping(parser, path, depth, line);
        }
        if (anchor != null) {
            inProgress.remove(anchor);
            anchors.put(anchor, val);
        }
        return val;
    }

    private MapVal mapping(Parser parser, String path, int depth, int line) throws InventoryException {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<MapVal> merged = new ArrayList<>();
        while (!parser.checkEvent(Event.ID.MappingEnd)) {
            Event keyEvent = parser.peekEvent();
            int keyLine = line(keyEvent);
            if (keyEvent instanceof ScalarEvent key && isMerge(key)) {
                parser.getEvent();
                collectMerge(value(parser, path, depth + 1), merged, path);
                continue;
            }
            Val keyVal = value(parser, path, depth + 1);
            if (!(keyVal instanceof Scalar key)) {
                problems.add(file, keyLine, path, "a key must be text, not " + keyVal.kind() + "; write the key as text");
                value(parser, path, depth + 1);
                continue;
            }
            String name = keys.computeIfAbsent(key.text(), k -> k);
            String keyPath = path.isEmpty() ? name : path + "." + name;
            Entry previous = entries.get(name);
            if (previous != null) {
                // SnakeYAML only finds duplicates when constructing; composing, we see both and can name both lines
                problems.add(file, keyLine, keyPath, "duplicate key " + Names.quote(name) + " (first at line "
                        + previous.line() + "); each key may appear once in a mapping, merge the two entries");
                value(parser, keyPath, depth + 1);
                continue;
            }
            entries.put(name, new Entry(name, keyLine, value(parser, keyPath, depth + 1)));
        }
        parser.getEvent();
        for (MapVal m : merged) {
            m.entries().forEach(entries::putIfAbsent); // keys written explicitly win over merged ones
        }
        return new MapVal(entries, line);
    }

    private void collectMerge(Val value, List<MapVal> merged, String path) {
        if (value instanceof MapVal m) {
            merged.add(m);
        } else if (value instanceof Seq seq && seq.items().stream().allMatch(MapVal.class::isInstance)) {
            seq.items().forEach(item -> merged.add((MapVal) item));
        } else {
            problems.add(file, value.line(), path.isEmpty() ? "<<" : path + ".<<",
                    "a merge key needs a mapping or a list of mappings; use <<: *anchor");
        }
    }

    /** Whether a key is {@code <<}: what {@code Tag.MERGE.equals(scalarTag(key))} says, without the resolver. */
    private static boolean isMerge(ScalarEvent key) {
        String tag = key.getTag();
        if (tag == null || tag.equals("!")) {
            return key.getImplicit().canOmitTagInPlainScalar() && "<<".equals(key.getValue());
        }
        return Tag.MERGE.getValue().equals(tag);
    }

    /** The tag SnakeYAML's composer would give the scalar: the explicit one, else the one its text resolves to. */
    private static Tag scalarTag(ScalarEvent scalar) {
        String tag = scalar.getTag();
        if (tag == null || tag.equals("!")) {
            boolean plain = scalar.getImplicit().canOmitTagInPlainScalar();
            if (plain && isPlainText(scalar.getValue())) {
                return Tag.STR;
            }
            return RESOLVER.resolve(NodeId.scalar, scalar.getValue(), plain);
        }
        return new Tag(tag);
    }

    /**
     * Whether the resolver would surely call a plain scalar text: one starting with a letter that starts no YAML
     * 1.1 boolean or null (host names, keys), or digits with two or more dots and nothing else (IPv4
     * addresses: no number has two dots). Most of a big inventory's scalars are such, and the resolver tries its
     * regular expressions on each (it was the first cost of loading 200,000 hosts).
     */
    static boolean isPlainText(String text) {
        if (text.isEmpty()) {
            return false;
        }
        char first = text.charAt(0);
        if ((first >= 'a' && first <= 'z' || first >= 'A' && first <= 'Z') && "yYnNtTfFoO".indexOf(first) < 0) {
            return true;
        }
        int dots = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots >= 2;
    }

    private static Object typed(Tag tag, String text) {
        if (tag.equals(Tag.NULL)) {
            return null;
        }
        if (tag.equals(Tag.BOOL)) {
            return switch (text.toLowerCase(Locale.ROOT)) {
                case "true", "yes", "on", "y" -> Boolean.TRUE;
                default -> Boolean.FALSE;
            };
        }
        if (tag.equals(Tag.INT)) {
            return integer(text);
        }
        if (tag.equals(Tag.FLOAT)) {
            return floating(text);
        }
        return text;
    }

    private static Object integer(String text) {
        String t = text.replace("_", "");
        boolean negative = t.startsWith("-");
        if (t.startsWith("-") || t.startsWith("+")) {
            t = t.substring(1);
        }
        int radix = 10;
        if (t.startsWith("0x")) {
            radix = 16;
            t = t.substring(2);
        } else if (t.startsWith("0b")) {
            radix = 2;
            t = t.substring(2);
        } else if (t.length() > 1 && t.startsWith("0")) {
            radix = 8;
            t = t.substring(1);
        }
        try {
            BigInteger value = new BigInteger(t, radix);
            value = negative ? value.negate() : value;
            return value.bitLength() < 64 ? (Object) value.longValue() : value;
        } catch (NumberFormatException e) {
            return text; // sexagesimal (1:30) and the like: keep what was written
        }
    }

    private static Object floating(String text) {
        String t = text.replace("_", "").toLowerCase(Locale.ROOT);
        switch (t) {
            case ".inf", "+.inf":
                return Double.POSITIVE_INFINITY;
            case "-.inf":
                return Double.NEGATIVE_INFINITY;
            case ".nan":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(t);
                } catch (NumberFormatException e) {
                    return text;
                }
        }
    }
}
