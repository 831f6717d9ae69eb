package io.conduit.ssh;

import java.util.ArrayList;
import java.util.List;

/**
 * Where one SSH hop goes: user, host and port, written {@code [user@]host[:port]} (an IPv6 literal in brackets).
 *
 * @param user the login user, or {@code null} for the connection's user
 * @param host the host name or address
 * @param port the port, or 0 for the default
 */
public record Endpoint(String user, String host, int port) {

    /** @return {@code host:port}, or {@code [host]:port} for IPv6 literals */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return (user == null ? "" : user + "@") + address();
    }

    /**
     * Parses a comma separated chain of hops, first hop first.
     *
     * @param where the option name, for messages
     * @param text the chain, e.g. {@code admin@bastion:2222,10.0.0.5}
     * @param defaultPort the port of hops that give none
     * @return the hops, empty when the text is blank or {@code none}
     */
    public static List<Endpoint> parseChain(String where, String text, int defaultPort) {
        List<Endpoint> hops = new ArrayList<>();
        if (text == null || text.isBlank() || text.trim().equalsIgnoreCase("none")) {
            return hops;
        }
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                hops.add(parse(where, part.trim(), defaultPort));
            }
        }
        return List.copyOf(hops);
    }

    /**
     * Parses one hop.
     *
     * @param where the option name, for messages
     * @param text {@code [user@]host[:port]}, optionally prefixed {@code ssh://}
     * @param defaultPort the port when none is given
     * @return the hop
     */
    public static Endpoint parse(String where, String text, int defaultPort) {
        String rest = text.startsWith("ssh://") ? text.substring(6) : text;
        String user = null;
        int at = rest.lastIndexOf('@');
        if (at >= 0) {
            user = rest.substring(0, at);
            rest = rest.substring(at + 1);
        }
        String host = rest;
        int port = defaultPort;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(where + ": \"" + text + "\" has no closing ]");
            }
            host = rest.substring(1, close);
            String tail = rest.substring(close + 1);
            if (tail.startsWith(":")) {
                port = parsePort(where, text, tail.substring(1));
            } else if (!tail.isEmpty()) {
                throw new IllegalArgumentException(where + ": \"" + text + "\" is not [user@]host[:port]");
            }
        } else if (rest.indexOf(':') >= 0 && rest.indexOf(':') == rest.lastIndexOf(':')) {
            host = rest.substring(0, rest.indexOf(':'));
            port = parsePort(where, text, rest.substring(rest.indexOf(':') + 1));
        }
        if (host.isBlank() || (user != null && user.isBlank())) {
            throw new IllegalArgumentException(where + ": \"" + text + "\" is not [user@]host[:port]");
        }
        return new Endpoint(user, host, port);
    }

    private static int parsePort(String where, String text, String port) {
        try {
            int p = Integer.parseInt(port);
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(where + ": \"" + text + "\" has no valid port; use a number 1-65535");
    }
}
