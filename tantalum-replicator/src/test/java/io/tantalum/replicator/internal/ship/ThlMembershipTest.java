package io.tantalum.replicator.internal.ship;

import static org.assertj.core.api.Assertions.assertThat;

import io.tantalum.api.Secrets;
import org.junit.jupiter.api.Test;

class ThlMembershipTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";
    private final ThlMembership alpha = new ThlMembership("alpha", SECRET);
    private final byte[] ns = Secrets.nonce(ThlMembership.NONCE_BYTES);
    private final byte[] nm = Secrets.nonce(ThlMembership.NONCE_BYTES);

    @Test
    void bothSidesOfTheSameServiceAndSecretAgree() {
        ThlMembership other = new ThlMembership("alpha", SECRET);
        assertThat(ThlMembership.same(alpha.slaveProof("host2", ns, nm), other.slaveProof("host2", ns, nm))).isTrue();
        assertThat(ThlMembership.same(alpha.masterProof("host2", ns, nm), other.masterProof("host2", ns, nm)))
                .isTrue();
        assertThat(alpha.slaveProof("host2", ns, nm)).hasSize(ThlMembership.PROOF_BYTES);
    }

    @Test
    void aProofHoldsOnlyForItsRoleHostNoncesServiceAndSecret() {
        byte[] proof = alpha.slaveProof("host2", ns, nm);
        assertThat(ThlMembership.same(proof, alpha.masterProof("host2", ns, nm))).as("reflected as the master's")
                .isFalse();
        assertThat(ThlMembership.same(proof, alpha.slaveProof("host3", ns, nm))).as("another host").isFalse();
        assertThat(ThlMembership.same(proof, alpha.slaveProof("host2", nm, ns))).as("nonces swapped").isFalse();
        assertThat(ThlMembership.same(proof, alpha.slaveProof("host2", Secrets.nonce(32), nm))).as("replayed")
                .isFalse();
        assertThat(ThlMembership.same(proof, new ThlMembership("beta", SECRET).slaveProof("host2", ns, nm)))
                .as("another service").isFalse();
        assertThat(ThlMembership.same(proof, new ThlMembership("alpha", SECRET + "x").slaveProof("host2", ns, nm)))
                .as("another secret").isFalse();
        assertThat(ThlMembership.same(proof, new byte[0])).as("nothing").isFalse();
    }

    @Test
    void fieldsAreLengthPrefixedSoTheyCannotBeShifted() {
        assertThat(ThlMembership.same(new ThlMembership("al", SECRET).slaveProof("phahost2", ns, nm),
                new ThlMembership("alpha", SECRET).slaveProof("host2", ns, nm))).isFalse();
    }
}
