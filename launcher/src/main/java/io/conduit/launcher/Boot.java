package io.conduit.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.felix.framework.Felix;
import org.apache.felix.framework.util.FelixConstants;
import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.osgi.framework.Constants;
import org.osgi.framework.FrameworkEvent;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * One running Felix: a fresh storage folder for this process ({@code data/cache/<pid>}), every jar of
 * {@code system/} installed, then started in the order of {@code system/startup.properties}.
 */
final class Boot {
    /** -Dconduit.debug.boot=true (CONDUIT_JAVA_OPTS): how long each system bundle takes to start. */
    private static final boolean TIMINGS = Boolean.getBoolean("conduit.debug.boot");
    /** The longest a start in the background may take. */
    private static final Duration BACKGROUND_BOUND = Duration.ofSeconds(30);
    private final Felix framework;
    private final Path storage;
    private final List<String> failures;

    private final List<Thread> background;
    private final List<String> lateFailures;

    private Boot(Felix framework, Path storage, List<String> failures, List<Thread> background,
            List<String> lateFailures) {
        this.framework = framework;
        this.storage = storage;
        this.failures = failures;
        this.background = background;
        this.lateFailures = lateFailures;
    }

    /** The framework could not be created or started: bin/conduit exits 70. */
    static final class StartFailedException extends Exception {
        private static final long serialVersionUID = 1L;

        StartFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Starts the framework with the distribution's bundles.
     *
     * @param dist the distribution
     * @param extra properties added to {@code etc/config.properties} (they win)
     * @param log where Felix's own messages go
     * @return the running framework; {@link #failures()} lists the system bundles that did not start
     * @throws StartFailedException the framework itself did not start, or a jar could not be installed
     */
    static Boot start(Distribution dist, Map<String, String> extra, FrameworkLog log) throws StartFailedException {
        Path storage = dist.cache().resolve(Long.toString(ProcessHandle.current().pid()));
        Felix framework;
        try {
            Files.createDirectories(dist.log());
            removeStaleCaches(dist.cache());
            Map<String, Object> config = new HashMap<>(dist.frameworkProperties());
            config.putAll(extra);
            config.put(Constants.FRAMEWORK_STORAGE, storage.toString());
            config.put(Distribution.HOME_PROPERTY, dist.home().toString());
            config.put(Distribution.DATA_PROPERTY, dist.data().toString());
            config.put(FelixConstants.LOG_LOGGER_PROP, log);
            framework = new Felix(config);
            framework.init();
            framework.start();
            uptime("framework started");
        } catch (BundleException | IOException | RuntimeException e) {
            throw new StartFailedException("the OSGi framework did not start: " + message(e), e);
        }
        BundleContext context = framework.getBundleContext();
        context.addBundleListener(GOGO_SESSIONS);
        List<Bundle> installed = new ArrayList<>();
        List<Distribution.SystemBundle> jars;
        try {
            jars = dist.systemBundles();
        } catch (RuntimeException e) {
            stopQuietly(framework);
            throw new StartFailedException(message(e), e);
        }
        for (Distribution.SystemBundle jar : jars) {
            try {
                // reference: Felix reads the jar in place instead of copying it into the cache
                installed.add(context.installBundle("reference:" + jar.jar().toUri()));
            } catch (BundleException | RuntimeException e) {
                stopQuietly(framework);
                throw new StartFailedException("system/" + jar.jar().getFileName() + " cannot be installed: "
                        + message(e) + "; replace the file with a valid bundle or remove it", e);
            }
        }
        // resolve everything in one pass before any start: cheaper than one resolution per start, and a start in
        // the background never has to take the framework's resolve lock while another start holds it
        uptime(installed.size() + " bundles installed");
        framework.adapt(FrameworkWiring.class).resolveBundles(installed);
        uptime("resolved");
        List<String> failures = new ArrayList<>();
        List<String> lateFailures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> background = new ArrayList<>();
        for (int i = 0; i < installed.size(); i++) {
            Bundle bundle = installed.get(i);
            Path jar = jars.get(i).jar();
            if (bundle.getHeaders().get(Constants.FRAGMENT_HOST) != null) {
                continue; // fragments resolve with their host; they never start
            }
            if (jars.get(i).background()) {
                Thread t = new Thread(() -> start(bundle, jar, lateFailures),
                        "conduit-start-" + bundle.getSymbolicName());
                t.setDaemon(true);
                t.start();
                background.add(t);
            } else {
                start(bundle, jar, failures);
            }
        }
        return new Boot(framework, storage, failures, background, lateFailures);
    }

    private static void uptime(String what) {
        if (TIMINGS) {
            System.err.printf("conduit: %s at JVM uptime %d ms%n", what,
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        }
    }

    private static void start(Bundle bundle, Path jar, List<String> failures) {
        try {
            long t = System.nanoTime();
            bundle.start();
            if (TIMINGS) {
                System.err.printf("conduit: started %s in %d ms%n", jar.getFileName(), (System.nanoTime() - t) / 1_000_000);
            }
        } catch (BundleException | RuntimeException e) {
            failures.add("system/" + jar.getFileName() + " did not start: " + message(e));
        }
    }

    Felix framework() {
        return framework;
    }

    BundleContext context() {
        return framework.getBundleContext();
    }

    /** @return one line per system bundle that did not start, saying why (so far: see {@link #awaitBackground}) */
    List<String> failures() {
        return List.copyOf(failures);
    }

    /**
     * Waits for the starts that run in the background (bounded), so that nothing is half-started when the
     * framework stops.
     *
     * @return the bundles that failed to start in the background, one line each
     * @throws InterruptedException interrupted
     */
    List<String> awaitBackground() throws InterruptedException {
        List<String> late = new ArrayList<>();
        for (Thread t : background) {
            t.join(BACKGROUND_BOUND.toMillis());
            if (t.isAlive()) {
                late.add(t.getName().substring("conduit-start-".length()) + " did not start within "
                        + BACKGROUND_BOUND.toSeconds() + " s");
            }
        }
        synchronized (lateFailures) {
            late.addAll(0, lateFailures);
        }
        return late;
    }

    /**
     * Stops the framework, waiting at most {@code bound}, then removes this process's storage folder.
     *
     * @param bound the longest wait
     * @return whether the framework stopped in time
     */
    boolean stop(Duration bound) {
        boolean stopped;
        try {
            if ((framework.getState() & (Bundle.STARTING | Bundle.ACTIVE)) != 0) {
                if (TIMINGS) {
                    timeStops();
                }
                framework.stop();
            }
            stopped = framework.waitForStop(bound.toMillis()).getType() != FrameworkEvent.WAIT_TIMEDOUT;
        } catch (BundleException | InterruptedException | RuntimeException e) {
            stopped = false;
        }
        if (stopped) {
            delete(storage);
        }
        return stopped;
    }

    /**
     * Closes the shell's open sessions as Gogo's runtime bundle begins to stop, before its own stop does. Gogo 1.1.6
     * ({@code CommandProcessorImpl.stop}) copies its weakly held sessions into an array sized before the copy: a
     * session the collector takes in between leaves a {@code null} there, and the stop fails with a
     * NullPointerException that reached the operator as {@code ERROR ... FrameworkEvent ERROR} on an exit that had
     * gone well (seen more often with the serial collector). With no session left, there is nothing to race.
     */
    private static final org.osgi.framework.SynchronousBundleListener GOGO_SESSIONS = e -> {
        if (e.getType() != org.osgi.framework.BundleEvent.STOPPING
                || !"org.apache.felix.gogo.runtime".equals(e.getBundle().getSymbolicName())) {
            return;
        }
        BundleContext bc = e.getBundle().getBundleContext();
        org.osgi.framework.ServiceReference<?> ref = bc == null ? null
                : bc.getServiceReference("org.apache.felix.service.command.CommandProcessor");
        Object processor = ref == null ? null : bc.getService(ref);
        if (processor == null) {
            return;
        }
        try {
            java.lang.reflect.Field field = processor.getClass().getDeclaredField("sessions");
            field.setAccessible(true);
            Map<?, ?> sessions = (Map<?, ?>) field.get(processor);
            List<Object> open = new ArrayList<>();
            synchronized (sessions) {
                for (Object session : sessions.keySet()) {
                    if (session != null) {
                        open.add(session);
                    }
                }
            }
            for (Object session : open) {
                session.getClass().getMethod("close").invoke(session);
            }
        } catch (ReflectiveOperationException | RuntimeException x) {
            // another Gogo version: its own stop runs as it is
        } finally {
            bc.ungetService(ref);
        }
    };

    /** -Dconduit.debug.boot=true: how long each bundle takes to stop (a plugin closing its connections). */
    private void timeStops() {
        Map<Long, Long> stopping = new java.util.concurrent.ConcurrentHashMap<>();
        context().addBundleListener((org.osgi.framework.SynchronousBundleListener) e -> {
            if (e.getType() == org.osgi.framework.BundleEvent.STOPPING) {
                stopping.put(e.getBundle().getBundleId(), System.nanoTime());
            } else if (e.getType() == org.osgi.framework.BundleEvent.STOPPED) {
                Long t = stopping.remove(e.getBundle().getBundleId());
                if (t != null) {
                    System.err.printf("conduit: stopped %s in %d ms%n", e.getBundle().getSymbolicName(),
                            (System.nanoTime() - t) / 1_000_000);
                }
            }
        });
    }

    /**
     * Waits until the framework has stopped (the shell's exit, or a stop from a command).
     *
     * @param bound the longest wait once the stop has begun
     * @return whether it stopped within the bound after stopping began
     * @throws InterruptedException interrupted
     */
    boolean awaitStop(Duration bound) throws InterruptedException {
        while (true) {
            FrameworkEvent e = framework.waitForStop(200);
            if (e.getType() != FrameworkEvent.WAIT_TIMEDOUT) {
                delete(storage);
                return true;
            }
            if ((framework.getState() & Bundle.STOPPING) != 0) {
                boolean stopped = framework.waitForStop(bound.toMillis()).getType() != FrameworkEvent.WAIT_TIMEDOUT;
                if (stopped) {
                    delete(storage);
                }
                return stopped;
            }
        }
    }

    private static void stopQuietly(Felix framework) {
        try {
            framework.stop();
            framework.waitForStop(5_000);
        } catch (BundleException | InterruptedException | RuntimeException e) {
            // already failing; the caller reports the first error
        }
    }

    /** Storage folders of processes that are gone (killed, crashed) would pile up: remove them. */
    private static void removeStaleCaches(Path cache) throws IOException {
        if (!Files.isDirectory(cache)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(cache)) {
            for (Path dir : dirs.toList()) {
                String name = dir.getFileName().toString();
                if (!name.matches("\\d{1,19}")) {
                    continue;
                }
                long pid = Long.parseLong(name);
                if (pid != ProcessHandle.current().pid() && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue; // another Conduit running now
                }
                delete(dir);
            }
        }
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | RuntimeException e) {
            // best effort: the next start removes what is left
        }
    }

    static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
