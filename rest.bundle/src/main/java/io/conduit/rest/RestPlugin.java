package io.conduit.rest;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Modified;
import org.osgi.service.metatype.annotations.Designate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.conduit.api.support.ConfigCheck;
import io.conduit.api.support.Configured;
import io.conduit.api.support.SharedResources;
import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionKey;
import io.conduit.api.connection.ConnectionName;
import io.conduit.api.connection.ConnectionPlugin;
import io.conduit.api.connection.OptionDescriptor;
import io.conduit.rest.client.HttpClients;
import io.conduit.rest.connection.RestConnection;
import io.conduit.rest.connection.RestContext;
import io.conduit.rest.plugin.RestConfig;
import io.conduit.rest.plugin.RestSettings;

/**
 * The {@code rest} connection plugin: appliances, gateways and devices with an HTTP management API and no SSH,
 * through the protocol in rest.bundle/PROTOCOL.md. Defaults come from PID {@value #PID}; each host's
 * {@code connection_options.rest.extras} win over them.
 */
// its connections outlive the component (the HTTP threads stop after the last closes): upgrades do not wait for them
@Component(configurationPid = RestPlugin.PID, property = ConnectionPlugin.BACKGROUND_DRAIN + ":Boolean=true")
@Designate(ocd = RestConfig.class)
@ConnectionName(RestPlugin.NAME)
public final class RestPlugin implements ConnectionPlugin {
    /** The configuration PID. */
    public static final String PID = "io.conduit.rest";
    /** The plugin's name. */
    public static final String NAME = "rest";
    private static final Logger LOG = LoggerFactory.getLogger(RestPlugin.class);

    private final AtomicInteger threads = new AtomicInteger();
    // the HTTP clients' work runs here, not in the common pool, so that deactivate can stop every thread we caused
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "conduit-rest-http-" + threads.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    /** What refuses to work while the configuration is invalid. */
    private static final String USE = "the rest plugin's connections and options";
    private volatile Configured<RestSettings> settings;
    /** What the connections share, made once and handed to each; a connection never calls this component. */
    private final RestContext context = new RestContext(new HttpClients(executor),
            new SharedResources<>(NAME, RestPlugin.class));
    /** The configuration {@link #settings} came from: {@link #options} shows its values as the defaults. */
    private volatile RestConfig config;

    /**
     * @param config the ConfigAdmin defaults
     * @throws IllegalArgumentException a default is wrong; the message names the PID and key
     */
    public RestPlugin(RestConfig config) {
        this.settings = Configured.of(RestSettings.from(PID, config));
        this.config = config;
    }

    /**
     * Activates even with an invalid configuration: logged once as one line, and {@link #create} and
     * {@link #options} refuse with it until {@code etc/io.conduit.rest.cfg} is fixed (a run with rest hosts is
     * refused before it starts).
     *
     * @param config the ConfigAdmin defaults
     * @param properties the same configuration as ConfigAdmin gave it, to check the values' types
     */
    @Activate
    public RestPlugin(RestConfig config, Map<String, Object> properties) {
        this.settings = configure(config, properties);
        this.config = config;
    }

    @Modified
    void modified(RestConfig config, Map<String, Object> properties) {
        Configured<RestSettings> next = configure(config, properties);
        this.config = config;
        settings = next;
        if (settings.valid()) {
            LOG.info("rest plugin defaults changed; connections opened from now on use them");
        }
    }

    private static Configured<RestSettings> configure(RestConfig config, Map<String, Object> properties) {
        Configured<RestSettings> c = ConfigCheck.validate(PID, RestConfig.class, properties,
                () -> RestSettings.from(PID, config));
        if (!c.valid()) {
            LOG.error("{} ({} refuse to work until then)", c.problem(), USE);
        }
        return c;
    }

    /**
     * Stops the plugin. Its connections the core still drains ({@link #draining}: an upgrade or a removal while
     * calls run) are left to the core, which closes them when their calls end or after {@code drain_grace}; the
     * HTTP clients and their threads go once the last has closed. Otherwise the connections still open close now
     * and the HTTP threads stop, in bounded time.
     */
    @Deactivate
    public void deactivate() {
        context.open().release(all -> all.forEach(RestConnection::close), this::stop);
    }

    /** The core drains this service's connections in the background: deactivate leaves them open. */
    @Override
    public void draining(Duration drainGrace) {
        context.open().draining(drainGrace);
    }

    private void stop() {
        context.clients().clear();
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                LOG.warn("rest plugin: HTTP threads still running 5 s after stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Makes a connection with the defaults of now: the core opens it right away, and a later @Modified applies
     * to the connections made from then on.
     *
     * @throws io.conduit.api.support.InvalidConfigurationException the configuration is invalid (the message says
     *         why and names etc/io.conduit.rest.cfg's PID)
     */
    @Override
    public Connection create(ConnectionKey key) {
        RestConnection connection = new RestConnection(key, context, settings.get(USE));
        context.open().add(connection);
        return connection;
    }

    @Override
    public List<OptionDescriptor> options() {
        settings.get(USE); // refused with the configuration's problem while it is invalid
        return RestSettings.describe(config);
    }

    @Override
    public String description() {
        return "devices with an HTTP management API (token over HTTPS): the REST device protocol, PROTOCOL.md";
    }

    /** @return the shared HTTP clients, for tests */
    public HttpClients clients() {
        return context.clients();
    }

    /** @return the current defaults */
    public RestSettings settings() {
        return settings.get(USE);
    }
}
