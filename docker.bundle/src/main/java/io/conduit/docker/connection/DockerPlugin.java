package io.conduit.docker.connection;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionName;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.docker.client.DockerClients;
import io.conduit.api.support.Configured;
import io.conduit.api.support.SharedResources;
import io.conduit.docker.client.DockerConfig;
import io.conduit.docker.client.DockerDefaults;

/**
 * The {@code docker} connection plugin: runs commands in running containers through the Engine API's exec, and
 * moves files through its archive API. No docker CLI is needed. Defaults from PID {@value DockerDefaults#PID}.
 *
 * <p>Owns the threads that read exec output, feed stdin and stop commands, and the open connections, which it
 * hands to each connection as one {@link DockerContext}; {@link #deactivate} closes all of them, so an upgraded
 * bundle leaves nothing running (the core has drained their calls before: this plugin does not drain in the
 * background). The docker-java clients are the {@link DockerClients} component's, shared with the inventory
 * source, and closed when that component deactivates (after this one).
 */
// no BACKGROUND_DRAIN: the core holds this plugin's stop until its calls end. Calls in flight after an update
// would need classes of the 6,000 it embeds (docker-java, Jackson, HttpClient 5, loaded reflectively), which the
// refreshed old revision no longer loads; loading them all ahead costs seconds of CPU per revision
@Component(service = ConnectionPlugin.class, configurationPid = DockerDefaults.PID)
@Designate(ocd = DockerConfig.class)
@ConnectionName(DockerPlugin.NAME)
public final class DockerPlugin implements ConnectionPlugin {
    /** The plugin's name. */
    public static final String NAME = "docker";

    private static final Logger LOG = LoggerFactory.getLogger(DockerPlugin.class);

    private final SharedResources<DockerConnection> connections = new SharedResources<>(NAME, null);
    private final ExecutorService io;
    private final ScheduledExecutorService deadlines;
    private final DockerContext context;
    /** The clients this instance made itself (tests) and closes on deactivation, or {@code null}. */
    private final DockerClients owned;
    /** What refuses to work while the configuration is invalid. */
    private static final String USE = "the docker plugin's connections";
    private volatile Configured<DockerDefaults> defaults;

    /**
     * Activates with the ConfigAdmin defaults over the process environment, even when they are invalid: the
     * problem is logged once, as one line, and {@link #create} refuses with it until {@code etc/io.conduit.docker.cfg}
     * is fixed (a run with docker hosts is refused before it starts).
     *
     * @param config the configuration
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     * @param clients the bundle's docker-java clients, shared with the inventory source
     */
    @Activate
    public DockerPlugin(DockerConfig config, Map<String, Object> properties,
            @Reference(name = "clients") DockerClients clients) {
        this(configure(config, properties), clients, null);
    }

    /**
     * Makes a plugin with given defaults and clients of its own, which {@link #deactivate} closes (tests).
     *
     * @param defaults the defaults
     */
    public DockerPlugin(DockerDefaults defaults) {
        this(Configured.of(defaults), new DockerClients());
    }

    private DockerPlugin(Configured<DockerDefaults> defaults, DockerClients own) {
        this(defaults, own, own);
    }

    private DockerPlugin(Configured<DockerDefaults> defaults, DockerClients clients, DockerClients owned) {
        this.defaults = defaults;
        this.owned = owned;
        // the instance in the names tells threads of an old (upgraded) plugin from the current one's
        String instance = Integer.toHexString(System.identityHashCode(this));
        this.io = Executors.newCachedThreadPool(threads("conduit-docker-io-" + instance + "-"));
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                threads("conduit-docker-deadline-" + instance + "-"));
        timer.setRemoveOnCancelPolicy(true);
        this.deadlines = timer;
        this.context = new DockerContext(clients, io, deadlines, connections);
    }

    @Modified
    void modified(DockerConfig config, Map<String, Object> properties) {
        defaults = configure(config, properties);
    }

    private static Configured<DockerDefaults> configure(DockerConfig config, Map<String, Object> properties) {
        Configured<DockerDefaults> c = DockerDefaults.configure(config, properties, System.getenv());
        if (!c.valid()) {
            // the docker inventory source reads the same PID and says nothing: one line per problem
            LOG.error("{} ({} and the docker inventory source refuse to work until then)", c.problem(), USE);
        }
        return c;
    }

    /**
     * Stops the plugin: every connection closes now, then the clients and the threads; bounded.
     */
    @Deactivate
    public void deactivate() {
        int n = connections.size();
        // closing stops the commands in flight: their stdin closes (the command wrapper ends each process group)
        // and the wait for each stop, with the fallback kill when a stop is not confirmed, runs on the I/O threads
        if (connections.release(open -> open.forEach(DockerConnection::close), this::stop)) {
            LOG.info("docker plugin stopped; closed {} connection(s)", n);
        }
    }

    private void stop() {
        io.shutdown();
        try {
            // let those stops finish (each bounded: about 2 s, at most 5 s plus the kill grace), then stop everything
            if (!io.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("docker plugin: I/O threads still busy after 10s; stopping them");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (owned != null) {
            owned.close();
        }
        deadlines.shutdownNow();
        io.shutdownNow();
        try {
            if (!io.awaitTermination(5, TimeUnit.SECONDS) || !deadlines.awaitTermination(1, TimeUnit.SECONDS)) {
                LOG.warn("docker plugin: some I/O threads did not stop within 5s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public Connection create(ConnectionKey key) {
        return new DockerConnection(context, key, defaults.get(USE));
    }

    @Override
    public List<OptionDescriptor> options() {
        // refused while the configuration is invalid: a run with docker hosts is refused before it starts
        return defaults.get(USE).describe();
    }

    @Override
    public String description() {
        return "Docker containers through the Engine API: exec, archive put/fetch (unix socket or tcp with TLS)";
    }

    /** @return how many connections are open, for tests */
    int openConnections() {
        return connections.size();
    }

    static ThreadFactory threads(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread thread = new Thread(task, prefix + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
