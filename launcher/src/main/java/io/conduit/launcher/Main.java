package io.conduit.launcher;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code bin/conduit}: boots Felix with the distribution's bundles, then either opens the interactive Gogo
 * shell or runs one shell line and exits with its status.
 */
public final class Main {
    /** Every host ok (or a command that sets no status). */
    public static final int EXIT_OK = 0;
    /** Some hosts failed or were unreachable: carried by the value a Conduit command returns. */
    public static final int EXIT_HOSTS_FAILED = 2;
    /** Bad input or usage: an unknown option, a bad inventory, a command that threw (sysexits EX_USAGE). */
    public static final int EXIT_USAGE = 64;
    /** The framework did not start (sysexits EX_SOFTWARE). */
    public static final int EXIT_START_FAILED = 70;

    /**
     * Set to {@code true} in the process that is the node's cluster member, {@code false} in the others (read by
     * the cluster bundle; nothing happens unless the cluster is enabled).
     */
    static final String CLUSTER_MEMBER = "conduit.cluster.member";

    /** How long -c waits for the plugins of deploy/ and the conduit commands. */
    static final Duration READY_BOUND = Duration.ofSeconds(Long.getLong("conduit.ready.timeout", 15));
    /** How long a stop (end of -c, exit or Ctrl-D in the shell, a signal) may take before the process quits anyway. */
    static final Duration STOP_BOUND = Duration.ofSeconds(Long.getLong("conduit.stop.timeout", 10));

    static final String USAGE = """
            Usage: conduit [COMMAND ARGS... | -c LINE | --help | --version]

              conduit              open the interactive shell (Gogo); Ctrl-D or 'exit' stops Conduit
              conduit COMMAND ARGS run one of Conduit's commands with the words as your shell split them,
                                   e.g.  conduit run -i hosts.yaml 'web*' -- systemctl is-active nginx
                                   (conduit help: the commands; conduit run --help: one command's options)
              conduit completion bash|zsh
                                   print a script that completes the commands, their options and choices,
                                   e.g. in ~/.bashrc:  source <(conduit completion bash)
              conduit -c 'LINE'    run one shell line and exit; LINE may hold several commands separated
                                   by ';', e.g.  conduit -c 'conduit:run -i hosts.yaml all uptime --json';
                                   the exit status is the worst of its commands'
              conduit < FILE       without a terminal: run standard input as one script, like -c
              conduit start|stop|status
                                   a resident Conduit that the commands above attach to, so that a
                                   script's consecutive runs reuse its connections (status: 0 running,
                                   3 not); CONDUIT_RESIDENT=0 runs a command in its own process anyway
              conduit --help       this help
              conduit --version    the version

            Exit status of COMMAND and -c:
              0   every host ok (or the commands report no hosts)
              2   some hosts failed or were unreachable
              64  bad input or usage: unknown option, bad inventory, unknown command; nothing ran
              70  the framework or a system bundle did not start, or a command failed inside Conduit
              130 interrupted (Ctrl-C): each host's line says whether its command was stopped

            Environment:
              JAVA_HOME            the Java 17+ to run (else java on PATH)
              CONDUIT_JAVA_OPTS    extra JVM options, e.g. -Xmx2g
              CONDUIT_DATA         where logs, history and the framework's storage go (default: data/)
              CONDUIT_DEBUG=1      stack traces on errors, the framework's messages on stderr
              CONDUIT_RESIDENT=0   never attach to a resident Conduit (conduit start)

            Layout: bin/ lib/ system/ (framework bundles) deploy/ (plugins, hot deployed) etc/ (*.cfg)
            data/ (log/conduit.log, history). See README.md.
            """;

    private Main() {
    }

