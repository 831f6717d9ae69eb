package io.conduit.rest.connection;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.ProtocolException;
import io.conduit.api.connection.OutputBuffer;
import io.conduit.rest.client.ApiErrors;

/**
 * Reads a device's answer to a command ({@code POST /execute}, PROTOCOL.md): the exit code, stdout and stderr
 * (base64 or text) capped at the run's output limit, and what was dropped on either side.
 */
final class ExecAnswer {
    private final ApiErrors errors;
    private final String where;

    /**
     * @param errors the device's error mapping (excerpts without secrets)
     * @param where the host's address for messages
     */
    ExecAnswer(ApiErrors errors, String where) {
        this.errors = errors;
        this.where = where;
    }

    /**
     * @param label the request, for messages
     * @param result the answer's JSON object
     * @param outputLimit the most bytes kept per stream
     * @param duration how long the command took as seen here
     * @return the result
     * @throws ProtocolException the answer has no numeric {@code return_code}, or output that is not base64
     */
    ExecResult parse(String label, JsonObject result, long outputLimit, Duration duration)
            throws IOException {
        JsonElement rc = result.get("return_code");
        if (rc == null || !rc.isJsonPrimitive() || !rc.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException(where + ": " + label + " answered without a numeric \"return_code\": \""
                    + errors.excerpt(result.toString()) + "\"; is exec_path right for this device?");
        }
        boolean base64 = "base64".equalsIgnoreCase(ApiErrors.text(result, "output_encoding"));
        OutputBuffer out = new OutputBuffer(outputLimit);
        OutputBuffer err = new OutputBuffer(outputLimit);
        out.write(output(label, result, "stdout", base64));
        err.write(output(label, result, "stderr", base64));
        return new ExecResult(rc.getAsInt(), out.toByteArray(), err.toByteArray(), duration,
                out.truncated() || ApiErrors.flag(result, "stdout_truncated"),
                err.truncated() || ApiErrors.flag(result, "stderr_truncated"),
                dropped(out, result, "stdout"), dropped(err, result, "stderr"));
    }

    private byte[] output(String label, JsonObject result, String field, boolean base64) throws ProtocolException {
        String value = ApiErrors.text(result, field);
        if (value == null) {
            return new byte[0];
        }
        if (!base64) {
            return value.getBytes(StandardCharsets.UTF_8);
        }
        try {
            return Base64.getMimeDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(where + ": " + label + ": \"" + field + "\" is not base64: \""
                    + errors.excerpt(value) + "\"");
        }
    }

    /**
     * The bytes of a stream dropped in all: what the agent dropped at its limit ({@code STREAM_dropped}; an agent
     * older than that field only says {@code STREAM_truncated}, and the count is then unknown) plus what this side
     * dropped at the run's limit.
     */
    private static long dropped(OutputBuffer kept, JsonObject result, String stream) {
        JsonElement n = result.get(stream + "_dropped");
        if (n != null && n.isJsonPrimitive() && n.getAsJsonPrimitive().isNumber() && n.getAsLong() >= 0) {
            return n.getAsLong() + kept.dropped();
        }
        return ApiErrors.flag(result, stream + "_truncated") ? ExecResult.UNCOUNTED : kept.dropped();
    }
}
