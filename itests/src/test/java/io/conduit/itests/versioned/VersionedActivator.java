package io.conduit.itests.versioned;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;

import io.conduit.api.connection.ConnectionPlugin;

/** Registers {@link VersionedPlugin} under the name {@value #NAME}, reporting its bundle's version. */
public final class VersionedActivator implements BundleActivator {
    /** The plugin's name. */
    public static final String NAME = "versioned";

    @Override
    public void start(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(ConnectionPlugin.NAME, NAME);
        context.registerService(ConnectionPlugin.class,
                new VersionedPlugin(context.getBundle().getVersion().toString()), props);
    }

    @Override
    public void stop(BundleContext context) {
        // the framework unregisters the service
    }
}