    /**
     * Runs bin/conduit.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        if (Boolean.getBoolean("conduit.debug.boot")) {
            System.err.printf("conduit: main at JVM uptime %d ms%n",
                    java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime());
        }
        // Gogo replaces System.in/out/err with per-thread streams once it starts: keep the real ones
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, Charset.defaultCharset());
        PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, Charset.defaultCharset());
        InputStream in = System.in;
        int status = run(args, in, out, err);
        out.flush();
        err.flush();
        System.exit(status);
    }

    static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        // log4j2 (pax-logging's backend) would register MBeans nobody reads: skip the JMX start-up cost
        if (System.getProperty("log4j2.disable.jmx") == null) {
            System.setProperty("log4j2.disable.jmx", "true");
        }
        boolean debug = "1".equals(System.getenv("CONDUIT_DEBUG")) || Boolean.getBoolean("conduit.debug");
        // a resident Conduit (bin/conduit start): start|stop|status, or attach to it, before loading the framework
        if (args.length == 1 && args[0].equals(Resident.SERVE)) {
            System.setProperty(CLUSTER_MEMBER, "true");
            return command("", (context, lineIn) -> Resident.serve(context, Distribution.locate().data(), err),
                    in, out, err, debug);
        }
        java.util.Optional<Integer> attached = ResidentClient.dispatch(args, out, err);
        if (attached.isPresent()) {
            return attached.get();
        }
        // the node's cluster member (when the cluster is enabled) is its resident, else its interactive shell; never a
        // command run in its own process, which would join and leave the cluster around one command
        System.setProperty(CLUSTER_MEMBER, String.valueOf(args.length == 0 && !ResidentClient.residentRuns()));
        String line = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "-h", "--help", "-?" -> {
                    out.print(USAGE);
                    return EXIT_OK;
                }
                case "--version" -> {
                    out.println("conduit " + version());
                    return EXIT_OK;
                }
                case "-c", "--command" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, a + " needs the shell line to run, e.g. conduit -c 'lb'");
                    }
                    if (line != null) {
                        return usage(err, "give one -c LINE; separate commands with ';' inside it");
                    }
                    line = args[++i];
                }
                default -> {
                    if (a.startsWith("--command=")) {
                        line = a.substring("--command=".length());
                    } else if (!a.startsWith("-") && line == null) {
                        // conduit COMMAND ARGS...: the words as the calling shell split them, no Gogo in between
                        String[] words = java.util.Arrays.copyOfRange(args, i, args.length);
                        // waits for deploy/'s plugins; ConduitCommand waits for the command service itself
                        return command("", (context, lineIn) -> ConduitCommand.run(context, words,
                                lineIn, out, err, READY_BOUND), in, out, err, debug);
                    } else {
                        return usage(err, "unknown argument '" + a + "'");
                    }
                }
            }
        }
        if (line != null && line.isBlank()) {
            return usage(err, "-c needs a shell line, got an empty one");
        }
        if (line == null && System.console() == null) {
            // no terminal (stdin or stdout redirected): run standard input as a script, like -c "$(cat)"
            try {
                line = new String(in.readAllBytes(), Charset.defaultCharset());
            } catch (java.io.IOException e) {
                err.println("conduit: cannot read standard input: " + e.getMessage());
                return EXIT_USAGE;
            }
            if (line.isBlank()) {
                return EXIT_OK;
            }
            in = InputStream.nullInputStream();
        }
        if (line == null) {
            return interactive(in, out, err, debug);
        }
        String gogoLine = line;
        return command(line, (context, lineIn) -> ShellLine.run(context, gogoLine, lineIn, out, err, READY_BOUND)
                .exit(), in, out, err, debug);
    }

    private static int usage(PrintStream err, String problem) {
        err.println("conduit: " + problem + "; see conduit --help");
        return EXIT_USAGE;
    }

    /** @return a folder whose etc/gosh_profile is empty, deleted when the JVM exits */
    private static Path quietConsoleHome() {
        try {
            Path home = Files.createTempDirectory("conduit-console");
            Path profile = Files.createDirectories(home.resolve("etc")).resolve("gosh_profile");
            Files.writeString(profile, "# bin/conduit -c: the line has its own session; no console profile\n");
            home.toFile().deleteOnExit();
            profile.getParent().toFile().deleteOnExit();
            profile.toFile().deleteOnExit();
            return home;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a temporary folder: " + e.getMessage(), e);
        }
    }

    /** What -c LINE or COMMAND ARGS runs once the framework is ready. */
    @FunctionalInterface
    interface Job {
        /** @return the exit status the commands set, or null for none */
        Integer run(org.osgi.framework.BundleContext context, InputStream in) throws Exception;
    }

