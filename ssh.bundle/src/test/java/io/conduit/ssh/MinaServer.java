package io.conduit.ssh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.scp.server.ScpCommandFactory;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.auth.keyboard.DefaultKeyboardInteractiveAuthenticator;
import org.apache.sshd.server.auth.password.PasswordAuthenticator;
import org.apache.sshd.server.command.CommandFactory;
import org.apache.sshd.server.forward.AcceptAllForwardingFilter;
import org.apache.sshd.server.shell.ProcessShellFactory;
import org.apache.sshd.sftp.server.SftpSubsystemFactory;

import io.conduit.ssh.hostkey.KnownHosts;

/**
 * An in-JVM MINA SSHD server on 127.0.0.1 for the plugin's tests. Commands run as real local processes through
 * {@code /bin/sh -c LINE}, the way OpenSSH runs them. SFTP, SCP, passwords, keys and forwarding are switches.
 */
final class MinaServer implements AutoCloseable {
    static final String USER = "tester";
    static final String PASSWORD = "s3cret-pw";

    final SshServer server;
    final KeyPair hostKey;
    final AtomicInteger sessions = new AtomicInteger();
    /** Every exec command line the server ran, in order. */
    final List<String> commands;

    private MinaServer(SshServer server, KeyPair hostKey, List<String> commands) {
        this.commands = commands;
        this.server = server;
        this.hostKey = hostKey;
    }

    /** Options of a test server. */
    static final class Options {
        boolean sftp = true;
        boolean password = true;
        boolean keyboardInteractiveOnly = false;
        PublicKey authorizedKey;
        boolean forwarding = false;
        KeyPair hostKey;
    }

    static MinaServer start(Consumer<Options> configure) throws Exception {
        Options o = new Options();
        configure.accept(o);
        KeyPair hostKey = o.hostKey != null ? o.hostKey : KeyUtils.generateKeyPair("ssh-ed25519", 256);
        SshServer sshd = SshServer.setUpDefaultServer();
        sshd.setHost("127.0.0.1");
        sshd.setPort(0);
        sshd.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        PasswordAuthenticator passwords = (user, pw, session) -> USER.equals(user) && PASSWORD.equals(pw);
        if (o.keyboardInteractiveOnly) {
            sshd.setKeyboardInteractiveAuthenticator(new DefaultKeyboardInteractiveAuthenticator());
            sshd.setPasswordAuthenticator(passwords); // consulted by the keyboard-interactive authenticator
            sshd.setUserAuthFactoriesNames("keyboard-interactive");
        } else {
            sshd.setKeyboardInteractiveAuthenticator(null);
            if (o.password) {
                sshd.setPasswordAuthenticator(passwords);
            }
            if (o.authorizedKey != null) {
                PublicKey allowed = o.authorizedKey;
                sshd.setPublickeyAuthenticator((user, key, session) -> USER.equals(user)
                        && KeyUtils.compareKeys(allowed, key));
            }
        }
        List<String> commands = new java.util.concurrent.CopyOnWriteArrayList<>();
        CommandFactory processes = (channel, line) -> {
            commands.add(line);
            return new ProcessShellFactory(line, "/bin/sh", "-c", line).createShell(channel);
        };
        sshd.setCommandFactory(new ScpCommandFactory.Builder().withDelegate(processes).build());
        if (o.sftp) {
            sshd.setSubsystemFactories(List.of(new SftpSubsystemFactory()));
        }
        if (o.forwarding) {
            sshd.setForwardingFilter(AcceptAllForwardingFilter.INSTANCE);
        }
        MinaServer s = new MinaServer(sshd, hostKey, commands);
        sshd.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                s.sessions.incrementAndGet();
            }
        });
        sshd.start();
        return s;
    }

    int port() {
        return server.getPort();
    }

    /** Writes a known_hosts line for this server as {@code [127.0.0.1]:port}. */
    void trust(Path knownHosts, boolean hashed) throws IOException {
        String line = KnownHosts.entryLine("127.0.0.1", port(), hostKey.getPublic(), hashed) + "\n";
        Files.writeString(knownHosts, line, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    @Override
    public void close() throws IOException {
        server.stop(true);
    }

    static Set<String> none() {
        return Set.of();
    }
}
