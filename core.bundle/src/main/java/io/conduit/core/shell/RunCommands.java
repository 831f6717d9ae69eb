package io.conduit.core.shell;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.felix.service.command.CommandSession;
import org.apache.felix.service.command.Descriptor;
import org.apache.felix.service.command.Parameter;
import org.apache.felix.service.command.annotations.GogoCommand;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Reference;

import io.conduit.api.connection.Become;
import io.conduit.api.connection.Command;
import io.conduit.api.connection.Connection;
import io.conduit.api.task.RunOptions;
import io.conduit.api.task.RunResult;
import io.conduit.api.task.Task;
import io.conduit.core.run.ForkingRunner;
import io.conduit.core.source.InventoryCatalog;
import io.conduit.core.task.CommandTask;
import io.conduit.core.task.FetchTask;
import io.conduit.core.task.PingTask;
import io.conduit.core.task.PutTask;

/** {@code conduit:run}, {@code put}, {@code fetch}, {@code ping}: thin, they parse, call the runner and print. */
@Component(service = RunCommands.class)
@GogoCommand(scope = "conduit", function = {"run", "put", "fetch", "ping"})
public final class RunCommands {
    private final ForkingRunner runner;

    /** @param runner the runner */
    @Activate
    public RunCommands(@Reference ForkingRunner runner) {
        this.runner = runner;
    }

    /** Runs a shell command on every selected host. */
    @Descriptor("run a shell command on the hosts a pattern selects")
    public void run(CommandSession session,
            @Descriptor("hosts to work on at once") @Parameter(names = {"-f", "--forks"}, absentValue = "0") int forks,
            @Descriptor("time per host, e.g. 30s or 5m") @Parameter(names = {"-t", "--timeout"}, absentValue = "") String timeout,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory,
            @Descriptor("print one JSON document") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("run as another user" + BecomeOptions.BECOME)
            @Parameter(names = {"-b", "--become"}, presentValue = "true", absentValue = "false") boolean become,
            @Descriptor(BecomeOptions.USER) @Parameter(names = {"--become-user"}, absentValue = "") String becomeUser,
            @Descriptor(BecomeOptions.METHOD) @Parameter(names = {"--become-method"}, absentValue = "sudo") String becomeMethod,
            @Descriptor(BecomeOptions.ASK)
            @Parameter(names = {"-K", "--ask-become-pass"}, presentValue = "true", absentValue = "false") boolean askBecomePass,
            @Descriptor(BecomeOptions.FILE)
            @Parameter(names = {"--become-password-file"}, absentValue = "") String becomePasswordFile,
            @Descriptor("working directory on the host") @Parameter(names = {"--cwd"}, absentValue = "") String cwd,
            @Descriptor("time the command itself may take") @Parameter(names = {"--command-timeout"}, absentValue = "") String commandTimeout,
            @Descriptor("allocate a pseudo-terminal") @Parameter(names = {"--pty"}, presentValue = "true", absentValue = "false") boolean pty,
            @Descriptor("host pattern: all, names, globs, groups, a:b, a:&b, a:!b") String pattern,
            @Descriptor("the command line (quote it to keep options such as -f out of conduit's hands)") String... command)
            throws Exception {
        Args.refuseOption(pattern, "run");
        if (command.length == 0) {
            throw new IllegalArgumentException("run: no command given; usage: run [options] PATTERN COMMAND...");
        }
        Command c = Command.shell(String.join(" ", command)).withPty(pty);
        if (!cwd.isEmpty()) {
            c = c.withCwd(cwd);
        }
        c = c.withTimeout(Args.duration("--command-timeout", commandTimeout));
        c = c.withBecome(BecomeOptions.of(session, become, becomeUser, becomeMethod, askBecomePass,
                becomePasswordFile));
        execute(session, pattern, new CommandTask(c), Args.runOptions(forks, timeout, inventory), json);
    }

