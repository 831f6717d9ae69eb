package io.conduit.ssh;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Defaults of the ssh plugin, PID {@value SshPlugin#PID} ({@code etc/io.conduit.ssh.cfg}). A host's
 * {@code connection_options.ssh.extras} win over these, key by key. The keys are the option names: DS maps a
 * method name's {@code __} to {@code _}, so {@code host__key__checking()} reads {@code host_key_checking}.
 */
@ObjectClassDefinition(name = "Conduit ssh plugin", description = "Defaults for SSH connections;"
        + " per-host values in the inventory's connection_options.ssh win over these")
public @interface SshConfig {

    @AttributeDefinition(description = "Port when the inventory gives none")
    int port() default 22;

    @AttributeDefinition(description = "User to log in as when the inventory gives none; empty means the"
            + " user running Conduit")
    String username() default "";

    @AttributeDefinition(description = "Private key file(s), comma separated; empty means ~/.ssh/id_ed25519,"
            + " id_ecdsa and id_rsa when look_for_keys is true")
    String private__key__file() default "";

    @AttributeDefinition(description = "Offer the usual ~/.ssh/id_* keys when no private key file is set")
    boolean look__for__keys() default true;

    @AttributeDefinition(description = "strict (unknown or changed keys fail), accept-new (record unknown keys,"
            + " refuse changed ones) or off (check nothing, a changed key is accepted too; each run says so on the"
            + " console)")
    String host__key__checking() default "strict";

    @AttributeDefinition(description = "OpenSSH known_hosts file read, and written in accept-new mode")
    String known__hosts__file() default "~/.ssh/known_hosts";

    @AttributeDefinition(description = "Write new known_hosts entries hashed (like OpenSSH's HashKnownHosts)")
    boolean hash__known__hosts() default false;

    @AttributeDefinition(description = "Jump hosts, comma separated user@host:port, first hop first; empty for none")
    String proxy__jump() default "";

    @AttributeDefinition(description = "Per hop: TCP connect, SSH banner and key exchange must finish within"
            + " this (30, 500ms, 10s, 1m)")
    String connect__timeout() default "10s";

    @AttributeDefinition(description = "Per hop: authentication must finish within this")
    String auth__timeout() default "30s";

    @AttributeDefinition(description = "Timeout of a command that sets none of its own; 0 means none")
    String command__timeout() default "0";

    @AttributeDefinition(description = "Send an SSH keepalive this often on open connections; 0 disables")
    String keepalive__interval() default "30s";

    @AttributeDefinition(description = "Close the connection after this many keepalives without an answer")
    int keepalive__count__max() default 3;

    @AttributeDefinition(description = "Read Host, HostName, User, Port, IdentityFile and ProxyJump from"
            + " ssh_config_file for hosts that do not set them in the inventory")
    boolean use__ssh__config() default false;

    @AttributeDefinition(description = "OpenSSH client configuration read when use_ssh_config is true")
    String ssh__config__file() default "~/.ssh/config";

    @AttributeDefinition(description = "auto (SFTP; SCP when the server has no SFTP"
            + " subsystem, pipe when the login shell prints text on start; a fallback is verified by sha256 and named"
            + " in the run), sftp, scp or pipe (the bytes through cat on an exec channel)")
    String transfer__method() default "auto";

    @AttributeDefinition(description = "Compare sha256 of both ends after put and fetch (needs sha256sum"
            + " on the host)")
    boolean verify__checksum() default false;

    @AttributeDefinition(description = "Channels (commands, transfers) open at once on one connection;"
            + " OpenSSH allows 10 (MaxSessions)")
    int max__channels() default 8;

    @AttributeDefinition(description = "ssh-agent whose keys are offered after private_key_file and before"
            + " ~/.ssh/id_* (OpenSSH's IdentityAgent): SSH_AUTH_SOCK (the environment variable), $NAME (another"
            + " variable), the absolute path of the agent's socket, or none")
    String identity__agent() default "SSH_AUTH_SOCK";

    @AttributeDefinition(description = "Forward the identity_agent to commands on the host (OpenSSH's"
            + " ForwardAgent); root and the login user on the host can then use your keys while connected")
    boolean forward__agent() default false;
}
