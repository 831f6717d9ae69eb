package io.conduit.api.connection;

import java.time.Duration;
import java.util.List;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * A connection plugin: the factory service that makes per-host {@link Connection}s. Plugins register it on the
 * service registry with the property {@link #NAME}, normally through {@link ConnectionName}:
 *
 * <pre>
 * &#64;Component
 * &#64;ConnectionName("ssh")
 * public final class SshPlugin implements ConnectionPlugin { ... }
 * </pre>
 *
 * <p>The core tracks every such service dynamically: when two services share a name the highest ranked one
 * serves new connections. Implementations must be thread safe; {@link #create} is called concurrently for
 * different hosts.
 */
@ConsumerType
public interface ConnectionPlugin {

    /**
     * Service property naming the plugin (type {@code String}, required). Hosts select a plugin with it, for
     * example {@code connection: ssh} in the inventory. A service without a valid name is ignored.
     */
    String NAME = "conduit.connection.name";

    /**
     * Service property (type {@code Boolean} or the string {@code "true"}; absent means {@code false}): the
     * plugin's connections keep working after its service is unregistered and its component (or activator) has
     * stopped, until the core closes them. The core then drains them in the background when the service goes
     * away: the stop of the plugin's bundle is not held, so in an upgrade the new version serves new hosts as soon
     * as it registers, while the calls in flight finish on the old version (within the pool's {@code drain_grace})
     * before the core closes their connections. Without it, the core holds the unregistration until those calls
     * end (bounded by {@code drain_grace}), because a plugin's deactivation may close its connections under them.
     * Set it only when stopping leaves open connections usable: no shared client stopped, no class still to load
     * from the bundle (Felix refreshes an updated bundle that exports nothing at once, which closes the old
     * revision's jar: a class first needed after that cannot load). {@link #draining} tells the plugin that the
     * core drains, and for how long; {@code io.conduit.api.support.SharedResources} does the rest. Added in
     * package version 1.3.
     */
    String BACKGROUND_DRAIN = "conduit.connection.background_drain";

    /**
     * The core has taken this service out of use and drains its connections in the background (the service has
     * {@link #BACKGROUND_DRAIN}): it closes each connection when its calls end, those idle at once, and those
     * still busy after {@code drainGrace} (closing many takes up to 7 s more). Called on the thread that
     * unregisters the service, before the plugin's component is deactivated (Declarative Services unregisters a
     * component's service before it calls its deactivate method, Declarative Services specification, "Deactivation"). A plugin then leaves
     * its open connections to the core and frees what they share once the last has closed, or at the latest
     * after {@code drainGrace} and that margin; when this is never called (no core, as in a plugin's own tests)
     * deactivation closes everything at once. The default does nothing. Added in package version 1.4.
     *
     * @param drainGrace the pool's {@code drain_grace}: how long calls in flight may still run; zero or more
     */
    default void draining(Duration drainGrace) {
    }

    /**
     * Makes a connection for one host without doing any I/O; the core then calls {@link Connection#open}.
     *
     * @param key the host and plugin the connection is for
     * @return a new, unopened connection
     */
    Connection create(ConnectionKey key);

    /**
     * Describes the options this plugin reads from {@link ConnectionParams#extras()}, so that the shell can
     * document them ({@code conduit:plugins NAME}) and the core can check their types before {@code open}.
     *
     * @return the options, in the order to show them; empty when the plugin reads none
     */
    default List<OptionDescriptor> options() {
        return List.of();
    }

    /**
     * One line that says what the plugin connects to, shown by {@code conduit:plugins}.
     *
     * @return a short description
     */
    default String description() {
        return "";
    }
}
