package io.conduit.api.testing;

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

/**
 * The package graph of one bundle's compiled classes, for the tests that keep it free of cycles: every class name
 * and type descriptor in each class file's constant pool (JVMS 4.4) counts as a use, so an import that closes a
 * cycle shows even when only a signature or a default method names the other package. Shared through the API's
 * test-jar so that each bundle's test is a few lines.
 */
public final class PackageGraph {
    private PackageGraph() {
    }

    /**
     * Reads the graph of the classes directory (or jar's directory) a class was loaded from.
     *
     * @param anyClass a class of the bundle under test, loaded from a directory of class files
     * @param root the bundle's root package ({@code io.conduit.ssh}); names outside it are ignored
     * @return each package under ROOT that has classes, to the other packages under ROOT its classes name
     * @throws IOException a class file cannot be read or is not one
     */
    public static Map<String, Set<String>> of(Class<?> anyClass, String root) throws IOException {
        Path classes;
        try {
            classes = Path.of(anyClass.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        String internal = root.replace('.', '/');
        // a class of the bundle named in a class file: internal name or descriptor, up to its simple name
        Pattern name = Pattern.compile(Pattern.quote(internal) + "((?:/[a-z][a-z0-9_]*)*)/[A-Z$]");
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
                String pkg = classes.relativize(f.getParent()).toString().replace('\\', '/').replace('/', '.');
                if (!pkg.equals(root) && !pkg.startsWith(root + ".")) {
                    continue;
                }
                Set<String> uses = graph.computeIfAbsent(pkg, k -> new TreeSet<>());
                for (String text : utf8Constants(f)) {
                    Matcher m = name.matcher(text);
                    while (m.find()) {
                        String used = (internal + m.group(1)).replace('/', '.');
                        if (!used.equals(pkg)) {
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

    /**
     * Finds the cycles of a graph.
     *
     * @param graph package to the packages it uses
     * @return each cycle once, as the packages along it from its smallest back to it; empty when there is none
     */
    public static List<List<String>> cycles(Map<String, Set<String>> graph) {
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
