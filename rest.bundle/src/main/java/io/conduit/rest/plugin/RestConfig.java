package io.conduit.rest.plugin;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Defaults of the {@code rest} plugin, PID {@value RestPlugin#PID} ({@code etc/io.conduit.rest.cfg}). A host's
 * {@code connection_options.rest.extras} win over these. Method names use {@code __} so that the keys are the
 * option names operators write in the inventory ({@code connect_timeout}, not {@code connect.timeout}).
 */
@ObjectClassDefinition(name = "Conduit rest plugin", description = "Defaults for hosts reached through the REST"
        + " device protocol (rest.bundle/PROTOCOL.md); each host's connection_options.rest.extras win over them.")
public @interface RestConfig {

    /** @return the port when the inventory sets none */
    @AttributeDefinition(description = "Port of the device's API when the inventory sets none.")
    int port() default RestSettings.DEFAULT_PORT;

    /** @return the base path of the API */
    @AttributeDefinition(description = "Base path of the API, e.g. /api/v1; endpoint paths are under it.")
    String api__path() default "/api/v1";

    /** @return whether to use HTTPS */
    @AttributeDefinition(description = "Use HTTPS (true) or plain HTTP (false; the token then crosses the"
            + " network in clear text).")
    boolean use__ssl() default true;

    /** @return whether to verify the device's certificate */
    @AttributeDefinition(description = "Verify the device's certificate chain and that it names the host"
            + " (true). false accepts any certificate: only for a first look at a device.")
    boolean verify__ssl() default true;

    /** @return the CA file */
    @AttributeDefinition(description = "PEM file with the CA certificate(s) to trust instead of the JDK's"
            + " (the agent writes its own as STATE_DIR/ca.pem). Empty: the JDK's trust store.")
    String ca__file() default "";

    /** @return the connect timeout */
    @AttributeDefinition(description = "How long to wait for the TCP and TLS connection (30, 500ms, 10s, 2m).")
    String connect__timeout() default "10s";

    /** @return the request timeout */
    @AttributeDefinition(description = "How long to wait for an answer to a request; a command gets its own"
            + " timeout plus this.")
    String request__timeout() default "60s";

    /** @return the command timeout sent when a command has none */
    @AttributeDefinition(description = "Timeout sent to the device for commands that set none.")
    String command__timeout() default "1h";

    /** @return how often to retry idempotent requests */
    @AttributeDefinition(description = "Retries of idempotent requests (GET, PUT, DELETE) after a dropped"
            + " connection or a 502/503/504; POST /execute is never retried.")
    int retries() default 2;

    /** @return the health path */
    @AttributeDefinition(description = "Health endpoint, GET on open (e.g. /status for older devices).")
    String health__path() default "/health";

    /** @return the execute path */
    @AttributeDefinition(description = "Command endpoint, POST (e.g. /exec for older devices).")
    String exec__path() default "/execute";

    /** @return the files path */
    @AttributeDefinition(description = "File endpoint, PUT to write and GET ?path= to read.")
    String files__path() default "/files";

    /** @return the disconnect request */
    @AttributeDefinition(description = "Sent on close, best effort: METHOD PATH, e.g. 'POST /disconnect' or"
            + " 'DELETE /session'; empty sends nothing.")
    String disconnect() default "POST /disconnect";

    /** @return the most bytes a file may have without raw streaming */
    @AttributeDefinition(description = "Largest file (bytes) sent or fetched as base64 JSON when the device does"
            + " not offer raw streaming; bigger files are refused.")
    long max__inline__file__size() default RestSettings.DEFAULT_MAX_INLINE;

    /** @return whether to stream files raw when offered */
    @AttributeDefinition(description = "Stream files as application/octet-stream when the device's /health"
            + " offers raw_files (constant memory).")
    boolean raw__files() default true;

    /** @return how stdin is sent */
    @AttributeDefinition(description = "How the command's stdin is sent: base64 (default) or text (UTF-8, for"
            + " devices that take plain strings).")
    String stdin__encoding() default "base64";

    /** @return whether a token may be sent over plain HTTP */
    @AttributeDefinition(description = "Send the token over plain HTTP when use_ssl is false (true). false"
            + " (the default) refuses such a host: anyone on the path could read the token. When true, every run"
            + " that uses such a host says so on the console.")
    boolean allow__plain__http__token() default false;
}
