package io.conduit.ssh.transfer;

import java.util.Objects;

/**
 * What a host's options say about its transfers, fixed for one connection.
 *
 * @param transferMethod how files move ({@code transfer_method})
 * @param verifyChecksum compare sha256 of both ends before a file takes its name ({@code verify_checksum})
 */
public record TransferOptions(TransferMethod transferMethod, boolean verifyChecksum) {
    /** @throws NullPointerException without a method */
    public TransferOptions {
        Objects.requireNonNull(transferMethod, "transferMethod");
    }
}
