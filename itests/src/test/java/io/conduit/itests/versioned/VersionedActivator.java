package io.conduit.itests.versioned;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import io.conduit.api.connection.ConnectionPlugin;

/**
 * Registers {@link VersionedPlugin} under the name {@value #NAME}, reporting its bundle's version; with the
 * header {@value #BACKGROUND_DRAIN_HEADER}: true, as a plugin whose connections outlive its service.
 */
public final class VersionedActivator implements BundleActivator {
    /** The plugin's name. */
    public static final String NAME = "versioned";
    /** Manifest header: "true" registers the plugin with ConnectionPlugin.BACKGROUND_DRAIN. */
    public static final String BACKGROUND_DRAIN_HEADER = "Conduit-Test-Background-Drain";

    @Override
    public void start(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(ConnectionPlugin.NAME, NAME);
        if ("true".equals(context.getBundle().getHeaders().get(BACKGROUND_DRAIN_HEADER))) {
            // its connections hold nothing the bundle's stop ends: calls in flight may finish after it
            props.put(ConnectionPlugin.BACKGROUND_DRAIN, Boolean.TRUE);
        }
        context.registerService(ConnectionPlugin.class,
                new VersionedPlugin(context.getBundle().getVersion().toString()), props);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the service
    }
}
