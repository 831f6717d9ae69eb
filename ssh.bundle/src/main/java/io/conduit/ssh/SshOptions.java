package io.conduit.ssh;

import java.time.Duration;
import java.util.List;

import io.conduit.api.support.PluginOption;
import io.conduit.api.connection.Secret;

/**
 * Every option of the ssh plugin, declared once: {@code conduit:plugins ssh}, the core's checks of a host's
 * extras, {@link SshSettings}, and (checked by {@code SshOptionsDocsTest}) the Metatype of {@link SshConfig}, the
 * README's option table and {@code etc/io.conduit.ssh.cfg} all come from here.
 */
final class SshOptions {

    static final PluginOption<Long> PORT = PluginOption.integer("port", 22,
            "Port when the host sets none.");
    static final PluginOption<String> USERNAME = PluginOption.string("username", null,
            "User to log in as when the host sets none; empty means the user running Conduit.")
            .withShownDefault("the user running Conduit");
    static final PluginOption<List<String>> PRIVATE_KEY_FILE = PluginOption.list("private_key_file",
            "Private key file(s) to offer (OpenSSH, PEM or PKCS#8; ed25519, ecdsa, rsa), comma separated. Without"
                    + " one, ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried when look_for_keys is true.");
    static final PluginOption<Secret> PRIVATE_KEY_PASSPHRASE = PluginOption.secret("private_key_passphrase",
            "Passphrase of the private key file(s).");
    static final PluginOption<Secret> PASSPHRASE = PluginOption.secret("passphrase",
            "Same as private_key_passphrase.");
    static final PluginOption<Boolean> LOOK_FOR_KEYS = PluginOption.bool("look_for_keys", true,
            "Offer the usual ~/.ssh/id_* keys when private_key_file is not set.");
    static final PluginOption<String> HOST_KEY_CHECKING = PluginOption.choice("host_key_checking", "strict",
            "strict: unknown or changed host keys fail the host; accept-new: record unknown keys in known_hosts,"
                    + " refuse changed ones; off: check nothing, a changed key is accepted too (each run says so on"
                    + " the console). yes and true are strict, no and false are off, as in OpenSSH.",
            "strict", "accept-new", "off", "yes", "no", "true", "false");
    static final PluginOption<String> KNOWN_HOSTS_FILE = PluginOption.path("known_hosts_file", "~/.ssh/known_hosts",
            "OpenSSH known_hosts file (plain, hashed and [host]:port entries), read, and written in accept-new"
                    + " mode.");
    static final PluginOption<Boolean> HASH_KNOWN_HOSTS = PluginOption.bool("hash_known_hosts", false,
            "Write entries recorded by accept-new hashed, like OpenSSH's HashKnownHosts.");
    static final PluginOption<List<String>> PROXY_JUMP = PluginOption.list("proxy_jump",
            "Jump hosts user@host:port, comma separated, first hop first; each hop's key is checked and each hop"
                    + " gets the connect and auth timeouts.");
    static final PluginOption<Duration> CONNECT_TIMEOUT = PluginOption.duration("connect_timeout", "10s",
            "Per hop: TCP connect, SSH banner and key exchange must finish within this (30, 500ms, 10s, 1m).");
    static final PluginOption<Duration> AUTH_TIMEOUT = PluginOption.duration("auth_timeout", "30s",
            "Per hop: authentication must finish within this.");
    static final PluginOption<Duration> COMMAND_TIMEOUT = PluginOption.duration("command_timeout", "0",
            "Timeout for commands that set none (0: none); the command is stopped and the host fails as timed"
                    + " out.");
    static final PluginOption<Duration> KEEPALIVE_INTERVAL = PluginOption.duration("keepalive_interval", "30s",
            "Send keepalive@openssh.com this often on open connections; 0 disables.");
    static final PluginOption<Long> KEEPALIVE_COUNT_MAX = PluginOption.integer("keepalive_count_max", 3,
            "Drop the connection after this many unanswered keepalives (0: never).");
    static final PluginOption<Boolean> USE_SSH_CONFIG = PluginOption.bool("use_ssh_config", false,
            "Read Host, HostName, User, Port, IdentityFile and ProxyJump from ssh_config_file for what the"
                    + " inventory does not set.");
    static final PluginOption<String> SSH_CONFIG_FILE = PluginOption.path("ssh_config_file", "~/.ssh/config",
            "OpenSSH client configuration read when use_ssh_config is true.");
    static final PluginOption<String> TRANSFER_METHOD = PluginOption.choice("transfer_method", "auto",
            "auto (SFTP; SCP when the server has no SFTP subsystem, pipe when the login shell prints text on"
                    + " start; a fallback is verified by sha256 and named in the run), sftp, scp, or pipe (the bytes"
                    + " through cat on an exec channel: any name, immune to login-shell output).",
            "auto", "sftp", "scp", "pipe");
    static final PluginOption<Boolean> VERIFY_CHECKSUM = PluginOption.bool("verify_checksum", false,
            "After put and fetch, compare the sha256 of both ends (runs sha256sum on the host).");
    static final PluginOption<Long> MAX_CHANNELS = PluginOption.integer("max_channels", 8,
            "Commands and transfers open at once on one connection (OpenSSH's MaxSessions is 10).");
    static final PluginOption<String> IDENTITY_AGENT = PluginOption.string("identity_agent",
            SshSettings.AGENT_FROM_ENVIRONMENT,
            "ssh-agent whose keys are offered after private_key_file and before ~/.ssh/id_*, like OpenSSH's"
                    + " IdentityAgent: SSH_AUTH_SOCK (the environment variable), $NAME (another variable), the"
                    + " absolute path of the agent's socket, or none.");
    static final PluginOption<Boolean> FORWARD_AGENT = PluginOption.bool("forward_agent", false,
            "Forward the identity_agent to commands on the host (OpenSSH's ForwardAgent); root and the login user"
                    + " on the host can then use your keys while the connection is open.");

    /** Every option, in the order {@code conduit:plugins ssh} shows them. */
    static final List<PluginOption<?>> ALL = List.of(PORT, USERNAME, PRIVATE_KEY_FILE, PRIVATE_KEY_PASSPHRASE,
            PASSPHRASE, LOOK_FOR_KEYS, HOST_KEY_CHECKING, KNOWN_HOSTS_FILE, HASH_KNOWN_HOSTS, PROXY_JUMP,
            CONNECT_TIMEOUT, AUTH_TIMEOUT, COMMAND_TIMEOUT, KEEPALIVE_INTERVAL, KEEPALIVE_COUNT_MAX, USE_SSH_CONFIG,
            SSH_CONFIG_FILE, TRANSFER_METHOD, VERIFY_CHECKSUM, MAX_CHANNELS, IDENTITY_AGENT, FORWARD_AGENT);

    private SshOptions() {
    }
}
