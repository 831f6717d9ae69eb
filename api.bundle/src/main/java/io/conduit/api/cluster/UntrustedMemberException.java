package io.conduit.api.cluster;

/**
 * The member that owns a partition has not proven the cluster key (a stranger that joined with the right cluster
 * name, or a node whose key file differs), or its answer did not prove it: no work was sent to it, or what it sent
 * back was dropped. The caller runs that partition's hosts elsewhere (the core runs them on the starting node).
 */
public class UntrustedMemberException extends ClusterException {
    private static final long serialVersionUID = 1L;
    private final String member;

    /**
     * @param member the member's name ({@code ADDRESS:PORT})
     * @param message what went wrong, for an operator
     */
    public UntrustedMemberException(String member, String message) {
        super(message);
        this.member = member;
    }

    /** @return the member's name ({@code ADDRESS:PORT}) */
    public String member() {
        return member;
    }
}
