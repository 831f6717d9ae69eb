package io.conduit.launcher;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleEvent;
import org.osgi.framework.BundleException;
import org.osgi.framework.BundleListener;
import org.osgi.framework.Constants;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceListener;
import org.osgi.framework.ServiceReference;
import org.osgi.framework.wiring.FrameworkWiring;

/**
 * Before {@code bin/conduit -c} runs its line: waits, bounded, until FileInstall has installed and started every
 * jar of {@code deploy/} and until the shell commands of scope {@code conduit} (and every {@code conduit:NAME}
 * the line names) are registered. Woken by bundle and service events; a short re-check interval only to notice
 * a plugin that cannot resolve, which no event announces.
 */
final class Readiness {
    /** Gogo's service properties (org.apache.felix.service.command.CommandProcessor.COMMAND_SCOPE/FUNCTION). */
    static final String COMMAND_SCOPE = "osgi.command.scope";
    static final String COMMAND_FUNCTION = "osgi.command.function";
    static final String SCOPE = "conduit";
    /** io.conduit.core.registry.PluginRegistry.PLUGINS_STARTED. */
    static final String PLUGINS_STARTED = "conduit.plugins.started";
    private static final Pattern QUOTED = Pattern.compile("'[^']*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern NAMED = Pattern.compile("(?<![\\w.-])" + SCOPE + ":([A-Za-z_][\\w-]*)");
    /** A plugin still INSTALLED (or RESOLVED, not started) this long after it appeared has failed. */
    private static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(1_000);

    private final BundleContext context;
    private final List<Path> deployJars;
    private final Set<String> functions;
    private final Object signal = new Object();
    private final Map<Path, Long> firstSeen = new HashMap<>();
    private final Map<Path, String> failed = new HashMap<>();

    Readiness(BundleContext context, List<Path> deployJars, String line) {
        this.context = context;
        this.deployJars = deployJars.stream().map(p -> p.toAbsolutePath().normalize()).toList();
        this.functions = namedFunctions(line);
    }

    /**
     * Tells the core that the distribution's plugins have started (the wait of {@link #await} is over), so that a
     * plugin name none of them has fails at once instead of after the registry's start-up grace: a marker service
     * with {@link #PLUGINS_STARTED}. The launcher knows the core only as a file, hence the key written twice.
     *
     * @param context the framework's context
     */
    static void announcePluginsStarted(BundleContext context) {
        java.util.Hashtable<String, Object> props = new java.util.Hashtable<>();
        props.put(PLUGINS_STARTED, Boolean.TRUE);
        context.registerService(Object.class.getName(), new Object(), props);
    }

    /** @return the functions a line names with the conduit scope, e.g. {@code run} for {@code conduit:run} */
    static Set<String> namedFunctions(String line) {
        Set<String> names = new LinkedHashSet<>();
        // quoted words are arguments (a remote command line), not commands
        Matcher m = NAMED.matcher(QUOTED.matcher(line).replaceAll(" "));
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    /**
     * Waits until everything is there or the bound passes.
     *
     * @param bound the longest wait
     * @return warnings for the operator: plugins that failed or are still missing, commands still missing
     * @throws InterruptedException interrupted
     */
    List<String> await(Duration bound) throws InterruptedException {
        BundleListener bundles = (BundleEvent e) -> wake();
        ServiceListener services = e -> wake();
        context.addBundleListener(bundles);
        try {
            context.addServiceListener(services, "(" + COMMAND_SCOPE + "=" + SCOPE + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        try {
            long deadline = System.nanoTime() + bound.toNanos();
            while (true) {
                List<String> missing = missing();
                if (missing.isEmpty()) {
                    return warnings(List.of());
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return warnings(missing);
                }
                synchronized (signal) {
                    // events wake us at once; the 100 ms cap only re-checks plugins that cannot resolve
                    signal.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 100)));
                }
            }
        } finally {
            context.removeServiceListener(services);
            context.removeBundleListener(bundles);
        }
    }

    private void wake() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    private List<String> warnings(List<String> missing) {
        List<String> out = new ArrayList<>();
        failed.forEach((jar, why) -> out.add("deploy/" + jar.getFileName() + " is not active: " + why));
        for (String m : missing) {
            out.add(m + " after waiting; running the line anyway");
        }
        return out;
    }

    /** @return what is still awaited, one phrase each; empty when ready */
    private List<String> missing() {
        List<String> missing = new ArrayList<>();
        Map<Path, Bundle> byPath = new HashMap<>();
        for (Bundle b : context.getBundles()) {
            Path p = path(b.getLocation());
            if (p != null) {
                byPath.put(p, b);
            }
        }
        for (Path jar : deployJars) {
            if (failed.containsKey(jar)) {
                continue;
            }
            Bundle b = byPath.get(jar);
            if (b == null) {
                missing.add("deploy/" + jar.getFileName() + " is not installed");
                continue;
            }
            boolean fragment = b.getHeaders().get(Constants.FRAGMENT_HOST) != null;
            if (b.getState() == Bundle.ACTIVE || (fragment && b.getState() == Bundle.RESOLVED)) {
                continue;
            }
            long seen = firstSeen.computeIfAbsent(jar, j -> System.nanoTime());
            if (System.nanoTime() - seen > SETTLE_NANOS && settledAsFailed(jar, b)) {
                continue;
            }
            missing.add("deploy/" + jar.getFileName() + " is " + state(b.getState()));
        }
        Map<String, Boolean> registered = conduitFunctions();
        if (registered.isEmpty()) {
            missing.add("no command of scope " + SCOPE + " is registered");
        }
        for (String f : functions) {
            if (!registered.containsKey(f)) {
                missing.add("command " + SCOPE + ":" + f + " is not registered");
            }
        }
        return missing;
    }

    /** FileInstall started it long enough ago: find out whether it can ever become active. */
    private boolean settledAsFailed(Path jar, Bundle b) {
        if (b.getState() == Bundle.INSTALLED) {
            FrameworkWiring wiring = context.getBundle(Constants.SYSTEM_BUNDLE_LOCATION).adapt(FrameworkWiring.class);
            if (wiring.resolveBundles(List.of(b))) {
                return false; // resolvable now; FileInstall starts it on its next pass
            }
            String why = "it cannot resolve";
            try {
                // the same start FileInstall attempts; it fails without side effects and says what is missing
                b.start(Bundle.START_TRANSIENT);
                return false;
            } catch (BundleException | RuntimeException e) {
                why = Boot.message(e);
            }
            failed.put(jar, why + "; see data/log/conduit.log");
            return true;
        }
        if (b.getState() == Bundle.RESOLVED) {
            failed.put(jar, "its start failed (RESOLVED, not ACTIVE); see data/log/conduit.log");
            return true;
        }
        return false; // STARTING or STOPPING: a transition in progress
    }

    private Map<String, Boolean> conduitFunctions() {
        Map<String, Boolean> found = new HashMap<>();
        ServiceReference<?>[] refs;
        try {
            refs = context.getAllServiceReferences(null, "(" + COMMAND_SCOPE + "=" + SCOPE + ")");
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        if (refs == null) {
            return found;
        }
        for (ServiceReference<?> ref : refs) {
            Object f = ref.getProperty(COMMAND_FUNCTION);
            Collection<?> names = f instanceof Object[] a ? Arrays.asList(a)
                    : f instanceof Collection<?> c ? c : f == null ? List.of() : List.of(f);
            for (Object n : names) {
                found.put(String.valueOf(n), Boolean.TRUE);
            }
        }
        if (found.isEmpty() && refs.length > 0) {
            found.put("", Boolean.TRUE);
        }
        return found;
    }

    /** @return the file a bundle location names (FileInstall uses file: URIs), or null */
    static Path path(String location) {
        String loc = location.startsWith("reference:") ? location.substring("reference:".length()) : location;
        if (!loc.startsWith("file:")) {
            return null;
        }
        try {
            return Path.of(URI.create(loc)).toAbsolutePath().normalize();
        } catch (RuntimeException e) {
            try {
                return Path.of(loc.substring("file:".length())).toAbsolutePath().normalize();
            } catch (RuntimeException again) {
                return null;
            }
        }
    }

    private static String state(int state) {
        return switch (state) {
            case Bundle.INSTALLED -> "INSTALLED";
            case Bundle.RESOLVED -> "RESOLVED";
            case Bundle.STARTING -> "STARTING";
            case Bundle.STOPPING -> "STOPPING";
            case Bundle.ACTIVE -> "ACTIVE";
            default -> "UNINSTALLED";
        };
    }
}
