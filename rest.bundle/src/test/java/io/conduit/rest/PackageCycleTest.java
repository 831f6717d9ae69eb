package io.conduit.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The plugin's packages depend on each other without a cycle: read from the compiled classes (every class name
 * and type descriptor in each class file's constant pool), so that a cycle fails the build the moment it is
 * written, whatever the source looks like.
 */
class PackageCycleTest {
    private static final String ROOT = "io/conduit/rest";
    /** A name of one of this bundle's classes inside a constant: its package is everything before the class. */
    private static final Pattern NAME = Pattern.compile(ROOT + "((?:/[a-z][a-z0-9_]*)*)/[A-Z][\\w$]*");

    @Test
    void packagesHaveNoCycle() throws IOException, URISyntaxException {
        Map<String, Set<String>> graph = graph();
        System.out.println("PackageCycleTest: rest.bundle's package graph (package -> packages it uses):");
        graph.forEach((from, to) -> System.out.println("  " + from + " -> " + to));
        List<String> cycle = cycle(graph);
        assertTrue(cycle.isEmpty(), "package cycle: " + String.join(" -> ", cycle));
    }

    @Test
    void theCheckFindsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a"));
        assertEquals(List.of("a", "b", "c", "a"), cycle(graph));
    }

    /** @return each package of the bundle and the bundle's other packages its classes name */
    private static Map<String, Set<String>> graph() throws IOException, URISyntaxException {
        Path classes = Path.of(RestPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, Set<String>> graph = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        assertTrue(files.size() > 10, "no classes found in " + classes);
        for (Path file : files) {
            String name = classes.relativize(file).toString().replace('\\', '/');
            if (!name.startsWith(ROOT + "/") || name.endsWith("package-info.class")) {
                continue;
            }
            String from = packageOf(name.substring(0, name.lastIndexOf('/')));
            Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
            try (InputStream in = Files.newInputStream(file)) {
                for (String constant : strings(in)) {
                    Matcher m = NAME.matcher(constant);
                    while (m.find()) {
                        String used = packageOf(ROOT + m.group(1));
                        if (!used.equals(from)) {
                            to.add(used);
                        }
                    }
                }
            }
        }
        return graph;
    }

    private static String packageOf(String internal) {
        return internal.replace('/', '.');
    }

    /** @return the UTF-8 constants of a class file (class names and descriptors among them) */
    private static List<String> strings(InputStream file) throws IOException {
        DataInputStream in = new DataInputStream(file);
        if (in.readInt() != 0xCAFEBABE) {
            throw new IOException("not a class file");
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        List<String> out = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> out.add(in.readUTF());
                case 7, 8, 16, 19, 20 -> in.skipBytes(2);
                case 15 -> in.skipBytes(3);
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
                case 5, 6 -> {
                    in.skipBytes(8);
                    i++; // a long or a double takes two entries
                }
                default -> throw new IOException("unknown constant pool tag " + tag);
            }
        }
        return out;
    }

    /** @return a cycle as its packages with the first repeated at the end, or an empty list */
    static List<String> cycle(Map<String, Set<String>> graph) {
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            Deque<String> path = new ArrayDeque<>();
            List<String> found = visit(start, graph, path, new TreeSet<>(), done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<String> visit(String node, Map<String, Set<String>> graph, Deque<String> path,
            Set<String> onPath, Set<String> done) {
        if (onPath.contains(node)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (String p : path) {
                in |= p.equals(node);
                if (in) {
                    cycle.add(p);
                }
            }
            cycle.add(node);
            return cycle;
        }
        if (done.contains(node)) {
            return List.of();
        }
        path.addLast(node);
        onPath.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            List<String> found = visit(next, graph, path, onPath, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.removeLast();
        onPath.remove(node);
        done.add(node);
        return List.of();
    }
}
