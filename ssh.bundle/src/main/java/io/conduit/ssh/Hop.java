package io.conduit.ssh;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.sshd.common.AttributeRepository;

import io.conduit.ssh.hostkey.HostKeyVerifier;

/**
 * What the client-wide session listener and key verifier need to know about one hop of a {@link SessionChain},
 * attached to its session's connection context under {@link #KEY}.
 *
 * @param verifier checks this hop's host key
 * @param keepalive the host's keepalive interval, when it differs from the plugin-wide one ({@code null}: the same)
 * @param failure the first exception MINA reported on the session, for the connect's message
 */
record Hop(HostKeyVerifier verifier, Duration keepalive, AtomicReference<Throwable> failure) {
    /** Where a session's hop is found ({@code ClientSession.getConnectionContext()}). */
    static final AttributeRepository.AttributeKey<Hop> KEY = new AttributeRepository.AttributeKey<>();

    Hop(HostKeyVerifier verifier, Duration keepalive) {
        this(verifier, keepalive, new AtomicReference<>());
    }
}
