package io.conduit.rest.connection;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.conduit.api.connection.Connection;
import io.conduit.api.connection.ConnectionException;
import io.conduit.api.connection.FileProblem;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.TransferFailedException;
import io.conduit.api.connection.Trace;
import io.conduit.api.support.FileNames;
import io.conduit.api.support.FileProblemProbe;
import io.conduit.api.support.LocalCopy;
import io.conduit.api.support.LocalWriteFailed;
import io.conduit.rest.client.ApiErrors;
import io.conduit.rest.client.Capabilities;
import io.conduit.rest.client.CountingBody;
import io.conduit.rest.client.DeviceClient;
import io.conduit.rest.plugin.RestSettings;

/**
 * The file transfers of one open connection ({@code PUT} and {@code GET /files}, PROTOCOL.md): raw octet streams
 * when the device offers them and {@code raw_files} is on, base64 in JSON within {@code max_inline_file_size}
 * otherwise. The cause of a failed write the device did not name is asked of the device with
 * {@link FileProblemProbe}, run through {@link Commands}. Thread-safe.
 */
final class Transfers {
    private static final Logger LOG = LoggerFactory.getLogger(Transfers.class);
    /** The header of a raw file answer with the file's permission bits (PROTOCOL.md, {@code GET /files}). */
    private static final String MODE_HEADER = "X-Conduit-Mode";

    private final DeviceClient client;
    private final ApiErrors errors;
    private final Capabilities capabilities;
    private final boolean raw;
    private final Commands commands;
    private final String where;

    /**
     * @param client the device's client
     * @param capabilities what the device offers
     * @param raw whether files travel as raw octet streams (offered and {@code raw_files} on)
     * @param commands runs the probe after a failed write
     */
    Transfers(DeviceClient client, Capabilities capabilities, boolean raw, Commands commands) {
        this.client = client;
        this.errors = client.errors();
        this.capabilities = capabilities;
        this.raw = raw;
        this.commands = commands;
        this.where = client.where();
    }

