package io.conduit.core.run;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.ConnectionParams;
import io.conduit.api.connection.ExecResult;
import io.conduit.api.connection.Secret;
import io.conduit.api.task.HostResult;

/**
 * The secret values of one run, and the {@link SecretMasker} over them: every host's connection password and
 * secret options (passphrases, tokens) as resolved for the run, every become password (the inventory's
 * {@code data.become_password} and the run's own, {@code -K}, {@code --become-password-file} or
 * {@code CONDUIT_BECOME_PASSWORD}). The runner gathers the selected hosts' values before the first host starts
 * (so that one host printing another's password is masked too) and adds each value again as it is actually
 * used (a connection opened through another plugin, the become password a command carries). Thread safe.
 */
final class RunSecrets {
    /**
     * The values, each once. Keyed by the revealed text, which stays in this process as the masker's patterns do:
     * {@link Secret#hashCode} is constant (it must leak nothing), so a set of Secrets would compare every new value
     * with every known one, quadratic in the hosts of an inventory where each has its own password.
     */
    private final Set<String> known = new HashSet<>();
    private final List<Secret> values = new ArrayList<>();
    /** The masker over {@link #values}, or {@code null} when a value came since it was built. */
    private volatile SecretMasker masker = SecretMasker.NONE;

    /**
     * Adds a value.
     *
     * @param secret the value, or {@code null} (ignored)
     */
    void add(Secret secret) {
        if (secret == null || secret.isEmpty()) {
            return;
        }
        synchronized (values) {
            if (known.add(secret.reveal())) {
                values.add(secret);
                masker = null; // built when next asked: a run gathering every host's values builds it once
            }
        }
    }

    /**
     * Adds the password and every secret option (a {@link Secret}, or a list's secret elements) of resolved
     * parameters.
     *
     * @param params the parameters
     */
    void addAll(ConnectionParams params) {
        add(params.password());
        for (Object value : params.extras().values()) {
            if (value instanceof Secret s) {
                add(s);
            } else if (value instanceof List<?> list) {
                list.stream().filter(Secret.class::isInstance).map(Secret.class::cast).forEach(this::add);
            }
        }
    }

    /**
     * Adds the become password a command carries.
     *
     * @param command the command
     */
    void addAll(Command command) {
        Become become = command.become();
        if (become != null) {
            add(become.password());
        }
    }

    /** @return the masker over the values known now */
    SecretMasker masker() {
        SecretMasker m = masker;
        if (m != null) {
            return m;
        }
        synchronized (values) {
            if (masker == null) {
                masker = SecretMasker.of(values);
            }
            return masker;
        }
    }

    /**
     * Masks a host's result: its output (a stream cut at the output limit also loses a secret's beginning at its
     * end) and its error text.
     *
     * @param result the result
     * @return the masked result
     */
    HostResult mask(HostResult result) {
        SecretMasker m = masker();
        if (m.isEmpty()) {
            return result;
        }
        ExecResult e = result.exec();
        return result.with(new ExecResult(e.exitCode(), m.mask(e.stdout(), e.stdoutTruncated()),
                m.mask(e.stderr(), e.stderrTruncated()), e.duration(), e.stdoutTruncated(), e.stderrTruncated(),
                e.stdoutDropped(), e.stderrDropped()), m.mask(result.error()));
    }
}
