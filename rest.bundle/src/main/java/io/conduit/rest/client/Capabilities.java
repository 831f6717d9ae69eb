package io.conduit.rest.client;

import java.util.List;
import java.util.Set;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;

/**
 * What a device said about itself in its {@code GET health} answer (PROTOCOL.md): the optional parts of the
 * protocol it takes, and its file size limit.
 *
 * @param offered the capability names it listed that this plugin knows (any of the constants below)
 * @param maxFileSize the device's {@code limits.max_file_size} in bytes, or {@code -1} when it gave none
 */
public record Capabilities(Set<String> offered, long maxFileSize) {
    /** The capability of a device that takes and gives application/octet-stream file bodies. */
    public static final String RAW_FILES = "raw_files";
    /** The capability of a device that takes {@code DELETE EXEC_PATH?id=ID} to kill a command. */
    public static final String CANCEL = "cancel";
    /**
     * The capability of a device that takes {@code "become"} in a command request and runs sudo or su itself,
     * giving the password only when they ask. Without it, become is refused.
     */
    public static final String BECOME = "become";
    /**
     * The capability of a device that takes {@code "heartbeat"}: it answers a command as soon as it started,
     * writes a space every interval, and stops the command when it cannot (the client is gone).
     */
    public static final String HEARTBEAT = "heartbeat";
    /**
     * The capability of a device that takes {@code "env"} in a command request and gives the variables to the
     * command without putting them on a command line. Without it, they are exported in the command text.
     */
    public static final String ENV = "env";
    /** The known capabilities, in the order the trace lists them. */
    private static final List<String> KNOWN = List.of(RAW_FILES, CANCEL, BECOME, HEARTBEAT, ENV);

    /** A device whose health answer had no body: none of the optional parts, no file limit. */
    public static final Capabilities NONE = new Capabilities(Set.of(), -1);

    /** @param offered copied; {@code maxFileSize} is {@code -1} or a byte count */
    public Capabilities {
        offered = Set.copyOf(offered);
    }

    /**
     * Reads a health answer; unknown capabilities and fields of the wrong type are ignored.
     *
     * @param health the answer's JSON object
     * @return what it offers
     */
    public static Capabilities of(JsonObject health) {
        long fileLimit = -1;
        if (health.get("limits") instanceof JsonObject limits && limits.get("max_file_size") instanceof JsonPrimitive p
                && p.isNumber()) {
            fileLimit = p.getAsLong();
        }
        Set<String> found = new java.util.HashSet<>();
        if (health.get("capabilities") instanceof JsonArray array) {
            for (JsonElement c : array) {
                if (c.isJsonPrimitive() && KNOWN.contains(c.getAsString())) {
                    found.add(c.getAsString());
                }
            }
        }
        return new Capabilities(found, fileLimit);
    }

    /**
     * @param capability one of the constants above
     * @return whether the device listed it
     */
    public boolean has(String capability) {
        return offered.contains(capability);
    }

    /** @return the capabilities offered, each followed by a space, in a fixed order (for the trace) */
    public String listed() {
        StringBuilder out = new StringBuilder();
        for (String c : KNOWN) {
            if (has(c)) {
                out.append(c).append(' ');
            }
        }
        return out.toString();
    }
}
