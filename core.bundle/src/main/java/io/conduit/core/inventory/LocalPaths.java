package io.conduit.core.inventory;

import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The rules for paths on the machine Conduit runs on, in one place: {@code ~/} is the home of the user running
 * Conduit; a path an operator types is read from the working directory; a path from a configuration file from the
 * Conduit home; a path inside an inventory ({@code ${file:...}}) from the inventory's directory. Stateless.
 */
public final class LocalPaths {

    private LocalPaths() {
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
        return Path.of(expandHome(path)).toAbsolutePath().normalize();
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
     * Conduit home when it exists there, so that it works wherever Conduit is started; otherwise the spec is kept
     * as written (a {@code SOURCE:ARGUMENT}, an absolute or {@code ~/} path, or a path the caller reads from the
     * working directory).
     *
     * @param spec the configured value, trimmed
     * @param home the Conduit home, or {@code null} when unknown
     * @return the spec to load
     */
    public static String configured(String spec, Path home) {
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
     * The directory relative references of an inventory loaded from a path are read from.
     *
     * @param loaded the file or directory it was loaded from, absolute
     * @return the directory itself, or the file's directory
     */
    public static Path baseOf(Path loaded) {
        return Files.isDirectory(loaded) ? loaded : loaded.getParent();
    }
}
