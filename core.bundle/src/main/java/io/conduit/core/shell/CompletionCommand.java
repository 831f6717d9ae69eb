package io.conduit.core.shell;

import java.util.concurrent.Callable;
import java.util.function.Supplier;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code completion bash|zsh}: picocli's generated completion script for every Conduit command, from the same
 * models that parse the commands, so that the script offers exactly the commands, options and choices they take.
 */
@Command(name = "completion", description = {
    "Prints a script that completes Conduit's commands, their options and choices in bash or zsh, e.g."
            + " in ~/.bashrc:  source <(conduit completion bash)",
    "zsh: the script loads zsh's bash completion itself (bashcompinit)."})
final class CompletionCommand implements Callable<CommandOutput> {
    /** The shells a script is written for. */
    enum Shell { bash, zsh }

    private final Supplier<CommandLine> model;

    @Parameters(index = "0", paramLabel = "SHELL", description = "bash or zsh")
    Shell shell;

    /** @param model every command under one {@code conduit} command, built when the script is asked for */
    CompletionCommand(Supplier<CommandLine> model) {
        this.model = model;
    }

    @Override
    public CommandOutput call() {
        String bash = AutoComplete.bash("conduit", model.get());
        // zsh runs bash completion scripts once its bashcompinit is loaded (see picocli's issue 772)
        return Text.ok(shell == Shell.bash ? bash : "autoload -U +X compinit && compinit\n"
                + "autoload -U +X bashcompinit && bashcompinit\n" + bash);
    }
}
