package io.conduit.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
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
 * The bundle's packages depend on each other without a cycle: read from the compiled classes (every class name
 * and type descriptor in their constant pools), so that a new import that closes a cycle fails here.
 */
class PackageCyclesTest {
    private static final String ROOT = "io/conduit/ssh";
    /** A class of this bundle named in a class file: internal name or descriptor, up to its simple name. */
    private static final Pattern NAME = Pattern.compile(Pattern.quote(ROOT) + "((?:/[a-z][a-z0-9_]*)*)/[A-Z$]");

    @Test
    void thePackageGraphHasNoCycle() throws IOException {
        Path classes = Path.of(SshPlugin.class.getProtectionDomain().getCodeSource().getLocation().getPath());
        Map<String, Set<String>> graph = graph(classes);
        assertTrue(graph.size() >= 4, "the bundle's packages were found: " + graph.keySet());
        assertEquals(List.of(), cycles(graph), "package cycles in " + graph);
    }

    @Test
    void aCycleIsFound() {
        Map<String, Set<String>> graph = new TreeMap<>(Map.of("a", Set.of("b"), "b", Set.of("c"), "c", Set.of("a"),
                "d", Set.of("a")));
        assertEquals(List.of(List.of("a", "b", "c", "a")), cycles(graph));
    }

    /**
     * @param classes a directory of compiled classes
     * @return package to the other packages of this bundle its classes name
     */
    static Map<String, Set<String>> graph(Path classes) throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String pkg = classes.relativize(f.getParent()).toString().replace('\\', '/');
                Set<String> uses = graph.computeIfAbsent(pkg.replace('/', '.'), k -> new TreeSet<>());
                for (String text : utf8Constants(f)) {
                    Matcher m = NAME.matcher(text);
                    while (m.find()) {
                        String used = (ROOT + m.group(1)).replace('/', '.');
                        if (!used.equals(pkg.replace('/', '.'))) {
                            uses.add(used);
                        }
                    }
                }
            }
        }
        return graph;
    }

    /** The UTF-8 constants of a class file (JVMS 4.4): class names and descriptors among them. */
    private static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            in.readInt(); // magic
            in.readUnsignedShort(); // minor
            in.readUnsignedShort(); // major
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> out.add(in.readUTF());
                    case 3, 4, 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++; // takes two entries
                    }
                    case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException(classFile + ": unknown constant pool tag " + tag);
                }
            }
        }
        return out;
    }

    /** @return each cycle once, as the packages along it from its smallest back to it */
    static List<List<String>> cycles(Map<String, Set<String>> graph) {
        List<List<String>> found = new ArrayList<>();
        Set<String> seen = new TreeSet<>();
        for (String start : graph.keySet()) {
            Deque<List<String>> paths = new ArrayDeque<>();
            paths.push(List.of(start));
            while (!paths.isEmpty()) {
                List<String> path = paths.pop();
                for (String next : graph.getOrDefault(path.get(path.size() - 1), Set.of())) {
                    if (next.equals(start)) {
                        List<String> cycle = new ArrayList<>(path);
                        cycle.add(start);
                        if (seen.add(String.join(">", new TreeSet<>(path)))) {
                            found.add(cycle);
                        }
                    } else if (!path.contains(next) && next.compareTo(start) > 0) {
                        List<String> longer = new ArrayList<>(path);
                        longer.add(next);
                        paths.push(longer);
                    }
                }
            }
        }
        return found;
    }
}
