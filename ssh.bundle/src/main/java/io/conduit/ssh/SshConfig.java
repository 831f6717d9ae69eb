package io.conduit.ssh;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Defaults of the ssh plugin, PID {@value SshPlugin#PID} ({@code etc/io.conduit.ssh.cfg}). A host's
 * {@code connection_options.ssh.extras} win over these, key by key. The keys are the option names: DS maps a
 * method name's {@code __} to {@code _}, so {@code host__key__checking()} reads {@code host_key_checking}. The options
 * are declared in {@link SshOptions}; {@code SshOptionsDocsTest} fails when a method here, its default or its
 * description says something else.
 */
@ObjectClassDefinition(name = "Conduit ssh plugin", description = "Defaults for SSH connections;"
        + " per-host values in the inventory's connection_options.ssh win over these")
public @interface SshConfig {

    @AttributeDefinition(description = "Port when the host sets none.")
    int port() default 22;

    @AttributeDefinition(description = "User to log in as when the host sets none; empty means the user running"
            + " Conduit.")
    String username() default "";

    @AttributeDefinition(description = "Private key file(s) to offer (OpenSSH, PEM or PKCS#8; ed25519, ecdsa, rsa),"
            + " comma separated. Without one, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried when look_for_keys"
            + " is true.")
    String private__key__file() default "";

    @AttributeDefinition(description = "Offer the usual ~/.ssh/id_* keys when private_key_file is not set.")
    boolean look__for__keys() default true;

    @AttributeDefinition(description = "strict: unknown or changed host keys fail the host; accept-new: record unknown"
            + " keys in known_hosts, refuse changed ones; off: check nothing, a changed key is accepted too (each"
            + " run says so on the console). yes and true are strict, no and false are off, as in OpenSSH.")
    String host__key__checking() default "strict";

    @AttributeDefinition(description = "OpenSSH known_hosts file (plain, hashed and [host]:port entries), read, and"
            + " written in accept-new mode.")
    String known__hosts__file() default "~/.ssh/known_hosts";

    @AttributeDefinition(description = "Write entries recorded by accept-new hashed, like OpenSSH's HashKnownHosts.")
    boolean hash__known__hosts() default false;

    @AttributeDefinition(description = "Jump hosts user@host:port, comma separated, first hop first; each hop's key is"
            + " checked and each hop gets the connect and auth timeouts.")
    String proxy__jump() default "";

    @AttributeDefinition(description = "Per hop: TCP connect, SSH banner and key exchange must finish within this (30,"
            + " 500ms, 10s, 1m).")
    String connect__timeout() default "10s";

    @AttributeDefinition(description = "Per hop: authentication must finish within this.")
    String auth__timeout() default "30s";

    @AttributeDefinition(description = "Timeout for commands that set none (0: none); the command is stopped and the"
            + " host fails as timed out.")
    String command__timeout() default "0";

    @AttributeDefinition(description = "Send keepalive@openssh.com this often on open connections; 0 disables.")
    String keepalive__interval() default "30s";

    @AttributeDefinition(description = "Drop the connection after this many unanswered keepalives (0: never).")
    int keepalive__count__max() default 3;

    @AttributeDefinition(description = "Read Host, HostName, User, Port, IdentityFile and ProxyJump from"
            + " ssh_config_file for what the inventory does not set.")
    boolean use__ssh__config() default false;

    @AttributeDefinition(description = "OpenSSH client configuration read when use_ssh_config is true.")
    String ssh__config__file() default "~/.ssh/config";

    @AttributeDefinition(description = "auto (SFTP; SCP when the server has no SFTP subsystem, pipe when the login"
            + " shell prints text on start; a fallback is verified by sha256 and named in the run), sftp, scp, or"
            + " pipe (the bytes through cat on an exec channel: any name, immune to login-shell output).")
    String transfer__method() default "auto";

    @AttributeDefinition(description = "After put and fetch, compare the sha256 of both ends (runs sha256sum on the"
            + " host).")
    boolean verify__checksum() default false;

    @AttributeDefinition(description = "Commands and transfers open at once on one connection (OpenSSH's MaxSessions"
            + " is 10).")
    int max__channels() default 8;

    @AttributeDefinition(description = "ssh-agent whose keys are offered after private_key_file and before"
            + " ~/.ssh/id_*, like OpenSSH's IdentityAgent: SSH_AUTH_SOCK (the environment variable), $NAME (another"
            + " variable), the absolute path of the agent's socket, or none.")
    String identity__agent() default "SSH_AUTH_SOCK";

    @AttributeDefinition(description = "Forward the identity_agent to commands on the host (OpenSSH's ForwardAgent);"
            + " root and the login user on the host can then use your keys while the connection is open.")
    boolean forward__agent() default false;
}
