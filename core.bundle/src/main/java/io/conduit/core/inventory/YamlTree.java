package io.conduit.core.inventory;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.composer.Composer;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
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
 * Reads YAML through SnakeYAML's node API (compose, never construct: no object is ever instantiated from a
 * tag), keeping lines, finding duplicate keys with the lines of both, and applying merge keys ({@code <<}).
 */
final class YamlTree {
    /** SnakeYAML's default is 3 MB of text; an inventory of tens of thousands of hosts is bigger. */
    private static final int CODE_POINT_LIMIT = 256 * 1024 * 1024;
    private static final int MAX_ALIASES = 100_000;

    private final String file;
    private final Problems problems;
    private final Set<Node> inProgress = Collections.newSetFromMap(new IdentityHashMap<>());
    /** An alias is the same node as its anchor: convert it once, so that nested aliases cannot multiply. */
    private final Map<Node, Val> converted = new IdentityHashMap<>();

    private YamlTree(String file, Problems problems) {
        this.file = file;
        this.problems = problems;
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
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(CODE_POINT_LIMIT);
        options.setAllowRecursiveKeys(false);
        // the default (50) stops an inventory whose hosts share settings through <<: *anchor; aliases are
        // converted once each (see convert), so many of them cost no more than the anchored node
        options.setMaxAliasesForCollections(MAX_ALIASES);
        Node root;
        try {
            root = new Composer(new ParserImpl(new StreamReader(text), options), new Resolver(), options)
                    .getSingleNode();
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
        return root == null ? null : new YamlTree(file, problems).convert(root, "");
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

    private static int line(Node node) {
        return node.getStartMark() == null ? 1 : node.getStartMark().getLine() + 1;
    }

    private Val convert(Node node, String path) {
        if (node instanceof ScalarNode s) {
            return new Scalar(typed(s), s.getValue(), line(s));
        }
        Val done = converted.get(node);
        if (done != null) {
            return done;
        }
        if (!inProgress.add(node)) {
            problems.add(file, line(node), path, "an alias refers to the value that contains it; remove the recursion");
            return new Scalar(null, "", line(node));
        }
        try {
            Val val;
            if (node instanceof SequenceNode seq) {
                List<Val> items = new ArrayList<>();
                seq.getValue().forEach(item -> items.add(convert(item, path)));
                val = new Seq(items, line(seq));
            } else {
                val = convertMapping((MappingNode) node, path);
            }
            converted.put(node, val);
            return val;
        } finally {
            inProgress.remove(node);
        }
    }

    private MapVal convertMapping(MappingNode map, String path) {
        Map<String, Entry> entries = new LinkedHashMap<>();
        List<MapVal> merged = new ArrayList<>();
        for (NodeTuple tuple : map.getValue()) {
            Node keyNode = tuple.getKeyNode();
            if (keyNode.getTag().equals(Tag.MERGE)) {
                collectMerge(tuple.getValueNode(), merged, path);
                continue;
            }
            if (!(keyNode instanceof ScalarNode key)) {
                problems.add(file, line(keyNode), path, "a key must be text, not "
                        + (keyNode instanceof SequenceNode ? "a list" : "a mapping") + "; write the key as text");
                continue;
            }
            String name = key.getValue();
            String keyPath = path.isEmpty() ? name : path + "." + name;
            Entry previous = entries.get(name);
            if (previous != null) {
                // SnakeYAML only finds duplicates when constructing; composing, we see both and can name both lines
                problems.add(file, line(key), keyPath, "duplicate key " + Names.quote(name) + " (first at line "
                        + previous.line() + "); each key may appear once in a mapping, merge the two entries");
                continue;
            }
            entries.put(name, new Entry(name, line(key), convert(tuple.getValueNode(), keyPath)));
        }
        for (MapVal m : merged) {
            m.entries().forEach(entries::putIfAbsent); // keys written explicitly win over merged ones
        }
        return new MapVal(entries, line(map));
    }

    private void collectMerge(Node value, List<MapVal> merged, String path) {
        if (value instanceof MappingNode m) {
            Val v = convert(m, path);
            if (v instanceof MapVal mv) {
                merged.add(mv);
            }
        } else if (value instanceof SequenceNode seq) {
            for (Node item : seq.getValue()) {
                collectMerge(item, merged, path);
            }
        } else {
            problems.add(file, line(value), path.isEmpty() ? "<<" : path + ".<<", "a merge key needs a mapping or a list of mappings; use <<: *anchor");
        }
    }

    private static Object typed(ScalarNode s) {
        Tag tag = s.getTag();
        String text = s.getValue();
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
