package io.conduit.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectFailedException;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.core.registry.PluginBinding;

/**
 * A scriptable plugin for core tests: counts opens and closes, answers exec with a function of the host and
 * command, and can be told which hosts refuse connections.
 */
public final class FakePlugin implements ConnectionPlugin {
    private static final AtomicInteger SERVICE_IDS = new AtomicInteger(1000);

    public final String name;
    public final String version;
    public final AtomicInteger opens = new AtomicInteger();
    /** How often its options were asked for. */
    public final AtomicInteger optionsAsked = new AtomicInteger();
    public final AtomicInteger closes = new AtomicInteger();
    public final AtomicInteger running = new AtomicInteger();
    public final AtomicInteger maxRunning = new AtomicInteger();
    public final List<FakeConnection> connections = new CopyOnWriteArrayList<>();
    public final ConcurrentHashMap<String, Boolean> refuse = new ConcurrentHashMap<>();
    public volatile Function<Command, byte[]> output = c -> (c.line() + "\n").getBytes(StandardCharsets.UTF_8);
    public volatile ExecHook hook = (host, command) -> { };
    /** Runs inside open, before it succeeds: block, throw. */
    public volatile OpenHook openHook = host -> { };
    /** What every connection reports as {@link Connection#warnings()}. */
    public volatile List<String> warnings = List.of();

    /** Runs inside exec, before the output is made: block, throw, count. */
    @FunctionalInterface
    public interface ExecHook {
        void during(String host, Command command) throws IOException, InterruptedException;
    }

    /** Runs inside open. */
    @FunctionalInterface
    public interface OpenHook {
        void during(String host) throws IOException;
    }

    public FakePlugin(String name, String version) {
        this.name = name;
        this.version = version;
    }

    public PluginBinding binding() {
        return binding(0);
    }

    public PluginBinding binding(int ranking) {
        return new PluginBinding(name, SERVICE_IDS.incrementAndGet(), ranking, "test." + name, version, this);
    }

    @Override
    public Connection create(ConnectionKey key) {
        FakeConnection c = new FakeConnection(key);
        connections.add(c);
        return c;
    }

    /** What {@link #options()} declares: {@code delay} by default. */
    public volatile List<OptionDescriptor> declared =
            List.of(OptionDescriptor.of("delay", OptionType.DURATION, null, "sleep before answering"));

    @Override
    public List<OptionDescriptor> options() {
        optionsAsked.incrementAndGet();
        return declared;
    }

    /** One fake connection. */
    public final class FakeConnection implements Connection {
        public final ConnectionKey key;
        public volatile ConnectionParams params;
        public volatile boolean alive = true;
        public volatile boolean closed;

        FakeConnection(ConnectionKey key) {
            this.key = key;
        }

        @Override
        public void open(ConnectionParams p) throws IOException {
            if (refuse.containsKey(key.host())) {
                throw new ConnectFailedException(p.hostname() + ":" + p.port() + ": connection refused");
            }
            openHook.during(key.host());
            params = p;
            opens.incrementAndGet();
        }

        @Override
        public ExecResult exec(Command command) throws IOException {
            int now = running.incrementAndGet();
            maxRunning.accumulateAndGet(now, Math::max);
            try {
                hook.during(key.host(), command);
                OutputBuffer out = new OutputBuffer(command.outputLimit());
                out.write(output.apply(command));
                return ExecResult.of(0, out, new OutputBuffer(0), Duration.ZERO);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            } finally {
                running.decrementAndGet();
            }
        }

        @Override
        public void put(Path local, String remotePath, int mode) {
        }

        @Override
        public void fetch(String remotePath, Path local) {
        }

        @Override
        public List<String> warnings() {
            return warnings;
        }

        @Override
        public boolean isAlive() {
            return alive && !closed;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                closes.incrementAndGet();
            }
        }
    }
}
