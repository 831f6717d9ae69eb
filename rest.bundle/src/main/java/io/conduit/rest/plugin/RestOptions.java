package io.conduit.rest.plugin;

import java.time.Duration;
import java.util.List;

import io.conduit.api.support.PluginOption;
import io.conduit.api.connection.Secret;

/**
 * Every option of the {@code rest} plugin, declared once: {@code conduit:plugins rest}, the core's checks of a
 * host's extras, {@link RestSettings}, and (checked by {@code RestOptionsDocsTest}) the Metatype of
 * {@link RestConfig}, the README's option table and {@code etc/io.conduit.rest.cfg} all come from here.
 */
public final class RestOptions {

    /** The bearer token; a host's extras only. */
    public static final PluginOption<Secret> TOKEN = PluginOption.secret("token",
            "Bearer token sent as 'Authorization: Bearer TOKEN'; usually ${env:NAME} or ${file:PATH}. The host's"
                    + " password is never sent in its place.");
    static final PluginOption<Long> PORT = PluginOption.integer("port", RestSettings.DEFAULT_PORT,
            "Port of the device's API when the inventory sets none.");
    static final PluginOption<String> API_PATH = PluginOption.string("api_path", "/api/v1",
            "Base path of the API, e.g. /api/v1 (/ for none); the endpoint paths are under it.");
    static final PluginOption<Boolean> USE_SSL = PluginOption.bool("use_ssl", true,
            "HTTPS (true) or plain HTTP (false: the token crosses the network in clear text, so a host with a token"
                    + " is refused unless allow_plain_http_token is true).");
    /** Whether a token may travel over plain HTTP. */
    public static final PluginOption<Boolean> ALLOW_PLAIN_HTTP_TOKEN = PluginOption.bool("allow_plain_http_token",
            false, "Send the token over plain HTTP (use_ssl: false) anyway: anyone on the path can read it and act as"
                    + " you on the device. Each run that uses such a host says so on the console.");
    static final PluginOption<Boolean> VERIFY_SSL = PluginOption.bool("verify_ssl", true,
            "Verify the certificate chain and that the certificate names the host; false accepts any certificate:"
                    + " only for a first look at a device.");
    static final PluginOption<String> CA_FILE = PluginOption.path("ca_file", null,
            "PEM file with the CA certificate(s) to trust instead of the JDK's (the reference agent writes"
                    + " STATE_DIR/ca.pem); empty: the JDK's trust store.").withShownDefault("JDK trust store");
    static final PluginOption<Duration> CONNECT_TIMEOUT = PluginOption.duration("connect_timeout", "10s",
            "Deadline for the TCP and TLS connection (30, 500ms, 10s, 2m).");
    static final PluginOption<Duration> REQUEST_TIMEOUT = PluginOption.duration("request_timeout", "60s",
            "Deadline for an answer; a command gets its own timeout plus this.");
    static final PluginOption<Duration> COMMAND_TIMEOUT = PluginOption.duration("command_timeout", "1h",
            "Timeout sent to the device for commands that set none.");
    static final PluginOption<Long> RETRIES = PluginOption.integer("retries", 2,
            "Retries (0-10) of idempotent requests (GET, PUT, DELETE) after a dropped connection or a 502/503/504;"
                    + " commands are never retried.");
    static final PluginOption<String> HEALTH_PATH = PluginOption.string("health_path", "/health",
            "Health endpoint, GET on open (older devices: /status).");
    static final PluginOption<String> EXEC_PATH = PluginOption.string("exec_path", "/execute",
            "Command endpoint, POST (older devices: /exec).");
    static final PluginOption<String> FILES_PATH = PluginOption.string("files_path", "/files",
            "File endpoint: PUT writes, GET ?path= reads.");
    static final PluginOption<String> DISCONNECT = PluginOption.string("disconnect", "POST /disconnect",
            "Request sent on close, best effort: METHOD PATH ('POST /disconnect', 'DELETE /session'), or empty for"
                    + " none.");
    static final PluginOption<Long> MAX_INLINE = PluginOption.integer("max_inline_file_size",
            RestSettings.DEFAULT_MAX_INLINE, "Largest file in bytes moved as base64 JSON when the device offers no"
                    + " raw streaming; bigger files are refused.");
    static final PluginOption<Boolean> RAW_FILES = PluginOption.bool("raw_files", true,
            "Stream files as application/octet-stream (constant memory) when the device's /health offers"
                    + " raw_files.");
    static final PluginOption<String> STDIN_ENCODING = PluginOption.choice("stdin_encoding", "base64",
            "How a command's stdin is sent: base64, or text (UTF-8) for devices that take plain strings.",
            "base64", "text");

    /** Every option, in the order {@code conduit:plugins rest} shows them. */
    public static final List<PluginOption<?>> ALL = List.of(TOKEN, PORT, API_PATH, USE_SSL, ALLOW_PLAIN_HTTP_TOKEN,
            VERIFY_SSL, CA_FILE, CONNECT_TIMEOUT, REQUEST_TIMEOUT, COMMAND_TIMEOUT, RETRIES, HEALTH_PATH, EXEC_PATH,
            FILES_PATH, DISCONNECT, MAX_INLINE, RAW_FILES, STDIN_ENCODING);

    private RestOptions() {
    }
}
