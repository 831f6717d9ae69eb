/**
 * Helpers that every plugin and the core need and that are not part of the connection contract, so that no plugin
 * writes them again: checking a component's configuration ({@link io.conduit.api.support.ConfigCheck},
 * {@link io.conduit.api.support.Configured}); secrets that never print ({@link io.conduit.api.support.Secret});
 * bounded output ({@link io.conduit.api.support.OutputBuffer}); quoting for a POSIX shell and the wrapper that
 * gives a shell-less protocol deadlines and become ({@link io.conduit.api.support.ShellCommand},
 * {@link io.conduit.api.support.WrappedCommand}); temporary names, file scripts and the failure probe for
 * transfers ({@link io.conduit.api.support.FileNames}, {@link io.conduit.api.support.PosixFiles},
 * {@link io.conduit.api.support.FileProblemProbe}); writing a local file under a temporary name, then moving it
 * into place ({@link io.conduit.api.support.LocalCopy}, {@link io.conduit.api.support.LocalWriteFailed}); durations
 * in messages ({@link io.conduit.api.support.Durations}).
 * Versioned on its own, so that the contract packages change only when the contract does.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("2.1.0")
package io.conduit.api.support;
