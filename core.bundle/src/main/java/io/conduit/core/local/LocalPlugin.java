package io.conduit.core.local;

import java.util.List;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionName;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.api.connection.OptionType;

/**
 * The {@code local} connection plugin: runs commands on the Conduit machine through the shared shell wrapper,
 * and copies files locally. Registered through the same whiteboard as any third-party plugin.
 */
@Component
@ConnectionName(LocalPlugin.NAME)
public final class LocalPlugin implements ConnectionPlugin {
    /** The plugin's name. */
    public static final String NAME = "local";
    static final String SHELL = "shell";

    private final AtomicInteger threads = new AtomicInteger();
    // blocking pipe I/O: three threads per running command, never the common pool (it has one thread on 2 cores)
    private final ExecutorService io = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "conduit-local-io-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    @Override
    public Connection create(ConnectionKey key) {
        return new LocalConnection(key, io);
    }

    @Deactivate
    void deactivate() {
        io.shutdownNow();
    }

    @Override
    public List<OptionDescriptor> options() {
        return List.of(OptionDescriptor.of(SHELL, OptionType.PATH, "/bin/sh",
                "The shell that runs the wrapped command line."));
    }

    @Override
    public String description() {
        return "runs commands and copies files on the Conduit machine itself";
    }
}
