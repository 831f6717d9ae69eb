package io.conduit.itests;

import static org.ops4j.pax.exam.CoreOptions.cleanCaches;
import static org.ops4j.pax.exam.CoreOptions.frameworkProperty;
import static org.ops4j.pax.exam.CoreOptions.junitBundles;
import static org.ops4j.pax.exam.CoreOptions.systemProperty;
import static org.ops4j.pax.exam.CoreOptions.systemTimeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import javax.inject.Inject;

import org.apache.felix.service.command.CommandProcessor;
import org.apache.felix.service.command.CommandSession;
import io.conduit.launcher.Cnf;
import org.ops4j.pax.exam.CoreOptions;
import org.ops4j.pax.exam.Option;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.util.tracker.ServiceTracker;

/**
 * Base of the in-framework tests: a real Felix provisioned with exactly the jars of the built distribution
 * ({@code launcher/target/conduit/system} and {@code deploy}), unresolved bundles failing the test, and a way
 * to run Gogo shell lines as an operator would type them.
 */
public abstract class ConduitTestSupport {
    /** The distribution folder, passed by failsafe. */
    protected static final Path DIST = Path.of(System.getProperty("conduit.dist", "../launcher/target/conduit"));
    /** The source tree's cnf/: the run bundles and framework properties the distribution is made from. */
    protected static final Path CNF = Path.of(System.getProperty("conduit.cnf", "../cnf"));
    /** This run's own files: fresh for every run, so that a put finds no copy a run before left (it would be "ok"). */
    protected static final Path WORK = Path.of(System.getProperty("project.build.directory", "target"), "it-work",
            String.valueOf(ProcessHandle.current().pid()));

    @Inject
    protected BundleContext context;

    /**
     * The framework as the launcher boots it. Subclasses add their own options.
     *
     * @param withPlugins whether to install the plugin jars of deploy/ directly (tests of FileInstall don't)
     * @return the options
     */
    protected static Option[] distribution(boolean withPlugins) {
        List<Option> options = new ArrayList<>();
        options.add(systemTimeout(120_000));
        options.add(cleanCaches(true));
        options.add(systemProperty("pax.exam.osgi.unresolved.fail").value("true"));
        options.add(systemProperty("conduit.home").value(DIST.toAbsolutePath().toString()));
        // the framework properties of the distribution (cnf/framework.properties), but for what a test must differ in
        Map<String, String> overrides = Map.of(
                // FileInstall reads configuration from a copy of etc/ (see etc(boolean)), and polls faster
                "felix.fileinstall.dir", etc(!withPlugins).toAbsolutePath().toString(),
                "felix.fileinstall.poll", "200",
                "gosh.args", "--nointeractive",
                "org.ops4j.pax.logging.DefaultServiceLog.level", "WARN");
        Map<String, String> properties = Cnf.frameworkProperties(CNF.resolve(Cnf.FRAMEWORK_PROPERTIES),
                Map.of("conduit.home", DIST.toAbsolutePath().toString()));
        for (Map.Entry<String, String> p : properties.entrySet()) {
            switch (p.getKey()) {
                // Pax Exam owns the storage (cleanCaches above)
                case "org.osgi.framework.storage.clean" -> { }
                // through systemPackages, which Pax Exam adds to its own extra packages (the framework property
                // would replace them, and the probe would not start)
                case "org.osgi.framework.system.packages.extra" ->
                        options.add(CoreOptions.systemPackages(p.getValue().split("\\s*,\\s*")));
                default -> options.add(frameworkProperty(p.getKey())
                        .value(overrides.getOrDefault(p.getKey(), p.getValue())));
            }
        }
        for (Map.Entry<String, String> o : overrides.entrySet()) {
            if (!properties.containsKey(o.getKey())) {
                options.add(frameworkProperty(o.getKey()).value(o.getValue()));
            }
        }
        // exactly the run bundles of cnf/runbundles.txt, the distribution's jars of them
        Path system = DIST.resolve("system");
        jars(system); // says how to build the distribution when there is none
        for (Cnf.RunBundle bundle : Cnf.runBundles(CNF.resolve(Cnf.RUN_BUNDLES))) {
            if (bundle.artifactId().equals("jline") || bundle.artifactId().equals("org.apache.felix.gogo.jline")) {
                continue; // the interactive console wants a terminal; tests use the CommandProcessor directly
            }
            options.add(CoreOptions.bundle(bundle.jarIn(system).toUri().toString()));
        }
        if (withPlugins) {
            for (Path jar : jars(DIST.resolve("deploy"))) {
                options.add(CoreOptions.bundle(jar.toUri().toString()));
            }
        }
        options.add(junitBundles());
        return options.toArray(new Option[0]);
    }