    /** Copies a local file to every selected host. */
    @Descriptor("copy a local file to the hosts a pattern selects")
    public void put(CommandSession session,
            @Descriptor("hosts to work on at once") @Parameter(names = {"-f", "--forks"}, absentValue = "0") int forks,
            @Descriptor("time per host, e.g. 30s or 5m") @Parameter(names = {"-t", "--timeout"}, absentValue = "") String timeout,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory,
            @Descriptor("print one JSON document") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("octal permissions of the remote file, e.g. 0644 (default: the local file's)")
            @Parameter(names = {"-m", "--mode"}, absentValue = "") String mode,
            @Descriptor("write the file as another user" + BecomeOptions.BECOME)
            @Parameter(names = {"-b", "--become"}, presentValue = "true", absentValue = "false") boolean become,
            @Descriptor(BecomeOptions.USER) @Parameter(names = {"--become-user"}, absentValue = "") String becomeUser,
            @Descriptor(BecomeOptions.METHOD) @Parameter(names = {"--become-method"}, absentValue = "sudo") String becomeMethod,
            @Descriptor(BecomeOptions.ASK)
            @Parameter(names = {"-K", "--ask-become-pass"}, presentValue = "true", absentValue = "false") boolean askBecomePass,
            @Descriptor(BecomeOptions.FILE)
            @Parameter(names = {"--become-password-file"}, absentValue = "") String becomePasswordFile,
            @Descriptor("host pattern") String pattern,
            @Descriptor("the local file") String local,
            @Descriptor("the remote path") String remote) throws Exception {
        Args.refuseOption(pattern, "put");
        Path file = InventoryCatalog.resolve(local);
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("put: " + file + " is not a readable file");
        }
        int bits = Connection.KEEP_MODE;
        if (!mode.isEmpty()) {
            try {
                bits = Integer.parseInt(mode, 8);
            } catch (NumberFormatException e) {
                bits = -2;
            }
            if (bits < 0 || bits > 07777) {
                throw new IllegalArgumentException("--mode: \"" + mode + "\" is not an octal mode; use e.g. 0644");
            }
        }
        Become as = BecomeOptions.of(session, become, becomeUser, becomeMethod, askBecomePass, becomePasswordFile);
        execute(session, pattern, new PutTask(file, remote, bits, as), Args.runOptions(forks, timeout, inventory),
                json);
    }

    /** Copies a remote file from every selected host into LOCALDIR/HOST/. */
    @Descriptor("copy a remote file from the hosts a pattern selects into LOCALDIR/HOST/NAME")
    public void fetch(CommandSession session,
            @Descriptor("hosts to work on at once") @Parameter(names = {"-f", "--forks"}, absentValue = "0") int forks,
            @Descriptor("time per host, e.g. 30s or 5m") @Parameter(names = {"-t", "--timeout"}, absentValue = "") String timeout,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory,
            @Descriptor("print one JSON document") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("read the file as another user" + BecomeOptions.BECOME)
            @Parameter(names = {"-b", "--become"}, presentValue = "true", absentValue = "false") boolean become,
            @Descriptor(BecomeOptions.USER) @Parameter(names = {"--become-user"}, absentValue = "") String becomeUser,
            @Descriptor(BecomeOptions.METHOD) @Parameter(names = {"--become-method"}, absentValue = "sudo") String becomeMethod,
            @Descriptor(BecomeOptions.ASK)
            @Parameter(names = {"-K", "--ask-become-pass"}, presentValue = "true", absentValue = "false") boolean askBecomePass,
            @Descriptor(BecomeOptions.FILE)
            @Parameter(names = {"--become-password-file"}, absentValue = "") String becomePasswordFile,
            @Descriptor("host pattern") String pattern,
            @Descriptor("the remote file") String remote,
            @Descriptor("the local directory") String localDir) throws Exception {
        Args.refuseOption(pattern, "fetch");
        Become as = BecomeOptions.of(session, become, becomeUser, becomeMethod, askBecomePass, becomePasswordFile);
        Path dir = InventoryCatalog.resolve(localDir);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalArgumentException("fetch: cannot create " + dir + ": " + e.getMessage());
        }
        execute(session, pattern, new FetchTask(remote, dir, as), Args.runOptions(forks, timeout, inventory), json);
    }

    /** Checks every selected host can be connected to. */
    @Descriptor("connect to the hosts a pattern selects and check the connections are alive")
    public void ping(CommandSession session,
            @Descriptor("hosts to work on at once") @Parameter(names = {"-f", "--forks"}, absentValue = "0") int forks,
            @Descriptor("time per host, e.g. 30s or 5m") @Parameter(names = {"-t", "--timeout"}, absentValue = "") String timeout,
            @Descriptor("inventory file, directory or SOURCE:ARG") @Parameter(names = {"-i", "--inventory"}, absentValue = "") String inventory,
            @Descriptor("print one JSON document") @Parameter(names = {"--json"}, presentValue = "true", absentValue = "false") boolean json,
            @Descriptor("host pattern") String pattern) throws Exception {
        Args.refuseOption(pattern, "ping");
        execute(session, pattern, new PingTask(), Args.runOptions(forks, timeout, inventory), json);
    }

    private void execute(CommandSession session, String pattern, Task task, RunOptions options, boolean json)
            throws Exception {
        RunResult result;
        try {
            result = runner.run(pattern, task, options, new InsecureNotice(new Progress(System.err), System.err));
        } catch (InterruptedException e) {
            // interrupted before any host started (loading the inventory): nothing ran
            System.err.println("interrupted; nothing was started");
            Args.exitStatus(session, Args.EXIT_INTERRUPTED);
            return;
        }
        boolean interrupted = Thread.interrupted(); // the runner stopped every host and reports each
        ResultPrinter.print(result, json, System.out);
        if (interrupted) {
            System.err.println("interrupted: each host's line says whether its command was stopped");
            Args.exitStatus(session, Args.EXIT_INTERRUPTED);
            return;
        }
        Args.exitStatus(session, result.succeeded() ? Args.EXIT_OK : Args.EXIT_HOSTS_FAILED);
    }

}
