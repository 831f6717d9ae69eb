/**
 * Helpers that every plugin and the core need and that are not part of the connection contract: checking a
 * component's configuration ({@link io.conduit.api.support.ConfigCheck}, {@link io.conduit.api.support.Configured}).
 * Versioned on its own, so that the contract packages change only when the contract does.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.1.0")
package io.conduit.api.support;