    /**
     * -c LINE, or COMMAND ARGS: boot, wait for plugins and commands, run, stop, exit with its status.
     *
     * @param line the Gogo line, or {@code conduit:COMMAND} for COMMAND ARGS: what Readiness waits for
     */
    private static int command(String line, Job job, InputStream in, PrintStream out, PrintStream err,
            boolean debug) {
        Distribution dist = Distribution.locate();
        publish(dist);
        Map<String, String> extra = new HashMap<>();
        // the console bundle runs its profile and returns: it neither reads stdin nor stops the framework
        extra.put("gosh.args", "--nointeractive --nohistory");
        // ... and that profile is an empty one: etc/gosh_profile is for a person at the prompt, the line runs in
        // its own session (ShellLine sets its SCOPE), and the console profile, racing Gogo's registration of its
        // own commands, once printed "Command not found: gogo:if" into the line's output
        extra.put("gosh.home", quietConsoleHome().toString());
        // and needs no real terminal: JLine skips probing for one (and warning that it found none)
        System.setProperty("org.jline.terminal.dumb", "true");
        // standard output is the line's alone (tables, --json): whatever a bundle prints to System.out outside
        // the session goes to standard error. The session writes to the real stdout through its own stream.
        System.setOut(err);
        long t0 = System.nanoTime();
        Boot boot = boot(dist, extra, err, debug);
        if (boot == null) {
            return EXIT_START_FAILED;
        }
        timing(debug, err, "framework and system bundles started", t0);
        AtomicReference<Boot> running = new AtomicReference<>(boot);
        Thread hook = stopOnSignal(running, err);
        try {
            // the line sees every system bundle ACTIVE (lb, and commands that need logging or Metatype)
            List<String> failures = new ArrayList<>(boot.failures());
            try {
                failures.addAll(boot.awaitBackground());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return EXIT_START_FAILED;
            }
            if (!failures.isEmpty()) {
                failures.forEach(f -> err.println("conduit: " + f));
                return EXIT_START_FAILED;
            }
            try {
                for (String warning : new Readiness(boot.context(), Distribution.jars(dist.deploy()), line)
                        .await(READY_BOUND)) {
                    err.println("conduit: " + warning);
                }
                // what could start has started: a plugin name none of deploy/'s jars has now fails at once
                Readiness.announcePluginsStarted(boot.context());
                timing(debug, err, "deploy/ plugins and conduit commands ready", t0);
                Integer exit;
                Object previous = interruptLineOnCtrlC();
                try {
                    exit = job.run(boot.context(), in);
                } finally {
                    restoreCtrlC(previous);
                    Thread.interrupted(); // an interrupt that came after the line ended stays here
                }
                timing(debug, err, "line done", t0);
                return exit == null ? EXIT_OK : exit;
            } catch (Exception | LinkageError e) {
                out.flush();
                if (running.get() == null) {
                    return EXIT_USAGE; // a signal is stopping Conduit: the command was interrupted, nothing to say
                }
                err.println("conduit: " + explain(e));
                if (debug) {
                    e.printStackTrace(err);
                }
                return EXIT_USAGE;
            }
        } finally {
            out.flush();
            if (running.getAndSet(null) != null) {
                if (!boot.stop(STOP_BOUND)) {
                    err.println("conduit: the framework did not stop within " + STOP_BOUND.toSeconds() + " s; exiting");
                }
                timing(debug, err, "framework stopped", t0);
            }
            removeHook(hook);
        }
    }

    /** No -c: boot and let the console bundle run the shell until Ctrl-D, exit, or a signal. */
    private static int interactive(InputStream in, PrintStream out, PrintStream err, boolean debug) {
        Distribution dist = Distribution.locate();
        publish(dist);
        Map<String, String> extra = new HashMap<>();
        // history goes to data/history (etc/gosh_profile), not ~/.gogo.history
        extra.put("gosh.args", "--nohistory");
        Boot boot = boot(dist, extra, err, debug);
        if (boot == null) {
            return EXIT_START_FAILED;
        }
        AtomicReference<Boot> running = new AtomicReference<>(boot);
        Thread hook = stopOnSignal(running, err);
        try {
            List<String> failures = new ArrayList<>(boot.failures());
            failures.addAll(boot.awaitBackground());
            failures.forEach(f -> err.println("conduit: " + f + " (the shell opens anyway; fix system/)"));
            if (!boot.awaitStop(STOP_BOUND)) {
                err.println("conduit: the framework did not stop within " + STOP_BOUND.toSeconds() + " s; exiting");
            }
            running.set(null);
            return EXIT_OK;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return EXIT_OK;
        } finally {
            removeHook(hook);
        }
    }

