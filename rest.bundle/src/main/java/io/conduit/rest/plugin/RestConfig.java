package io.conduit.rest.plugin;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Defaults of the {@code rest} plugin, PID {@value RestPlugin#PID} ({@code etc/io.conduit.rest.cfg}). A host's
 * {@code connection_options.rest.extras} win over these. Method names use {@code __} so that the keys are the
 * option names operators write in the inventory ({@code connect_timeout}, not {@code connect.timeout}). The options
 * are declared in {@link RestOptions}; {@code RestOptionsDocsTest} fails when a method here, its default or its
 * description says something else.
 */
@ObjectClassDefinition(name = "Conduit rest plugin", description = "Defaults for hosts reached through the REST"
        + " device protocol (rest.bundle/PROTOCOL.md); each host's connection_options.rest.extras win over them.")
public @interface RestConfig {

    @AttributeDefinition(description = "Port of the device's API when the inventory sets none.")
    int port() default 8443;

    @AttributeDefinition(description = "Base path of the API, e.g. /api/v1 (/ for none); the endpoint paths are under"
            + " it.")
    String api__path() default "/api/v1";

    @AttributeDefinition(description = "HTTPS (true) or plain HTTP (false: the token crosses the network in clear"
            + " text, so a host with a token is refused unless allow_plain_http_token is true).")
    boolean use__ssl() default true;

    @AttributeDefinition(description = "Send the token over plain HTTP (use_ssl: false) anyway: anyone on the path can"
            + " read it and act as you on the device. Each run that uses such a host says so on the console.")
    boolean allow__plain__http__token() default false;

    @AttributeDefinition(description = "Verify the certificate chain and that the certificate names the host; false"
            + " accepts any certificate: only for a first look at a device.")
    boolean verify__ssl() default true;

    @AttributeDefinition(description = "PEM file with the CA certificate(s) to trust instead of the JDK's (the"
            + " reference agent writes STATE_DIR/ca.pem); empty: the JDK's trust store.")
    String ca__file() default "";

    @AttributeDefinition(description = "Deadline for the TCP and TLS connection (30, 500ms, 10s, 2m).")
    String connect__timeout() default "10s";

    @AttributeDefinition(description = "Deadline for an answer; a command gets its own timeout plus this.")
    String request__timeout() default "60s";

    @AttributeDefinition(description = "Timeout sent to the device for commands that set none.")
    String command__timeout() default "1h";

    @AttributeDefinition(description = "Retries (0-10) of idempotent requests (GET, PUT, DELETE) after a dropped"
            + " connection or a 502/503/504; commands are never retried.")
    int retries() default 2;

    @AttributeDefinition(description = "Health endpoint, GET on open (older devices: /status).")
    String health__path() default "/health";

    @AttributeDefinition(description = "Command endpoint, POST (older devices: /exec).")
    String exec__path() default "/execute";

    @AttributeDefinition(description = "File endpoint: PUT writes, GET ?path= reads.")
    String files__path() default "/files";

    @AttributeDefinition(description = "Request sent on close, best effort: METHOD PATH ('POST /disconnect', 'DELETE"
            + " /session'), or empty for none.")
    String disconnect() default "POST /disconnect";

    @AttributeDefinition(description = "Largest file in bytes moved as base64 JSON when the device offers no raw"
            + " streaming; bigger files are refused.")
    long max__inline__file__size() default 16777216;

    @AttributeDefinition(description = "Stream files as application/octet-stream (constant memory) when the device's"
            + " /health offers raw_files.")
    boolean raw__files() default true;

    @AttributeDefinition(description = "How a command's stdin is sent: base64, or text (UTF-8) for devices that take"
            + " plain strings.")
    String stdin__encoding() default "base64";
}
