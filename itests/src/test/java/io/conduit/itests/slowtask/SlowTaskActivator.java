package io.conduit.itests.slowtask;

import java.util.Dictionary;
import java.util.Hashtable;

import org.osgi.framework.BundleActivator;
import org.osgi.framework.BundleContext;
import org.osgi.framework.ServiceRegistration;

import io.conduit.api.task.Task;
import io.conduit.api.task.TaskPlugin;

/**
 * Registers {@link SlowTask} under the task name {@value #NAME}, reporting its bundle's version. On stop it
 * unregisters the service first (the core's unbind returns once the calls in flight ended), then closes the task,
 * as a plugin releases what its calls use: a call still running then fails, so a lost result shows.
 */
public final class SlowTaskActivator implements BundleActivator {
    /** The task's name. */
    public static final String NAME = "slow";

    private SlowTask task;
    private ServiceRegistration<TaskPlugin> registration;

    @Override
    public void start(BundleContext context) {
        Dictionary<String, Object> props = new Hashtable<>();
        props.put(Task.NAME, NAME);
        task = new SlowTask(context.getBundle().getVersion().toString());
        registration = context.registerService(TaskPlugin.class, task, props);
    }

    @Override
    public void stop(BundleContext context) {
        registration.unregister();
        task.close();
    }
}