    /** Core, FileInstall's *.cfg and the logging configuration read these as system properties. */
    private static void publish(Distribution dist) {
        System.setProperty(Distribution.HOME_PROPERTY, dist.home().toString());
        System.setProperty(Distribution.DATA_PROPERTY, dist.data().toString());
    }

    private static void timing(boolean debug, PrintStream err, String what, long t0) {
        if (debug) {
            long jvm = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime();
            err.printf("conduit: %s after %d ms (JVM up %d ms)%n", what, (System.nanoTime() - t0) / 1_000_000, jvm);
        }
    }

    private static Boot boot(Distribution dist, Map<String, String> extra, PrintStream err, boolean debug) {
        try {
            return Boot.start(dist, extra, new FrameworkLog(dist.log().resolve("framework.log"), err, debug));
        } catch (Boot.StartFailedException e) {
            err.println("conduit: " + e.getMessage());
            if (debug) {
                e.printStackTrace(err);
            }
            return null;
        }
    }

    /** SIGTERM, SIGINT (outside the shell), SIGHUP: stop the framework, bounded, so plugins close connections. */
    private static Thread stopOnSignal(AtomicReference<Boot> running, PrintStream err) {
        Thread hook = new Thread(() -> {
            Boot boot = running.getAndSet(null);
            if (boot != null && !boot.stop(STOP_BOUND)) {
                err.println("conduit: the framework did not stop within " + STOP_BOUND.toSeconds() + " s; exiting");
            }
        }, "conduit-shutdown");
        try {
            Runtime.getRuntime().addShutdownHook(hook);
        } catch (IllegalStateException e) {
            return null; // a signal came during the start: the JVM is already on its way out
        }
        return hook;
    }

    /**
     * While a {@code -c} line runs, the first Ctrl-C (SIGINT) interrupts it, as Ctrl-C does in the interactive
     * shell: {@code run} then stops every host's command, prints each host's line and exits with 130. A second
     * Ctrl-C stops Conduit as before. Installed after the framework started, so that it also replaces the
     * console's terminal handler, which would swallow the signal.
     *
     * @return the handler to restore, or {@code null} when signals cannot be handled here
     */
    private static Object interruptLineOnCtrlC() {
        try {
            sun.misc.Signal sigint = new sun.misc.Signal("INT");
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
            previous[0] = sun.misc.Signal.handle(sigint, signal -> {
                if (once.compareAndSet(false, true) && ShellLine.interruptRunningLine()) {
                    return;
                }
                // a second Ctrl-C, or no line to interrupt: the JVM's own handler (shutdown hooks: stop Conduit)
                sun.misc.SignalHandler before = previous[0];
                if (before != null && before != sun.misc.SignalHandler.SIG_DFL
                        && before != sun.misc.SignalHandler.SIG_IGN) {
                    before.handle(signal);
                } else {
                    System.exit(130);
                }
            });
            return previous[0];
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return null;
        }
    }

    private static void restoreCtrlC(Object previous) {
        if (previous instanceof sun.misc.SignalHandler handler) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal("INT"), handler);
            } catch (IllegalArgumentException e) {
                // nothing to restore
            }
        }
    }

    private static void removeHook(Thread hook) {
        if (hook == null) {
            return;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook runs, and finds nothing left to stop
        }
    }

    /**
     * The message an operator should see: the first exception, unwrapped from reflection and other wrappers
     * that add no message of their own, down to the root cause when nothing above it says more.
     *
     * @param e what the line threw
     * @return its message
     */
    static String explain(Throwable e) {
        Throwable t = e;
        List<Throwable> seen = new ArrayList<>();
        while (t.getCause() != null && t.getCause() != t && !seen.contains(t)) {
            seen.add(t);
            boolean wrapper = t instanceof InvocationTargetException || t instanceof UndeclaredThrowableException
                    || t instanceof ExecutionException || t.getMessage() == null
                    || t.getMessage().equals(t.getCause().toString());
            if (!wrapper) {
                break;
            }
            t = t.getCause();
        }
        return t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage() : t.toString();
    }

    private static String version() {
        try {
            java.nio.file.Path jar = java.nio.file.Path.of(Main.class.getProtectionDomain().getCodeSource()
                    .getLocation().toURI());
            try (java.util.jar.JarFile file = new java.util.jar.JarFile(jar.toFile())) {
                String v = file.getManifest().getMainAttributes().getValue("Bundle-Version");
                return v == null ? "(unknown)" : v;
            }
        } catch (Exception e) {
            return "(development)";
        }
    }
}
