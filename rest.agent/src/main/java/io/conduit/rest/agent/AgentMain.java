package io.conduit.rest.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.Set;

import io.conduit.rest.agent.tls.Certificates;

/** {@code java -jar conduit-rest-agent.jar --help}: parses the command line and runs the agent until killed. */
public final class AgentMain {

    private AgentMain() {
    }

    /**
     * Runs the agent.
     *
     * @param args see {@link AgentConfig#HELP}
     */
    public static void main(String[] args) {
        AgentConfig config;
        try {
            config = AgentConfig.parse(args, System.getenv());
        } catch (AgentConfig.HelpRequested e) {
            System.out.print(AgentConfig.HELP);
            return;
        } catch (IllegalArgumentException | IOException e) {
            System.err.println("conduit-rest-agent: " + e.getMessage());
            System.exit(2);
            return;
        }
        warnAboutTokenFile(args);
        if (!"UTF-8".equalsIgnoreCase(System.getProperty("sun.jnu.encoding"))) {
            Log.warn("file names are " + System.getProperty("sun.jnu.encoding")
                    + " in this locale: non-ASCII paths will be refused; run with LC_ALL=C.UTF-8");
        }
        Agent agent;
        try {
            agent = Agent.start(config);
        } catch (IOException | GeneralSecurityException e) {
            System.err.println("conduit-rest-agent: cannot start on " + config.bind() + ":" + config.port() + ": " + e);
            System.exit(1);
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(agent::stop, "agent-shutdown"));
        System.out.println("conduit-rest-agent " + Agent.VERSION + " listening on " + agent.url());
        if (config.tls()) {
            if (agent.caCertificate() != null) {
                System.out.println((agent.createdCertificate() ? "created a self-signed CA; " : "")
                        + "clients must trust " + agent.caFile() + " (rest option ca_file)");
                System.out.println("CA certificate SHA-256 fingerprint: " + Certificates.fingerprint(agent.caCertificate()));
            }
            System.out.println("server certificate SHA-256 fingerprint: " + Certificates.fingerprint(agent.certificate()));
            agent.warnings().forEach(Log::warn);
        } else {
            Log.warn("--no-tls: the token and all data cross the network in clear text");
        }
        System.out.flush();
    }

    private static void warnAboutTokenFile(String[] args) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--token-file")) {
                try {
                    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(java.nio.file.Path.of(args[i + 1]));
                    if (perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.GROUP_READ)) {
                        Log.warn(args[i + 1] + " is readable by other users; chmod 600 it");
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    // already checked readable by the parser
                }
            }
        }
    }
}
