package io.conduit.core.inventory;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The rules for paths on the machine Conduit runs on, in one place: {@code ~/} is the home of the user running
 * Conduit; a path an operator types is read from the working directory (the command's: {@link #workingDirectory()}); a path from a configuration file from the
 * Conduit home; a path inside an inventory ({@code ${file:...}}) from the inventory's directory. Stateless.
 */
public final class LocalPaths {
    /**
     * The working directory of the command this thread runs, when it is not the JVM's: a resident Conduit
     * ({@code bin/conduit start}) runs the commands of many clients, each from its own directory.
     */
    private static final ThreadLocal<Path> WORKING_DIRECTORY = new ThreadLocal<>();

    private LocalPaths() {
    }

    /**
     * The directory relative paths an operator typed are read from: the one the running command was given
     * ({@link #inWorkingDirectory}), else the JVM's.
     *
     * @return an absolute path
     */
    public static Path workingDirectory() {
        Path dir = WORKING_DIRECTORY.get();
        return dir != null ? dir : Path.of("").toAbsolutePath();
    }

    /**
     * Runs a command with relative typed paths read from {@code dir} on this thread (nested calls restore the
     * outer directory when they end).
     *
     * @param dir the caller's working directory; {@code null} or a relative path keeps the current one
     * @param work the command
     * @param <T> what it returns
     * @return what {@code work} returned
     */
    public static <T> T inWorkingDirectory(Path dir, java.util.function.Supplier<T> work) {
        if (dir == null || !dir.isAbsolute()) {
            return work.get();
        }
        Path outer = WORKING_DIRECTORY.get();
        WORKING_DIRECTORY.set(dir.normalize());
        try {
            return work.get();
        } finally {
            if (outer == null) {
                WORKING_DIRECTORY.remove();
            } else {
                WORKING_DIRECTORY.set(outer);
            }
        }
    }

    /**
     * Expands a leading {@code ~/} to the home of the user running Conduit.
     *
     * @param path a path as written, not {@code null}
     * @return the path with the home expanded; other paths unchanged
     */
    public static String expandHome(String path) {
        return path.startsWith("~/") ? System.getProperty("user.home") + path.substring(1) : path;
    }

    /**
     * A path an operator typed: {@code ~/} expanded, relative paths read from the working directory.
     *
     * @param path as typed
     * @return the absolute, normalized path
     * @throws InvalidPathException the text is no path on this system
     */
    public static Path typed(String path) {
        return workingDirectory().resolve(Path.of(expandHome(path))).normalize();
    }

    /**
     * A path written inside an inventory: {@code ~/} expanded, relative paths read from the inventory's directory
     * (not from wherever Conduit was started), or from the working directory when it has none.
     *
     * @param path as written
     * @param base the inventory's directory, or {@code null}
     * @return the path (absolute when {@code base} is)
     * @throws InvalidPathException the text is no path on this system
     */
    public static Path inInventory(String path, Path base) {
        Path p = Path.of(expandHome(path));
        return p.isAbsolute() || base == null ? p : base.resolve(p);
    }

    /**
     * A configured inventory ({@code inventory} of the runner's configuration): a relative path is read from the
     * Conduit home when it exists there, so that it works wherever Conduit is started (also the path of
     * {@code ansible:PATH} and {@code script:PATH}); otherwise the spec is kept
     * as written (a {@code SOURCE:ARGUMENT}, an absolute or {@code ~/} path, or a path the caller reads from the
     * working directory).
     *
     * @param spec the configured value, trimmed
     * @param home the Conduit home, or {@code null} when unknown
     * @return the spec to load
     */
    public static String configured(String spec, Path home) {
        for (String builtIn : new String[] {AnsibleInventories.FILE + ":", AnsibleInventories.SCRIPT + ":"}) {
            if (spec.startsWith(builtIn) && spec.length() > builtIn.length()) {
                return builtIn + configured(spec.substring(builtIn.length()), home); // its argument is a path
            }
        }
        try {
            if (home == null || spec.startsWith("~/") || Path.of(spec).isAbsolute()
                    || !Files.exists(home.resolve(spec))) {
                return spec;
            }
            return home.resolve(spec).normalize().toString();
        } catch (InvalidPathException e) {
            return spec; // a SOURCE:ARGUMENT that is no path here
        }
    }

    /**
     * An inventory spec as typed ({@code -i}), made to load the same from any directory (what the run history
     * keeps): a path is made absolute by {@link #typed}, as the inventory catalog reads it, and so is the path of
     * {@code ansible:PATH} and {@code script:PATH}; {@code SOURCE:ARGUMENT} of an inventory source (a spec with a
     * colon that is no existing file) and text that is no path here are kept as written.
     *
     * @param spec the spec, not {@code null}
     * @return the spec with its path absolute
     */
    public static String spec(String spec) {
        String t = spec.trim();
        for (String builtIn : new String[] {AnsibleInventories.FILE + ":", AnsibleInventories.SCRIPT + ":"}) {
            if (t.startsWith(builtIn) && t.length() > builtIn.length()) {
                return builtIn + spec(t.substring(builtIn.length())); // its argument is a path
            }
        }
        try {
            Path p = typed(t);
            return t.indexOf(':') > 0 && !Files.exists(p) ? t : p.toString();
        } catch (InvalidPathException e) {
            return t;
        }
    }

    /**
     * The directory relative references of an inventory loaded from a path are read from.
     *
     * @param loaded the file or directory it was loaded from, absolute
     * @return the directory itself, or the file's directory
     */
    public static Path baseOf(Path loaded) {
        return Files.isDirectory(loaded) ? loaded : loaded.getParent();
    }
}