    /** @see RestConnection#put(Path, String, int, Trace) */
    void put(Path local, String remotePath, int mode, Trace trace) throws IOException {
        RestSettings s = client.settings();
        if (!Files.isRegularFile(local)) {
            throw new FileNotFoundException(local + (Files.isDirectory(local) ? ": is a directory, not a file"
                    : ": no such local file"));
        }
        long size = Files.size(local);
        remotePath = FileNames.intoDirectory(remotePath, local.getFileName().toString());
        long maxFileSize = capabilities.maxFileSize();
        if (maxFileSize >= 0 && size > maxFileSize) {
            throw new ConnectionException(where + ": cannot put " + remotePath + ": " + local + " is " + size
                    + " bytes, over the device's limit of " + maxFileSize + " bytes (max_file_size in its "
                    + client.path(s.healthPath()) + "); start the agent with a larger --max-file-size");
        }
        String modeText = mode == Connection.KEEP_MODE ? localMode(local) : String.format("%04o", mode & 07777);
        String label = "PUT " + client.path(s.filesPath());
        CountingBody upload;
        HttpRequest.Builder request;
        if (raw) {
            String query = "path=" + DeviceClient.encode(remotePath) + (modeText == null ? "" : "&mode=" + modeText);
            upload = new CountingBody(HttpRequest.BodyPublishers.ofFile(local));
            request = client.request(s.filesPath(), query, transferTimeout(s, size))
                    .header("Content-Type", DeviceClient.OCTET);
        } else {
            refuseBig(s, size, local.toString(), "send");
            JsonObject body = new JsonObject();
            body.addProperty("path", remotePath);
            body.addProperty("content", Base64.getEncoder().encodeToString(Files.readAllBytes(local)));
            body.addProperty("encoding", "base64");
            if (modeText != null) {
                body.addProperty("mode", modeText);
            }
            upload = new CountingBody(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8));
            request = client.request(s.filesPath(), null, transferTimeout(s, size))
                    .header("Content-Type", DeviceClient.JSON);
        }
        HttpResponse<InputStream> response;
        try {
            response = client.send(label, request.header("Accept", DeviceClient.JSON).PUT(upload).build(), upload);
        } catch (ApiErrors.Lost e) {
            // older devices close a refused upload before reading it: the answer is lost with the connection
            FileProblem problem = upload.sent() > 0 ? probe(remotePath, size) : null;
            if (problem != null) {
                throw new TransferFailedException("put", remotePath, problem, e);
            }
            throw e;
        }
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "rest: " + label + " " + (raw ? "raw octet stream" : "base64 in JSON") + ", "
                    + size + " bytes -> " + response.statusCode());
        }
        byte[] reply = expectWritten(label, response, remotePath, size);
        if (reply.length > 0) {
            JsonObject written = errors.object(label, response.statusCode(), reply);
            JsonElement got = written.get("size");
            if (got != null && got.isJsonPrimitive() && got.getAsJsonPrimitive().isNumber() && got.getAsLong() != size) {
                throw new ConnectionException(where + ": " + remotePath + ": the device stored " + got.getAsLong()
                        + " bytes of " + size + "; the transfer was damaged, try again");
            }
        }
        LOG.debug("{}: put {} -> {} ({} bytes{})", where, local, remotePath, size, raw ? ", raw" : "");
    }

    /** @see RestConnection#fetch(String, Path, Trace) */
    void fetch(String remotePath, Path local, Trace trace) throws IOException {
        RestSettings s = client.settings();
        String label = "GET " + client.path(s.filesPath()) + "?path=" + remotePath;
        HttpResponse<InputStream> response = client.send(label, client.request(s.filesPath(), "path="
                + DeviceClient.encode(remotePath), transferTimeout(s, 0)).header("Accept", raw ? DeviceClient.OCTET
                + ", " + DeviceClient.JSON : DeviceClient.JSON).GET().build(), true);
        String type = response.headers().firstValue("Content-Type").orElse("").toLowerCase(Locale.ROOT);
        if (trace.on(Trace.CONNECTION)) {
            trace.line(Trace.CONNECTION, "rest: " + label + " -> " + response.statusCode() + " "
                    + (type.startsWith(DeviceClient.OCTET) ? "raw octet stream" : "base64 in JSON"));
        }
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            byte[] body = ApiErrors.readQuietly(response, ApiErrors.ERROR_BODY_LIMIT);
            FileProblem problem = response.statusCode() == 404 ? null : FileRefusals.named(response.statusCode(), body);
            if (problem != null) {
                throw new TransferFailedException("fetch", remotePath, problem, null);
            }
            errors.refuse(label, response, body, remotePath);
        }
        LocalCopy copy;
        try {
            copy = LocalCopy.create(local);
        } catch (LocalWriteFailed e) {
            ApiErrors.drain(response);
            throw FileRefusals.local(remotePath, local, e.getCause());
        }
        // the device's failures pass as they are; only the local file's (LocalWriteFailed) are named here
        try (copy) {
            String mode;
            if (type.startsWith(DeviceClient.OCTET)) {
                mode = response.headers().firstValue(MODE_HEADER).orElse(null);
                try (InputStream in = response.body(); OutputStream out = copy.output()) {
                    byte[] buffer = new byte[65536];
                    int n;
                    while ((n = read(label, in, buffer)) >= 0) {
                        out.write(buffer, 0, n);
                    }
                }
            } else {
                long limit = s.maxInlineFileSize() / 3 * 4 + DeviceClient.SMALL_BODY_LIMIT;
                long announced = response.headers().firstValueAsLong("Content-Length").orElse(-1);
                if (announced > limit) {
                    ApiErrors.drain(response);
                    refuseBig(s, announced / 4 * 3, remotePath, "fetch");
                }
                JsonObject reply = errors.object(label, response.statusCode(),
                        errors.expectOk(label, response, limit, remotePath));
                String content = ApiErrors.text(reply, "content");
                if (content == null) {
                    throw new ProtocolException(where + ": " + label + " answered without \"content\": \""
                            + errors.excerpt(reply.toString()) + "\"");
                }
                mode = ApiErrors.text(reply, "mode");
                String encoding = ApiErrors.text(reply, "encoding");
                byte[] bytes;
                if (encoding != null && (encoding.equalsIgnoreCase("text") || encoding.toLowerCase(Locale.ROOT)
                        .startsWith("utf"))) {
                    bytes = content.getBytes(StandardCharsets.UTF_8);
                } else {
                    try {
                        bytes = Base64.getMimeDecoder().decode(content);
                    } catch (IllegalArgumentException e) {
                        throw new ProtocolException(where + ": " + label + ": \"content\" is not base64: \""
                                + errors.excerpt(content) + "\"");
                    }
                }
                try (OutputStream out = copy.output()) {
                    out.write(bytes);
                }
            }
            int bits = FileRefusals.mode(mode);
            if (bits >= 0) {
                copy.setMode(bits); // false on a file system without POSIX permissions: the default ones stay
            }
            copy.commit();
        } catch (LocalWriteFailed e) {
            throw FileRefusals.local(remotePath, local, e.getCause());
        }
        LOG.debug("{}: fetched {} -> {}", where, remotePath, local);
    }

    /** A read of the device's answer; its failure is the device's, in {@link ApiErrors#failure}'s words. */
    private int read(String label, InputStream in, byte[] buffer) throws IOException {
        try {
            return in.read(buffer);
        } catch (IOException e) {
            throw errors.failure(label, e);
        }
    }

    /**
     * {@link ApiErrors#expectOk} for a write: a refusal for a cause of the device's file system is a
     * {@link TransferFailedException}, found by the probe when the device answered a generic 5xx.
     */
    private byte[] expectWritten(String label, HttpResponse<InputStream> response, String remotePath, long size)
            throws IOException {
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return errors.read(label, response, DeviceClient.SMALL_BODY_LIMIT);
        }
        byte[] body;
        boolean unread = false;
        try (InputStream in = response.body()) {
            body = in.readNBytes((int) ApiErrors.ERROR_BODY_LIMIT);
        } catch (IOException e) {
            // a device that answered before reading the body and then closed: the status came, its words not
            body = new byte[0];
            unread = true;
        }
        FileProblem problem = FileRefusals.named(status, body);
        if (problem == null && (unread || status >= 500 && status != 502 && status != 503 && status != 504)) {
            // the device failed to write and did not say why (502-504: busy or a proxy, not the file)
            problem = probe(remotePath, size);
        }
        if (problem != null) {
            throw new TransferFailedException("put", remotePath, problem, null);
        }
        if (status == 404) {
            String error = errors.errorText(body);
            throw new ConnectionException(where + ": cannot write " + remotePath + " (404" + (error.isEmpty() ? ""
                    : ": " + error) + "); create its directory first (if the device answers this for every file,"
                    + " check files_path and api_path)");
        }
        errors.refuse(label, response, body, null);
        return null; // not reached
    }

    /**
     * Asks the device why a write failed when it did not say (FileProblemProbe: a stat and a df of the target's
     * directory, run as a command, writing nothing).
     *
     * @return the cause found, or {@code null} (none found, or the device could not run the probe)
     */
    private FileProblem probe(String remotePath, long size) {
        try {
            FileProblem found = FileProblemProbe.read(commands.exec(FileProblemProbe.command(remotePath, size),
                    Trace.OFF));
            LOG.debug("{}: probe after a failed put of {}: {}", where, remotePath, found);
            return found;
        } catch (IOException | RuntimeException e) {
            LOG.debug("{}: cannot probe why the put of {} failed: {}", where, remotePath, e.toString());
            return null;
        }
    }

    private void refuseBig(RestSettings s, long size, String file, String verb) throws ConnectionException {
        if (size > s.maxInlineFileSize()) {
            throw new ConnectionException(where + ": cannot " + verb + " " + file + ": it is " + ApiErrors.mib(size)
                    + ", over max_inline_file_size (" + ApiErrors.mib(s.maxInlineFileSize()) + "), and the device "
                    + (s.rawFiles() ? "does not offer raw file streaming (no \"" + Capabilities.RAW_FILES
                            + "\" in its /health)" : "may not stream raw (raw_files: false)")
                    + "; raise max_inline_file_size if the device can take it, or update the device's agent");
        }
    }

    private static Duration transferTimeout(RestSettings s, long size) {
        // a big file needs time: allow at least 1 MiB/s on top of the request timeout
        return s.requestTimeout().plusSeconds(size >> 20);
    }

    private static String localMode(Path local) {
        try {
            return String.format("%04o", LocalCopy.modeOf(local));
        } catch (IOException | UnsupportedOperationException e) {
            return null;
        }
    }
}
