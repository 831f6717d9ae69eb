package io.conduit.core.registry;

/** Told when a plugin service stops serving, so that its connections can be drained. */
public interface PluginListener {
    /**
     * A service stopped being the one that serves its name: it was unregistered, or a better ranked service
     * of the same name arrived. Called on the thread that changed the registry (for a removal, often the
     * thread stopping the plugin's bundle) with no registry lock held.
     *
     * @param binding the service that no longer serves new connections
     * @param unregistering whether the service is going away (drain now, bounded) or only shadowed (close
     *        its connections once idle)
     */
    void retired(PluginBinding binding, boolean unregistering);
}
