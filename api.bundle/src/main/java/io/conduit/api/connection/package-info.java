/**
 * Connection plugins: the factory service a plugin registers ({@link io.conduit.api.connection.ConnectionPlugin}),
 * the per-host {@link io.conduit.api.connection.Connection}, the values that cross between core and plugin, and
 * the exception family every plugin reports failures with.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.0.0")
package io.conduit.api.connection;
