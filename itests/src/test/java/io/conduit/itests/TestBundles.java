package io.conduit.itests;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import io.conduit.itests.slowtask.SlowTask;
import io.conduit.itests.slowtask.SlowTaskActivator;
import io.conduit.itests.versioned.VersionedActivator;
import io.conduit.itests.versioned.VersionedPlugin;

/**
 * Packages the {@code versioned} test plugin and the {@code slow} test task as bundle jars of a given version, as a
 * third party would ship them.
 */
final class TestBundles {
    static final String SYMBOLIC_NAME = "io.conduit.itests.versioned";
    /** The symbolic name of the test task bundle. */
    static final String SLOW_TASK = "io.conduit.itests.slowtask";

    private TestBundles() {
    }

    static Path versionedPlugin(Path dir, String version) throws IOException {
        return versionedPlugin(dir, version, false);
    }

    /**
     * @param backgroundDrain whether the plugin says its connections outlive its service
     *        (ConnectionPlugin.BACKGROUND_DRAIN)
     */
    static Path versionedPlugin(Path dir, String version, boolean backgroundDrain) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", SYMBOLIC_NAME);
        main.putValue("Bundle-Version", version);
        main.putValue("Bundle-Activator", VersionedActivator.class.getName());
        if (backgroundDrain) {
            main.putValue(VersionedActivator.BACKGROUND_DRAIN_HEADER, "true");
        }
        main.putValue("Import-Package", "io.conduit.api.connection;version=\"[3.0,4)\",org.osgi.framework");
        Files.createDirectories(dir);
        Path jar = dir.resolve("versioned-plugin-" + version + (backgroundDrain ? "-background" : "") + ".jar");
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String resource : classFiles()) {
                out.putNextEntry(new JarEntry(resource));
                try (InputStream in = TestBundles.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException("class file " + resource + " not found on the test class path");
                    }
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
        return jar;
    }

    /**
     * The {@code slow} task plugin as a bundle jar: an activator registers a TaskPlugin, imports only the API.
     *
     * @param dir where to write it
     * @param version its Bundle-Version, which its hosts answer
     * @return the jar
     */
    static Path slowTask(Path dir, String version) throws IOException {
        Manifest manifest = new Manifest();
        Attributes main = manifest.getMainAttributes();
        main.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        main.putValue("Bundle-ManifestVersion", "2");
        main.putValue("Bundle-SymbolicName", SLOW_TASK);
        main.putValue("Bundle-Version", version);
        main.putValue("Bundle-Activator", SlowTaskActivator.class.getName());
        // a task plugin is a consumer of io.conduit.api.task: any 1.x from the one it was built against
        main.putValue("Import-Package", "io.conduit.api.task;version=\"[1.5,2)\","
                + "io.conduit.api.connection;version=\"[3.0,4)\",io.conduit.api.inventory;version=\"[2.0,3)\","
                + "org.osgi.framework");
        Files.createDirectories(dir);
        Path jar = dir.resolve("slow-task-" + version + ".jar");
        String task = SlowTask.class.getName().replace('.', '/');
        write(jar, manifest, List.of(task + ".class", task + "$1.class",
                SlowTaskActivator.class.getName().replace('.', '/') + ".class"));
        return jar;
    }

    private static void write(Path jar, Manifest manifest, List<String> classFiles) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
            for (String resource : classFiles) {
                out.putNextEntry(new JarEntry(resource));
                try (InputStream in = TestBundles.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException("class file " + resource + " not found on the test class path");
                    }
                    in.transferTo(out);
                }
                out.closeEntry();
            }
        }
    }

    private static List<String> classFiles() {
        String base = VersionedPlugin.class.getName().replace('.', '/');
        return List.of(base + ".class", base + "$1.class",
                VersionedActivator.class.getName().replace('.', '/') + ".class");
    }
}
