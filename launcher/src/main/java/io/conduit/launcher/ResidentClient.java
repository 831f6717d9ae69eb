package io.conduit.launcher;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The client side of a resident Conduit: {@code bin/conduit start|stop|status}, and the attach of
 * {@code -c LINE} and {@code COMMAND ARGS} to a running resident. JDK classes only, decided before the framework
 * is loaded: without a resident the command runs in this process as before.
 */
final class ResidentClient {
    /** {@code CONDUIT_RESIDENT=0} (or {@code -Dconduit.resident=false}): never attach. */
    static final String ENV = "CONDUIT_RESIDENT";
    /** How long {@code start} waits for the resident to accept connections. */
    static final Duration START_BOUND = Duration.ofSeconds(Long.getLong("conduit.resident.start.timeout", 60));

    private ResidentClient() {
    }

    private static ResidentSocket socket() {
        return new ResidentSocket(Distribution.locate().data());
    }

    /**
     * bin/conduit's dispatch before anything else: {@code start}, {@code stop}, {@code status}, and the attach of
     * {@code -c LINE} and {@code COMMAND ARGS} when a resident Conduit runs.
     *
     * @param args the command line
     * @param out standard output
     * @param err standard error
     * @return the exit status, or empty: run as without a resident
     */
    static Optional<Integer> dispatch(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && List.of("start", "stop", "status").contains(args[0])) {
            return Optional.of(control(args[0], out, err));
        }
        if (args.length == 0 || !enabled()) {
            return Optional.empty();
        }
        if (args.length == 2 && (args[0].equals("-c") || args[0].equals("--command")) && !args[1].isBlank()) {
            return attach(args[1], null, out, err);
        }
        if (args.length == 1 && args[0].startsWith("--command=") && !args[0].substring(10).isBlank()) {
            return attach(args[0].substring(10), null, out, err);
        }
        if (!args[0].startsWith("-") && !args[0].equals(Resident.SERVE)) {
            return attach(null, args, out, err);
        }
        return Optional.empty(); // --help, --version, the shell, a usage error: this process answers
    }

    /** @return whether a resident Conduit of this distribution runs (its pid file names a live process) */
    static boolean residentRuns() {
        return socket().process().isPresent();
    }

    /** @return whether this process may attach to a resident Conduit */
    static boolean enabled() {
        return !"0".equals(System.getenv(ENV)) && !"false".equalsIgnoreCase(System.getenv(ENV))
                && !"false".equals(System.getProperty("conduit.resident"));
    }

    /**
     * Runs the command in the resident Conduit when one runs.
     *
     * @param line the {@code -c} line, or null
     * @param words the command's words ({@code COMMAND ARGS}), or null
     * @param out standard output
     * @param err standard error
     * @return its exit status, or empty: no resident (or it declined), run it here
     */
    static Optional<Integer> attach(String line, String[] words, PrintStream out, PrintStream err) {
        ResidentSocket socket = socket();
        Optional<String> unsafe = socket.unsafe();
        if (unsafe.isPresent()) {
            err.println("conduit: not attaching: " + unsafe.get() + "; running in this process");
            return Optional.empty();
        }
        Optional<SocketChannel> connected = socket.connect();
        if (connected.isEmpty()) {
            return Optional.empty(); // none runs, or a killed one left its socket: start removes it
        }
        try (SocketChannel ch = connected.get()) {
            byte op = line != null ? ResidentSocket.OP_LINE : ResidentSocket.OP_WORDS;
            String[] sent = line != null ? new String[] {line} : words;
            Object handler = interruptOnCtrlC(ch);
            try {
                return exchange(ch, op, sent, out, err);
            } finally {
                restore(handler);
            }
        } catch (IOException e) {
            err.println("conduit: the resident Conduit went away (" + e.getMessage() + "); its log: "
                    + socket.log(Distribution.locate().log()));
            return Optional.of(Main.EXIT_START_FAILED);
        }
    }

    /** Sends a request, copies the reply's frames: the exit status, or empty when the resident declined. */
    private static Optional<Integer> exchange(SocketChannel ch, byte op, String[] words, PrintStream out,
            PrintStream err) throws IOException {
        ResidentSocket.Request request = new ResidentSocket.Request(op, words,
                Path.of("").toAbsolutePath().toString(), System.console() != null, System.getenv());
        ResidentSocket.writeFully(ch, ByteBuffer.wrap(request.encode()));
        DataInputStream in = new DataInputStream(ResidentSocket.input(ch));
        while (true) {
            byte kind;
            try {
                kind = in.readByte();
            } catch (EOFException e) {
                throw new IOException("it closed the connection before the command's end", e);
            }
            byte[] data = in.readNBytes(in.readInt());
            switch (kind) {
                case ResidentSocket.STDOUT -> {
                    out.write(data, 0, data.length);
                    out.flush();
                }
                case ResidentSocket.STDERR -> {
                    err.write(data, 0, data.length);
                    err.flush();
                }
                case ResidentSocket.EXIT -> {
                    return Optional.of(ByteBuffer.wrap(data).getInt());
                }
                case ResidentSocket.DECLINED -> {
                    err.println("conduit: running in this process: " + new String(data, StandardCharsets.UTF_8));
                    return Optional.empty();
                }
                default -> throw new IOException("an unknown reply (" + kind + ")");
            }
        }
    }

    /**
     * The first Ctrl-C asks the resident to interrupt the command (each host's line then says whether it was
     * stopped, and the status is 130, as in-process); a second one leaves, which interrupts it too.
     */
    private static Object interruptOnCtrlC(SocketChannel ch) {
        try {
            java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
            return sun.misc.Signal.handle(new sun.misc.Signal("INT"), signal -> {
                if (once.compareAndSet(false, true)) {
                    try {
                        ResidentSocket.writeFully(ch, ByteBuffer.wrap(new byte[] {ResidentSocket.INTERRUPT}));
                        return;
                    } catch (IOException e) {
                        // gone: leave
                    }
                }
                Runtime.getRuntime().halt(130);
            });
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            return null;
        }
    }

    private static void restore(Object handler) {
        if (handler instanceof sun.misc.SignalHandler h) {
            sun.misc.Signal.handle(new sun.misc.Signal("INT"), h);
        }
    }

    /**
     * {@code bin/conduit start|stop|status}.
     *
     * @param what start, stop or status
     * @param out standard output
     * @param err standard error
     * @return the exit status: status 0 running, 3 not running (as LSB's status); start and stop 0 done, 70 not
     */
    static int control(String what, PrintStream out, PrintStream err) {
        ResidentSocket socket = socket();
        Optional<String> unsafe = socket.unsafe();
        if (unsafe.isPresent()) {
            err.println("conduit: " + unsafe.get());
            return what.equals("status") ? 4 : Main.EXIT_START_FAILED;
        }
        return switch (what) {
            case "status" -> status(socket, out);
            case "stop" -> stop(socket, out, err);
            default -> start(socket, out, err);
        };
    }

    private static Optional<Integer> ask(ResidentSocket socket, byte op, PrintStream out, PrintStream err) {
        Optional<SocketChannel> ch = socket.connect();
        if (ch.isEmpty()) {
            return Optional.empty();
        }
        try (SocketChannel c = ch.get()) {
            return exchange(c, op, new String[0], out, err);
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int status(ResidentSocket socket, PrintStream out) {
        if (ask(socket, ResidentSocket.OP_STATUS, out, out).isPresent()) {
            return 0;
        }
        cleanStale(socket);
        out.println("Conduit is not running (no resident on " + socket.socket() + ")");
        return 3;
    }

    private static void cleanStale(ResidentSocket socket) {
        if (socket.process().isEmpty()) {
            try {
                socket.removeStale();
            } catch (IOException e) {
                // the next start tries again
            }
        }
    }

    private static int stop(ResidentSocket socket, PrintStream out, PrintStream err) {
        Optional<ProcessHandle> process = socket.process();
        if (ask(socket, ResidentSocket.OP_STOP, out, err).isEmpty()) {
            cleanStale(socket);
            out.println("Conduit is not running");
            return 0;
        }
        if (process.isPresent()) {
            Duration bound = Main.STOP_BOUND.plusSeconds(5);
            try {
                process.get().onExit().get(bound.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                err.println("conduit: the resident Conduit (pid " + process.get().pid() + ") did not stop within "
                        + bound.toSeconds() + " s; see " + socket.log(Distribution.locate().log()) + ", or kill "
                        + process.get().pid());
                return Main.EXIT_START_FAILED;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Main.EXIT_START_FAILED;
            } catch (java.util.concurrent.ExecutionException e) {
                // it exited
            }
        }
        out.println("Conduit stopped");
        return 0;
    }

    private static int start(ResidentSocket socket, PrintStream out, PrintStream err) {
        Optional<Integer> running = ask(socket, ResidentSocket.OP_STATUS, new PrintStream(
                java.io.OutputStream.nullOutputStream()), err);
        if (running.isPresent()) {
            out.println("Conduit is already running (" + socket.socket() + ")");
            return 0;
        }
        Distribution dist = Distribution.locate();
        Path log = socket.log(dist.log());
        try {
            socket.prepare();
            cleanStale(socket);
            Files.createDirectories(log.getParent());
        } catch (IOException e) {
            err.println("conduit: cannot start the resident Conduit: " + e.getMessage());
            return Main.EXIT_START_FAILED;
        }
        ProcessHandle.Info self = ProcessHandle.current().info();
        if (self.command().isEmpty() || self.arguments().isEmpty()) {
            err.println("conduit: cannot start the resident Conduit: this system does not tell a process its own"
                    + " command line");
            return Main.EXIT_START_FAILED;
        }
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            command.add("/usr/bin/setsid"); // its own session: the terminal's Ctrl-C and hang-up do not reach it
        }
        command.add(self.command().get());
        List<String> args = new ArrayList<>(List.of(self.arguments().get()));
        args.set(args.size() - 1, Resident.SERVE); // this JVM's options, the hidden argument instead of "start"
        command.addAll(args);
        Process p;
        try {
            p = new ProcessBuilder(command).directory(dist.home().toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            err.println("conduit: cannot start the resident Conduit: " + e.getMessage());
            return Main.EXIT_START_FAILED;
        }
        long deadline = System.nanoTime() + START_BOUND.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<SocketChannel> ch = socket.connect();
            if (ch.isPresent()) {
                ResidentSocket.closeQuietly(ch.get());
                out.println("Conduit started: pid " + p.pid() + ", socket " + socket.socket() + ", log " + log);
                return 0;
            }
            try {
                if (p.waitFor(50, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                    err.println("conduit: the resident Conduit exited with status " + p.exitValue()
                            + " while starting; see " + log);
                    return Main.EXIT_START_FAILED;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        err.println("conduit: the resident Conduit (pid " + p.pid() + ") did not accept connections within "
                + START_BOUND.toSeconds() + " s; see " + log);
        return Main.EXIT_START_FAILED;
    }
}
