package io.conduit.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads what the build and the run share, the files of the source tree's top-level {@code cnf/}: the run bundles
 * ({@code cnf/runbundles.txt}) and the framework properties ({@code cnf/framework.properties}). The launcher's
 * assembly ({@link #main}) makes {@code system/} and {@code etc/config.properties} of the distribution from them,
 * {@link Distribution} reads that copy of the properties at every start, and the Pax Exam tests (itests/) provision
 * their framework from the same two files, so that nothing of either is written twice.
 */
public final class Cnf {
    /** The file of the run bundles, relative to {@code cnf/}. */
    public static final String RUN_BUNDLES = "runbundles.txt";
    /** The file of the framework properties, relative to {@code cnf/}. */
    public static final String FRAMEWORK_PROPERTIES = "framework.properties";
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([^}]+)}");
    private static final Pattern COORDINATES = Pattern.compile("([\\w.-]+):([\\w.-]+)");

    private Cnf() {
    }

    /**
     * A bundle of the framework, by its Maven coordinates; the version is the root pom's (dependencyManagement).
     *
     * @param groupId its group
     * @param artifactId its artifact, also the start of its file name in {@code system/}
     */
    public record RunBundle(String groupId, String artifactId) {
        @Override
        public String toString() {
            return groupId + ":" + artifactId;
        }

        /**
         * Finds this bundle's jar in a folder of {@code ARTIFACTID-VERSION.jar} files, such as {@code system/}.
         *
         * @param dir the folder
         * @return the jar
         * @throws IllegalStateException none or more than one jar of this artifact is there
         */
        public Path jarIn(Path dir) {
            Pattern name = Pattern.compile(Pattern.quote(artifactId) + "-\\d[^/]*\\.jar");
            List<Path> found;
            try (Stream<Path> files = Files.list(dir)) {
                found = files.filter(p -> name.matcher(p.getFileName().toString()).matches()).sorted().toList();
            } catch (IOException e) {
                throw new IllegalStateException(dir + " cannot be listed: " + e.getMessage(), e);
            }
            if (found.size() != 1) {
                throw new IllegalStateException(dir + " holds " + found.size() + " jars of " + this + " "
                        + found.stream().map(p -> p.getFileName().toString()).toList() + "; expected exactly one"
                        + " (rebuild the distribution: ./mvnw install -pl launcher -am)");
            }
            return found.get(0);
        }
    }

    /**
     * Reads a list of run bundles: one {@code groupId:artifactId} a line, in the order to install them; blank lines
     * and {@code #} comments are skipped.
     *
     * @param file the list, normally {@code cnf/runbundles.txt}
     * @return the bundles, in file order
     * @throws IllegalStateException the file cannot be read, or a line is not {@code groupId:artifactId}, or one
     *         is listed twice (the message names the file and line)
     */
    public static List<RunBundle> runBundles(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(file + " cannot be read: " + e.getMessage(), e);
        }
        List<RunBundle> bundles = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            Matcher m = COORDINATES.matcher(line);
            if (!m.matches()) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": \"" + line + "\" is not groupId:artifactId"
                        + " (the version is the root pom's)");
            }
            RunBundle bundle = new RunBundle(m.group(1), m.group(2));
            if (bundles.contains(bundle)) {
                throw new IllegalStateException(file + ":" + (i + 1) + ": " + bundle + " is listed twice");
            }
            bundles.add(bundle);
        }
        return bundles;
    }

    /**
     * Reads framework properties, substituting {@code ${NAME}} with a known value, an earlier key of the file, or a
     * system property, in that order.
     *
     * @param file the properties, normally {@code cnf/framework.properties} or the distribution's copy
     * @param known values given by the caller, such as {@code conduit.home} and {@code conduit.data}
     * @return the properties, in file order
     * @throws IllegalStateException the file is missing or unreadable, or names a variable nothing defines
     */
    public static Map<String, String> frameworkProperties(Path file, Map<String, String> known) {
        Properties raw = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            raw.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(file + " cannot be read (" + e.getMessage() + "); the distribution"
                    + " is incomplete: rebuild it or restore the file", e);
        }
        Map<String, String> values = new LinkedHashMap<>(known);
        Map<String, String> result = new LinkedHashMap<>();
        for (String key : orderedKeys(file, raw)) {
            String value = substitute(file, key, raw.getProperty(key), values);
            values.put(key, value);
            result.put(key, value);
        }
        return result;
    }

    private static String substitute(Path file, String key, String value, Map<String, String> known) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1);
            String replacement = known.containsKey(name) ? known.get(name) : System.getProperty(name);
            if (replacement == null) {
                throw new IllegalStateException(file + ": " + key + ": ${" + name + "} is not defined; define it"
                        + " earlier in the file or as a system property (-D" + name + "=...)");
            }
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Properties keep no order, and a value may name an earlier key: read the keys in file order. */
    private static List<String> orderedKeys(Path file, Properties values) {
        List<String> keys = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#") || t.startsWith("!")) {
                    continue;
                }
                int sep = indexOfSeparator(t);
                String key = (sep < 0 ? t : t.substring(0, sep)).strip();
                if (values.containsKey(key) && !keys.contains(key)) {
                    keys.add(key);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read: " + e.getMessage(), e);
        }
        // a key the line scan missed (a continuation line, an escaped separator) still counts, last
        for (String key : values.stringPropertyNames()) {
            if (!keys.contains(key)) {
                keys.add(key);
            }
        }
        return keys;
    }

    static int indexOfSeparator(String line) {
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '=' || c == ':' || Character.isWhitespace(c)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The assembly's step (launcher/pom.xml runs it in the package phase): copies each run bundle from a folder in
     * Maven's repository layout, where maven-dependency-plugin put the launcher's resolved dependencies, into the
     * distribution's {@code system/} as {@code ARTIFACTID-VERSION.jar}.
     *
     * @param args {@code RUNBUNDLES_FILE RESOLVED_DIR SYSTEM_DIR}
     * @throws IOException a copy failed
     * @throws IllegalStateException a listed bundle was not resolved: it is missing from the launcher's
     *         dependencies (or from the root pom's dependencyManagement)
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: Cnf RUNBUNDLES_FILE RESOLVED_DIR SYSTEM_DIR");
        }
        Path list = Path.of(args[0]);
        Path resolved = Path.of(args[1]);
        Path system = Path.of(args[2]);
        Files.createDirectories(system);
        for (RunBundle bundle : runBundles(list)) {
            Path dir = resolved.resolve(bundle.groupId().replace('.', '/')).resolve(bundle.artifactId());
            List<Path> versions = List.of();
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    versions = files.filter(Files::isDirectory).toList();
                }
            }
            if (versions.size() != 1) {
                throw new IllegalStateException(list + ": " + bundle + " was " + (versions.isEmpty() ? "not resolved"
                        : "resolved in " + versions.size() + " versions") + "; declare it once among the"
                        + " run bundles' dependencies of launcher/pom.xml, its version in the root pom");
            }
            String version = versions.get(0).getFileName().toString();
            String name = bundle.artifactId() + "-" + version + ".jar";
            Files.copy(versions.get(0).resolve(name), system.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
