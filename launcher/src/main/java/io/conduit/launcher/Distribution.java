package io.conduit.launcher;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * The folders of an assembled distribution and the two files that drive the launcher:
 * {@code etc/config.properties} (framework properties) and {@code system/startup.properties} (start levels).
 *
 * @param home the distribution folder ({@code conduit.home})
 */
record Distribution(Path home) {
    /** System and framework property holding the distribution folder; core resolves relative paths against it. */
    static final String HOME_PROPERTY = "conduit.home";
    /** System and framework property holding the data folder (logs, history, Felix storage). */
    static final String DATA_PROPERTY = "conduit.data";

    /**
     * The distribution this launcher runs from: {@code -Dconduit.home} (set by {@code bin/conduit}), else the
     * folder above the launcher jar's {@code lib/}.
     *
     * @return the distribution
     */
    static Distribution locate() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home != null && !home.isBlank()) {
            return new Distribution(Path.of(home).toAbsolutePath().normalize());
        }
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new Distribution(jar.getParent().getParent().toAbsolutePath().normalize());
        } catch (URISyntaxException | RuntimeException e) {
            return new Distribution(Path.of("").toAbsolutePath());
        }
    }

    Path etc() {
        return home.resolve("etc");
    }

    Path system() {
        return home.resolve("system");
    }

    Path deploy() {
        return home.resolve("deploy");
    }

    /** @return {@code -Dconduit.data} (bin/conduit sets it from CONDUIT_DATA), else {@code data/} of the home */
    Path data() {
        String data = System.getProperty(DATA_PROPERTY);
        return data != null && !data.isBlank() ? Path.of(data).toAbsolutePath().normalize() : home.resolve("data");
    }

    Path log() {
        return data().resolve("log");
    }

    Path cache() {
        return data().resolve("cache");
    }

    /**
     * Reads {@code etc/config.properties} (the assembly's copy of {@code cnf/framework.properties}), substituting
     * {@code ${conduit.home}}, {@code ${conduit.data}}, earlier keys of the file and system properties.
     *
     * @return the framework properties, in file order
     * @throws IllegalStateException the file is missing or unreadable, or names an undefined variable
     */
    Map<String, String> frameworkProperties() {
        return Cnf.frameworkProperties(etc().resolve("config.properties"),
                Map.of(HOME_PROPERTY, home.toString(), DATA_PROPERTY, data().toString()));
    }

    /**
     * A bundle of {@code system/}, the level it starts at, and whether its start may run on a thread of its own
     * while the next levels start (a slow start nothing else waits for, such as the logging backend).
     */
    record SystemBundle(Path jar, int level, boolean background) {
    }

    private record Rule(PathMatcher glob, int level, boolean background) {
    }

    /**
     * Lists the jars of {@code system/} in start order: by the level {@code system/startup.properties} gives
     * them, then by file name.
     *
     * @return the bundles to install and start
     */
    List<SystemBundle> systemBundles() {
        Path startup = system().resolve("startup.properties");
        List<Rule> rules = new ArrayList<>();
        Rule fallback = new Rule(null, 50, false);
        if (Files.isRegularFile(startup)) {
            for (Map.Entry<String, String> e : orderedEntries(startup)) {
                String[] words = e.getValue().trim().split("\\s+");
                boolean background = words.length == 2 && words[1].equals("background");
                if (words.length > 2 || (words.length == 2 && !background)) {
                    throw new IllegalStateException(startup + ": " + e.getKey() + ": \"" + e.getValue() + "\" is not"
                            + " LEVEL or LEVEL background");
                }
                int level = level(startup, e.getKey(), words[0]);
                if (e.getKey().equals("default.level")) {
                    fallback = new Rule(null, level, background);
                } else {
                    rules.add(new Rule(FileSystems.getDefault().getPathMatcher("glob:" + e.getKey()), level,
                            background));
                }
            }
        }
        List<SystemBundle> bundles = new ArrayList<>();
        for (Path jar : jars(system())) {
            Rule match = fallback;
            for (Rule rule : rules) {
                if (rule.glob().matches(jar.getFileName())) {
                    match = rule;
                    break;
                }
            }
            bundles.add(new SystemBundle(jar, match.level(), match.background()));
        }
        bundles.sort(Comparator.comparingInt(SystemBundle::level)
                .thenComparing(b -> b.jar().getFileName().toString()));
        return bundles;
    }

    private static int level(Path file, String key, String value) {
        try {
            int level = Integer.parseInt(value.trim());
            if (level < 1) {
                throw new NumberFormatException();
            }
            return level;
        } catch (NumberFormatException e) {
            throw new IllegalStateException(file + ": " + key + ": \"" + value + "\" is not a start level; use a"
                    + " whole number of 1 or more");
        }
    }

    /**
     * Lists the jars of a folder in name order.
     *
     * @param dir the folder
     * @return its {@code *.jar} files; none when it does not exist
     */
    static List<Path> jars(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".jar") && Files.isRegularFile(p))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException(file + " cannot be read (" + e.getMessage() + "); the distribution"
                    + " is incomplete: rebuild it or restore the file", e);
        }
        return p;
    }

    /** Properties keep no order; the rules of startup.properties are first-match, so read the keys in order. */
    private static List<Map.Entry<String, String>> orderedEntries(Path file) {
        Properties values = load(file);
        List<Map.Entry<String, String>> entries = new ArrayList<>();
        List<String> seen = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                String t = line.strip();
                if (t.isEmpty() || t.startsWith("#") || t.startsWith("!")) {
                    continue;
                }
                int sep = Cnf.indexOfSeparator(t);
                String key = (sep < 0 ? t : t.substring(0, sep)).strip();
                if (values.containsKey(key) && !seen.contains(key)) {
                    seen.add(key);
                    entries.add(Map.entry(key, values.getProperty(key)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(file + " cannot be read: " + e.getMessage(), e);
        }
        return entries;
    }
}