    /** @return this test JVM's copy of the distribution's etc/ */
    protected static Path etc() {
        return WORK.resolve("etc-" + ProcessHandle.current().pid());
    }

    /**
     * Copies the distribution's etc/ for this test JVM.
     *
     * @param watchDeploy whether to keep FileInstall's watch of deploy/
     * @return the copy
     */
    private static Path etc(boolean watchDeploy) {
        Path copy = etc();
        try {
            Files.createDirectories(copy);
            try (Stream<Path> files = Files.list(DIST.resolve("etc"))) {
                for (Path cfg : files.filter(p -> p.toString().endsWith(".cfg")).toList()) {
                    if (watchDeploy || !cfg.getFileName().toString().startsWith("org.apache.felix.fileinstall-")) {
                        Files.copy(cfg, copy.resolve(cfg.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return copy;
    }

    /** @return the jars of a folder, in name order (the launcher's install order) */
    protected static List<Path> jars(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException(dir.toAbsolutePath() + " is missing: build the distribution first"
                    + " (./mvnw install -pl launcher -am)");
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs one shell line, as typed at the prompt.
     *
     * @param line the line
     * @return what it printed on stdout
     * @throws Exception the command failed
     */
    protected String execute(String line) throws Exception {
        return session(line).out;
    }

    /** What a shell line printed and the exit status it left. */
    protected record Shell(String out, String err, Integer exit) {
    }

    /**
     * Runs one shell line and keeps its streams and exit status.
     *
     * @param line the line
     * @return output, error output and the exit status the command's value carries
     * @throws Exception the command failed
     */
    protected Shell session(String line) throws Exception {
        CommandProcessor processor = service(CommandProcessor.class);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
                CommandSession session = processor.createSession(System.in, o, e)) {
            Object value = session.execute(line);
            // printed as the console prints a command's value: through the converters (Conduit's OutputConverter)
            if (value != null) {
                CharSequence text = session.format(value, org.apache.felix.service.command.Converter.INSPECT);
                if (text != null && text.length() > 0) {
                    o.println(text);
                }
            }
            o.flush();
            return new Shell(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8),
                    exitStatus(value));
        }
    }

    /**
     * The exit status a Conduit command's value carries, read as {@code bin/conduit} reads it: the probe does not
     * import core's private shell package.
     *
     * @param value what the line returned
     * @return its {@code exitStatus()}, or null for a value that is not a Conduit command's
     */
    protected static Integer exitStatus(Object value) throws Exception {
        if (value == null) {
            return null;
        }
        for (Class<?> type : value.getClass().getInterfaces()) {
            if (type.getName().equals("io.conduit.core.shell.CommandOutput")) {
                return (Integer) type.getMethod("exitStatus").invoke(value);
            }
        }
        return null;
    }

    /**
     * Waits for a service, bounded.
     *
     * @param <T> its type
     * @param type its class
     * @return the service
     * @throws InterruptedException interrupted
     */
    protected <T> T service(Class<T> type) throws InterruptedException {
        ServiceTracker<T, T> tracker = new ServiceTracker<>(context, type, null);
        tracker.open();
        T found = tracker.waitForService(TimeUnit.SECONDS.toMillis(30));
        if (found == null) {
            throw new AssertionError("no " + type.getName() + " service within 30 s");
        }
        return found;
    }

    /**
     * Waits until a condition holds, polling with a deadline (used only where nothing signals, such as
     * FileInstall noticing a file).
     *
     * @param what described in the failure
     * @param seconds the bound
     * @param condition the condition
     * @throws InterruptedException interrupted
     */
    protected static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + seconds + " s waiting for " + what);
            }
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }

    /** @param symbolicName a bundle's symbolic name @return the installed bundle, or null */
    protected Bundle bundle(String symbolicName) {
        for (Bundle b : context.getBundles()) {
            if (symbolicName.equals(b.getSymbolicName())) {
                return b;
            }
        }
        return null;
    }

    /**
     * Writes an inventory file for a test.
     *
     * @param name file name
     * @param yaml its content
     * @return its path
     * @throws IOException write failed
     */
    protected static Path inventory(String name, String yaml) throws IOException {
        Files.createDirectories(WORK);
        return Files.writeString(WORK.resolve(name), yaml);
    }
}
