package io.conduit.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.framework.BundleContext;

/**
 * The resident Conduit ({@code bin/conduit start}): one framework that runs the commands of {@code bin/conduit}
 * clients sent over its socket ({@link ResidentSocket}), each in its own Gogo session and thread, concurrently,
 * so that consecutive runs of a script find the connections the previous one pooled.
 */
final class Resident {
    /** The hidden argument {@code start} gives the process it starts. */
    static final String SERVE = "--resident-serve";
    /**
     * Variables that differ between two shells of the same user without meaning anything to Conduit. Any other
     * difference between a client's environment and the resident's (an {@code ${env:NAME}} of an inventory,
     * {@code CONDUIT_BECOME_PASSWORD}, {@code SSH_AUTH_SOCK}) makes the client run the command itself.
     */
    static final Set<String> VOLATILE = Set.of("PWD", "OLDPWD", "SHLVL", "_", "COLUMNS", "LINES", "TERM",
            "CONDUIT_RESIDENT", "CONDUIT_JAVA_OPTS", "CONDUIT_DEBUG", "JAVA_HOME", "PS1", "PS2", "PS4",
            "PROMPT_COMMAND", "SSH_CLIENT", "SSH_CONNECTION", "SSH_TTY", "WINDOWID", "TMUX_PANE", "LANG", "LC_ALL",
            "LC_CTYPE", "MAIL", "HISTFILE");

    private final BundleContext context;
    private final ResidentSocket socket;
    private final Instant started = Instant.now();
    private final Map<Thread, Boolean> running = new ConcurrentHashMap<>();
    private final AtomicInteger served = new AtomicInteger();
    private final Map<String, String> environment = System.getenv();
    private volatile ServerSocketChannel server;

    private Resident(BundleContext context, ResidentSocket socket) {
        this.context = context;
        this.socket = socket;
    }

