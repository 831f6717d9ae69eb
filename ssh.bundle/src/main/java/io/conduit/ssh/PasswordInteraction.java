package io.conduit.ssh;

import java.util.Locale;

import org.apache.sshd.client.auth.keyboard.UserInteraction;
import org.apache.sshd.client.session.ClientSession;

import io.conduit.api.connection.Secret;

/**
 * Answers keyboard-interactive prompts that ask for the password (PAM's "Password:"), and nothing else: an
 * unexpected prompt gets no answer, so authentication fails instead of hanging.
 */
final class PasswordInteraction implements UserInteraction {
    static final UserInteraction NONE = new UserInteraction() {
        @Override
        public boolean isInteractionAllowed(ClientSession session) {
            return false;
        }

        @Override
        public String[] interactive(ClientSession session, String name, String instruction, String lang,
                String[] prompt, boolean[] echo) {
            return null;
        }

        @Override
        public String getUpdatedPassword(ClientSession session, String prompt, String lang) {
            return null;
        }
    };

    private final Secret password;

    PasswordInteraction(Secret password) {
        this.password = password;
    }

    @Override
    public String[] interactive(ClientSession session, String name, String instruction, String lang,
            String[] prompt, boolean[] echo) {
        if (prompt == null) {
            return null;
        }
        String[] answers = new String[prompt.length];
        for (int i = 0; i < prompt.length; i++) {
            String p = prompt[i].toLowerCase(Locale.ROOT);
            if (echo[i] || !(p.contains("password") || p.contains("passcode") || p.contains("passphrase"))) {
                return null; // not a question we can answer: give up rather than guess
            }
            answers[i] = password.reveal();
        }
        return answers;
    }

    @Override
    public String getUpdatedPassword(ClientSession session, String prompt, String lang) {
        return null; // an expired password must be changed by a person
    }
}
