/**
 * Running work on hosts: {@link io.conduit.api.task.Task}, what it sees ({@link io.conduit.api.task.TaskContext}),
 * its results ({@link io.conduit.api.task.HostResult}, {@link io.conduit.api.task.RunResult}) and the
 * {@link io.conduit.api.task.Runner} service that runs a task over the hosts a pattern selects.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.5.0")
package io.conduit.api.task;
