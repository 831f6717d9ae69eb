package io.conduit.docker.client;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.ProtocolException;

/**
 * Starts an exec on a raw connection and gives its hijacked stream: {@code POST /exec/ID/start} with
 * {@code Upgrade: tcp}, then stdin goes out and the (multiplexed unless tty) output comes back on the same socket.
 *
 * <p>Done here rather than with docker-java's {@code execStartCmd}: docker-java never half-closes the socket after
 * stdin, and it spends two threads per exec. Here stdin ends with {@link #closeStdin()} (socket half-close; the
 * daemon then closes the exec's stdin, which is how Conduit's command wrapper is told to stop the command) and
 * output is read by one thread of the caller's choice.
 */
public final class ExecStream implements AutoCloseable {
    private static final Pattern MESSAGE = Pattern.compile("\"message\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
    private static final int MAX_ERROR_BODY = 64 * 1024;

    private final DockerClients.Duplex io;
    private final InputStream in;

    private ExecStream(DockerClients.Duplex io, InputStream in) {
        this.io = io;
        this.in = in;
    }

    /**
     * Starts an exec that was created with docker-java.
     *
     * @param client the daemon
     * @param execId the exec's id
     * @param tty whether the exec has a tty (then output is not multiplexed)
     * @return the stream
     * @throws IOException the daemon is unreachable or refused; {@link ExecRefusedException} carries its status
     */
    public static ExecStream start(DockerClients.Client client, String execId, boolean tty) throws IOException {
        DockerClients.Duplex io = DockerClients.open(client);
        try {
            byte[] body = ("{\"Detach\":false,\"Tty\":" + tty + "}").getBytes(StandardCharsets.US_ASCII);
            String head = "POST " + client.endpoint().pathPrefix() + "/exec/" + execId + "/start HTTP/1.1\r\n"
                    + "Host: docker\r\nUser-Agent: conduit-docker\r\nContent-Type: application/json\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: " + body.length + "\r\n\r\n";
            OutputStream out = io.out();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedInputStream in = new BufferedInputStream(io.in(), 64 * 1024);
            String status = line(in);
            String[] parts = status.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new ProtocolException("docker daemon at " + client.endpoint().address()
                        + " answered exec start with \"" + excerpt(status) + "\", not HTTP");
            }
            int code = Integer.parseInt(parts[1]);
            long length = -1;
            boolean chunked = false;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                String lower = header.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(header.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                }
            }
            if (code == 101 || code == 200) {
                return new ExecStream(io, in);
            }
            String message = errorBody(in, length, chunked);
            throw new ExecRefusedException(code, message);
        } catch (IOException | RuntimeException e) {
            io.close();
            throw e instanceof ConnectionException c ? c
                    : e instanceof IOException ? DockerClients.describe(e, client.endpoint())
                    : new ProtocolException("docker daemon at " + client.endpoint().address()
                            + ": malformed exec start answer (" + e + ")", e);
        }
    }

    /** @return the output stream of the exec (multiplexed frames unless tty) */
    public InputStream output() {
        return in;
    }

    /** @return where to write the exec's stdin */
    public OutputStream stdin() {
        return io.out();
    }

    /**
     * Ends the exec's stdin.
     *
     * @throws IOException the socket failed
     */
    public void closeStdin() throws IOException {
        io.out().flush();
        io.shutdownOutput();
    }

    /** Closes the socket; a blocked read fails at once. */
    @Override
    public void close() {
        io.close();
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0) {
                throw new EOFException("connection closed in the HTTP header");
            }
            if (line.size() > 8192) {
                throw new ProtocolException("HTTP header line longer than 8 KiB");
            }
            if (b != '\r') {
                line.write(b);
            }
        }
        return line.toString(StandardCharsets.ISO_8859_1);
    }

    private static String errorBody(InputStream in, long length, boolean chunked) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (chunked) {
            for (long size = Long.parseLong(line(in).split(";")[0].trim(), 16); size > 0 && body.size() < MAX_ERROR_BODY;
                    size = Long.parseLong(line(in).split(";")[0].trim(), 16)) {
                body.write(in.readNBytes((int) Math.min(size, MAX_ERROR_BODY)));
                line(in);
            }
        } else if (length > 0) {
            body.write(in.readNBytes((int) Math.min(length, MAX_ERROR_BODY)));
        }
        String text = body.toString(StandardCharsets.UTF_8).trim();
        Matcher m = MESSAGE.matcher(text);
        return m.find() ? m.group(1).replace("\\\"", "\"").replace("\\n", " ") : text;
    }

    private static String excerpt(String text) {
        return text.length() > 80 ? text.substring(0, 80) + "..." : text;
    }

    /** The daemon refused to start the exec: the container stopped (409) or is gone (404). */
    public static final class ExecRefusedException extends ConnectionException {
        private static final long serialVersionUID = 1L;
        private final int status;

        ExecRefusedException(int status, String message) {
            super(message);
            this.status = status;
        }

        /** @return the HTTP status */
        public int status() {
            return status;
        }
    }
}
