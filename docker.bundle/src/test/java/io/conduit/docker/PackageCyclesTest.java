package io.conduit.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;

import org.junit.jupiter.api.Test;

import io.conduit.docker.connection.DockerPlugin;

/** The bundle's own packages depend on each other without a cycle (read from the class files by jdeps). */
class PackageCyclesTest {
    private static final String ROOT = "io.conduit.docker";
    private static final Pattern EDGE = Pattern.compile("^\\s+(\\S+)\\s+->\\s+(\\S+)");

    @Test
    void thePackagesFormNoCycle() throws Exception {
        Map<String, Set<String>> graph = graph();
        assertTrue(graph.keySet().containsAll(List.of(ROOT + ".connection", ROOT + ".exec", ROOT + ".transfer")),
                graph.toString());
        List<String> cycle = cycle(graph);
        assertEquals(List.of(), cycle, "package cycle " + String.join(" -> ", cycle) + " in " + graph);
    }

    /** @return each package of the bundle and the bundle's packages it uses */
    static Map<String, Set<String>> graph() throws Exception {
        Path classes = Path.of(DockerPlugin.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = jdeps.run(new PrintWriter(out), new PrintWriter(err), "-verbose:package", "-filter:none",
                "--ignore-missing-deps", classes.toString());
        assertEquals(0, code, err.toString());
        Map<String, Set<String>> graph = new TreeMap<>();
        for (String line : out.toString().split("\n")) {
            Matcher m = EDGE.matcher(line);
            if (m.find() && m.group(1).startsWith(ROOT + ".")) {
                Set<String> uses = graph.computeIfAbsent(m.group(1), p -> new TreeSet<>());
                if (m.group(2).startsWith(ROOT + ".") && !m.group(2).equals(m.group(1))) {
                    uses.add(m.group(2));
                }
            }
        }
        return graph;
    }

    /** @return a cycle as a list of packages (first repeated last), or an empty list */
    private static List<String> cycle(Map<String, Set<String>> graph) {
        Set<String> done = new TreeSet<>();
        for (String start : graph.keySet()) {
            List<String> found = visit(start, graph, new ArrayList<>(), done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private static List<String> visit(String p, Map<String, Set<String>> graph, List<String> path, Set<String> done) {
        int at = path.indexOf(p);
        if (at >= 0) {
            List<String> cycle = new ArrayList<>(path.subList(at, path.size()));
            cycle.add(p);
            return cycle;
        }
        if (done.contains(p)) {
            return List.of();
        }
        path.add(p);
        for (String next : graph.getOrDefault(p, Set.of())) {
            List<String> found = visit(next, graph, path, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        path.remove(path.size() - 1);
        done.add(p);
        return List.of();
    }
}
