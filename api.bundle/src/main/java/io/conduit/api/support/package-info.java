/**
 * Helpers that every plugin and the core need and that are not part of the connection contract, so that no plugin
 * writes them again: checking a component's configuration ({@link io.conduit.api.support.ConfigCheck},
 * {@link io.conduit.api.support.Configured}); quoting for a POSIX shell and the wrapper that gives a shell-less
 * protocol deadlines and become ({@link io.conduit.api.support.ShellCommand},
 * {@link io.conduit.api.support.WrappedCommand}); temporary names and the failure probe for transfers
 * ({@link io.conduit.api.support.FileNames}, {@link io.conduit.api.support.FileProblemProbe}); writing a local
 * file under a temporary name, then moving it into place ({@link io.conduit.api.support.LocalCopy},
 * {@link io.conduit.api.support.LocalWriteFailed}); durations in messages ({@link io.conduit.api.support.Durations}).
 *
 * <p>This package depends on the contract ({@code io.conduit.api.connection}) and never the other way: what a
 * contract signature or default method needs is contract ({@link io.conduit.api.connection.Secret},
 * {@link io.conduit.api.connection.OutputBuffer}, the quoting and variable-name rules of
 * {@link io.conduit.api.connection.Command}). Versioned on its own, so that the contract packages change only when
 * the contract does; 3.0 because {@code Secret}, {@code OutputBuffer} and {@code PosixFiles} left it.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("3.0.0")
package io.conduit.api.support;