    /**
     * Listens until a client asks it to stop: Main's {@code -c} path boots the framework around it and stops it
     * (closing every pooled connection) when this returns.
     *
     * @param context the system bundle's context
     * @param data the data folder
     * @param err where the resident's own messages go (its log)
     * @return the exit status
     * @throws IOException the socket cannot be bound
     */
    static Integer serve(BundleContext context, Path data, PrintStream err) throws IOException {
        ResidentSocket socket = new ResidentSocket(data);
        socket.prepare();
        if (socket.connect().map(ch -> {
            ResidentSocket.closeQuietly(ch);
            return true;
        }).orElse(false)) {
            throw new IOException("a resident Conduit already listens on " + socket.socket());
        }
        socket.removeStale();
        Resident resident = new Resident(context, socket);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket.socket()));
            // the folder (0700) keeps everybody else out already; the socket's own mode says so too
            Files.setPosixFilePermissions(socket.socket(), ResidentSocket.OWNER_ONLY_FILE);
            Files.writeString(socket.pidFile(), ProcessHandle.current().pid() + "\n");
            resident.server = server;
            err.println("conduit: resident, pid " + ProcessHandle.current().pid() + ", listening on "
                    + socket.socket());
            resident.acceptUntilStopped(server);
        } finally {
            ResidentSocket.closeQuietly(resident.server);
            resident.drain(err);
            try {
                socket.removeStale();
            } catch (IOException e) {
                // the next start removes them
            }
        }
        return Main.EXIT_OK;
    }

    private void acceptUntilStopped(ServerSocketChannel server) throws IOException {
        AtomicInteger n = new AtomicInteger();
        while (true) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return; // stop
            }
            // its own thread group: the Gogo session it creates starts its pipe threads in it, so that a client's
            // Ctrl-C interrupts its own commands only
            ThreadGroup group = new ThreadGroup("conduit-client-" + n.incrementAndGet());
            Thread t = new Thread(group, () -> {
                try {
                    serve(client);
                } finally {
                    running.remove(Thread.currentThread());
                    ResidentSocket.closeQuietly(client);
                }
            }, "conduit-client-" + n.get());
            running.put(t, Boolean.TRUE);
            t.start();
        }
    }

    /** Interrupts the commands still running, then waits for them, bounded. */
    private void drain(PrintStream err) {
        running.keySet().forEach(t -> interrupt(t.getThreadGroup(), t));
        long deadline = System.nanoTime() + Main.STOP_BOUND.toNanos();
        for (Thread t : running.keySet()) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        err.println("conduit: resident stopping after " + served.get() + " requests");
    }

    private void serve(SocketChannel client) {
        ResidentSocket.Request request;
        InputStream in = ResidentSocket.input(client);
        try {
            request = ResidentSocket.Request.decode(in);
        } catch (IOException e) {
            return; // not one of ours, or gone
        }
        Frames frames = new Frames(client);
        switch (request.op()) {
            case ResidentSocket.OP_STATUS -> {
                frames.text(ResidentSocket.STDOUT, status());
                frames.exit(Main.EXIT_OK);
            }
            case ResidentSocket.OP_STOP -> {
                frames.exit(Main.EXIT_OK);
                ResidentSocket.closeQuietly(server);
            }
            case ResidentSocket.OP_WORDS, ResidentSocket.OP_LINE -> run(request, in, frames);
            default -> frames.exit(Main.EXIT_USAGE);
        }
    }

    private String status() {
        Duration up = Duration.between(started, Instant.now());
        return "Conduit is running: pid " + ProcessHandle.current().pid() + ", up "
                + String.format("%dh%02dm%02ds", up.toHours(), up.toMinutesPart(), up.toSecondsPart())
                + ", socket " + socket.socket() + ", " + served.get() + " requests served, " + (running.size() - 1)
                + " running besides this one\n";
    }

    private void run(ResidentSocket.Request request, InputStream in, Frames frames) {
        Set<String> differ = new TreeSet<>();
        for (String name : union(environment.keySet(), request.env().keySet())) {
            if (!VOLATILE.contains(name) && !name.startsWith("LC_")
                    && !java.util.Objects.equals(environment.get(name), request.env().get(name))) {
                differ.add(name);
            }
        }
        if (!differ.isEmpty()) {
            frames.text(ResidentSocket.DECLINED, "the environment differs from the resident Conduit's in "
                    + String.join(", ", differ) + " (restart it from this environment to attach: conduit stop;"
                    + " conduit start)");
            return;
        }
        served.incrementAndGet();
        Thread worker = Thread.currentThread();
        boolean line = request.op() == ResidentSocket.OP_LINE;
        // Ctrl-C in the client, or the client gone: interrupt the command as Ctrl-C does in-process
        Thread watcher = new Thread(() -> {
            try {
                int b;
                while ((b = in.read()) >= 0 && b != ResidentSocket.INTERRUPT) {
                    // nothing else comes from a client while its command runs
                }
            } catch (IOException e) {
                // gone: same as Ctrl-C
            }
            if (running.containsKey(worker)) {
                interrupt(line ? worker.getThreadGroup() : null, worker);
            }
        }, worker.getName() + "-ctrl-c");
        watcher.setDaemon(true);
        watcher.start();
        PrintStream out = new PrintStream(frames.stream(ResidentSocket.STDOUT), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(frames.stream(ResidentSocket.STDERR), true, StandardCharsets.UTF_8);
        Path cwd = Path.of(request.cwd());
        int status;
        try {
            Integer exit = line
                    ? ShellLine.run(context, request.words()[0], InputStream.nullInputStream(), out, err,
                            Main.READY_BOUND, cwd).exit()
                    : ConduitCommand.run(context, request.words(), InputStream.nullInputStream(), out, err,
                            Main.READY_BOUND, cwd);
            status = exit == null ? Main.EXIT_OK : exit;
        } catch (Exception | LinkageError e) {
            err.println("conduit: " + Main.explain(e));
            status = Main.EXIT_USAGE;
        } finally {
            running.remove(worker); // the watcher interrupts nothing any more
            Thread.interrupted();
        }
        out.flush();
        err.flush();
        frames.exit(status);
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    /**
     * Ctrl-C for one client: a line's commands run in Gogo's pipe threads of its session (in the client's thread
     * group), a command's words in the client's thread itself.
     */
    private static void interrupt(ThreadGroup group, Thread worker) {
        if (group == null) {
            worker.interrupt();
            return;
        }
        Thread[] threads = new Thread[group.activeCount() + 8];
        int n = group.enumerate(threads, true);
        for (int i = 0; i < n; i++) {
            if (threads[i].getName().startsWith("pipe-")) {
                threads[i].interrupt();
            }
        }
    }

    /** The frames of one client's reply; a client gone makes writes vanish (its command is being interrupted). */
    private static final class Frames {
        private final SocketChannel channel;
        private volatile boolean gone;

        Frames(SocketChannel channel) {
            this.channel = channel;
        }

        synchronized void write(byte kind, byte[] data, int off, int len) {
            if (gone) {
                return;
            }
            try {
                ResidentSocket.writeFully(channel, ResidentSocket.frame(kind, data, off, len));
            } catch (IOException e) {
                gone = true;
            }
        }

        void text(byte kind, String text) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            write(kind, b, 0, b.length);
        }

        void exit(int status) {
            write(ResidentSocket.EXIT, java.nio.ByteBuffer.allocate(4).putInt(status).array(), 0, 4);
        }

        OutputStream stream(byte kind) {
            return new java.io.BufferedOutputStream(new OutputStream() {
                @Override
                public void write(int b) {
                    Frames.this.write(kind, new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    if (len > 0) {
                        Frames.this.write(kind, b, off, len);
                    }
                }
            }, 8192);
        }
    }
}
