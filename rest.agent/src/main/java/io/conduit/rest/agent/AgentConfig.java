package io.conduit.rest.agent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The agent's settings, parsed from its command line ({@link #parse}). Every flag is listed by {@link #HELP}.
 *
 * @param bind the address to listen on
 * @param port the port to listen on (0 picks a free one)
 * @param token the bearer token clients must send (never printed)
 * @param stateDir where the self-signed certificate, its key store and {@code ca.pem} live
 * @param keystore a PKCS12 key store with the server key and certificate chain, or {@code null} for self-signed
 * @param keystorePassword its password, or {@code null}
 * @param subjectAltNames extra DNS names or IP addresses for the self-signed certificate
 * @param tls whether to speak HTTPS (plain HTTP only with {@code --no-tls})
 * @param apiPath the base path of the API
 * @param maxRequestBytes the largest JSON request body accepted
 * @param maxFileBytes the largest raw file upload accepted
 * @param maxOutputBytes the most stdout and stderr kept per command and stream
 * @param maxCommandTimeout the longest a command may run
 * @param maxCommands how many commands may run at once; more are refused with 503
 * @param workdir the working directory commands start in
 */
public record AgentConfig(String bind, int port, String token, Path stateDir, Path keystore, char[] keystorePassword,
        List<String> subjectAltNames, boolean tls, String apiPath, long maxRequestBytes, long maxFileBytes,
        long maxOutputBytes, Duration maxCommandTimeout, int maxCommands, Path workdir) {

    /** The environment variable the token is read from when {@code --token-file} is not given. */
    public static final String TOKEN_ENV = "CONDUIT_AGENT_TOKEN";

    /** What {@code --help} prints. */
    public static final String HELP = """
            Usage: java -jar conduit-rest-agent.jar [options]

            Conduit's reference REST agent: runs commands (sh -c) and reads/writes files for the Conduit
            'rest' connection plugin over HTTPS with a bearer token. Protocol: rest.bundle/PROTOCOL.md.

            Options:
              --bind ADDR                 address to listen on (default 127.0.0.1; 0.0.0.0 for all)
              --port PORT                 port to listen on (default 8443; 0 picks a free port)
              --token-file FILE           file holding the bearer token (first line); without it the token
                                          comes from the environment variable CONDUIT_AGENT_TOKEN
              --state-dir DIR             where the self-signed certificate is kept (default ~/.conduit-agent);
                                          the CA certificate clients must trust is written to DIR/ca.pem
              --san NAME                  extra DNS name or IP address for the self-signed certificate
                                          (repeatable; localhost, 127.0.0.1 and the bind address are always in)
              --keystore FILE             use this PKCS12 key store (server key + chain) instead of a
                                          self-signed certificate
              --keystore-password-file FILE
                                          file holding the key store's password
              --no-tls                    speak plain HTTP (only behind a TLS proxy or on a trusted network)
              --api-path PATH             base path of the API (default /api/v1)
              --max-request-size SIZE     largest JSON request body (default 64m)
              --max-file-size SIZE        largest raw (application/octet-stream) upload (default 4g)
              --max-output SIZE           most stdout and stderr kept per command and stream (default 16m)
              --max-command-timeout SECS  longest a command may run; also the limit when the client sets
                                          none (default 3600)
              --max-commands N            commands running at once; more are refused with 503 (default 32)
              --workdir DIR               working directory of commands (default the user's home)
              --help                      print this help and exit

            SIZE is bytes, or a number with k, m or g (1024-based).
            """;

    /**
     * Parses the command line.
     *
     * @param args the arguments
     * @param env the environment (for {@link #TOKEN_ENV})
     * @return the settings
     * @throws IllegalArgumentException a flag is unknown or a value is bad; the message says which and what to do
     * @throws IOException a file named on the command line cannot be read
     */
    public static AgentConfig parse(String[] args, Map<String, String> env) throws IOException {
        String bind = "127.0.0.1";
        int port = 8443;
        Path tokenFile = null;
        Path stateDir = Path.of(System.getProperty("user.home"), ".conduit-agent");
        Path keystore = null;
        Path keystorePasswordFile = null;
        List<String> sans = new ArrayList<>();
        boolean tls = true;
        String apiPath = "/api/v1";
        long maxRequest = 64L << 20;
        long maxFile = 4L << 30;
        long maxOutput = 16L << 20;
        long maxTimeout = 3600;
        int maxCommands = 32;
        Path workdir = Path.of(System.getProperty("user.home"));

        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (arg.equals("--no-tls")) {
                tls = false;
                continue;
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                throw new HelpRequested();
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value; see --help");
                }
                value = args[++i];
            }
            switch (arg) {
                case "--bind" -> bind = value;
                case "--port" -> port = (int) number(arg, value, 0, 65535);
                case "--token-file" -> tokenFile = Path.of(value);
                case "--state-dir" -> stateDir = Path.of(value);
                case "--san" -> sans.add(value);
                case "--keystore" -> keystore = Path.of(value);
                case "--keystore-password-file" -> keystorePasswordFile = Path.of(value);
                case "--api-path" -> apiPath = value;
                case "--max-request-size" -> maxRequest = size(arg, value);
                case "--max-file-size" -> maxFile = size(arg, value);
                case "--max-output" -> maxOutput = size(arg, value);
                case "--max-command-timeout" -> maxTimeout = number(arg, value, 1, Long.MAX_VALUE / 1000);
                case "--max-commands" -> maxCommands = (int) number(arg, value, 1, 4096);
                case "--workdir" -> workdir = Path.of(value);
                default -> throw new IllegalArgumentException("unknown option " + arg + "; see --help");
            }
        }
        if (!apiPath.startsWith("/")) {
            throw new IllegalArgumentException("--api-path must start with /: " + apiPath);
        }
        apiPath = apiPath.length() > 1 && apiPath.endsWith("/") ? apiPath.substring(0, apiPath.length() - 1) : apiPath;

        String token;
        if (tokenFile != null) {
            token = firstLine(tokenFile, "--token-file");
        } else {
            token = env.get(TOKEN_ENV);
            if (token == null) {
                throw new IllegalArgumentException("no token: give --token-file FILE or set " + TOKEN_ENV
                        + " (for example: head -c 32 /dev/urandom | base64 > token && chmod 600 token)");
            }
            token = token.strip();
        }
        if (token.isEmpty()) {
            throw new IllegalArgumentException("the token is empty" + (tokenFile != null ? " in " + tokenFile : "")
                    + "; put a long random string there");
        }
        char[] keystorePassword = null;
        if (keystore != null) {
            if (keystorePasswordFile == null) {
                throw new IllegalArgumentException("--keystore needs --keystore-password-file");
            }
            keystorePassword = firstLine(keystorePasswordFile, "--keystore-password-file").toCharArray();
        }
        return new AgentConfig(bind, port, token, stateDir, keystore, keystorePassword, List.copyOf(sans), tls,
                apiPath, maxRequest, maxFile, maxOutput, Duration.ofSeconds(maxTimeout), maxCommands, workdir);
    }

    /** Never shows the token or the key store password. */
    @Override
    public String toString() {
        return "AgentConfig[bind=" + bind + ", port=" + port + ", stateDir=" + stateDir + ", keystore=" + keystore
                + ", tls=" + tls + ", apiPath=" + apiPath + "]";
    }

    private static String firstLine(Path file, String flag) throws IOException {
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException(flag + ": cannot read " + file + "; check the path and permissions");
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int newline = text.indexOf('\n');
        return (newline >= 0 ? text.substring(0, newline) : text).strip();
    }

    private static long number(String flag, String value, long min, long max) {
        try {
            long n = Long.parseLong(value.trim());
            if (n < min || n > max) {
                throw new IllegalArgumentException(flag + ": " + value + " is out of range " + min + "-" + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(flag + ": \"" + value + "\" is not a number");
        }
    }

    static long size(String flag, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long factor = 1;
        if (v.endsWith("k") || v.endsWith("m") || v.endsWith("g")) {
            factor = switch (v.charAt(v.length() - 1)) {
                case 'k' -> 1L << 10;
                case 'm' -> 1L << 20;
                default -> 1L << 30;
            };
            v = v.substring(0, v.length() - 1);
        }
        return number(flag, v, 1, Long.MAX_VALUE / factor) * factor;
    }

    /** Thrown by {@link #parse} for {@code --help}. */
    public static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super("help", null, false, false);
        }
    }
}
