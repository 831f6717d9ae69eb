// What one SSH login costs the client in public-key crypto, per provider: an Ed25519 signature (user auth) and
// an Ed25519 verification (the server's host key signature), with the JDK's SunEC against net.i2p's EdDSA (what
// MINA SSHD 2.15 uses for ssh-ed25519), and the X25519 agreement of curve25519-sha256 (always the JDK's).
// Thread CPU time per operation, after JIT warm-up rounds. Bounded: rounds x n iterations.
//   java -Dn=1000 -Drounds=4 -cp ~/.m2/repository/net/i2p/crypto/eddsa/0.3.0/eddsa-0.3.0.jar bench/EdBench.java
import java.lang.management.*;
import java.security.*;
public class EdBench {
    public static void main(String[] a) throws Exception {
        byte[] msg = new byte[64];
        ThreadMXBean tb = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < Integer.getInteger("rounds", 4); round++) {
            // JDK SunEC Ed25519
            KeyPair kp = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            long c0 = tb.getCurrentThreadCpuTime();
            int n = Integer.getInteger("n", 1000);
            for (int i = 0; i < n; i++) {
                Signature s = Signature.getInstance("Ed25519"); s.initSign(kp.getPrivate()); s.update(msg); byte[] sig = s.sign();
                Signature v = Signature.getInstance("Ed25519"); v.initVerify(kp.getPublic()); v.update(msg); v.verify(sig);
            }
            long jdk = (tb.getCurrentThreadCpuTime() - c0) / n;
            // net.i2p
            net.i2p.crypto.eddsa.KeyPairGenerator g = new net.i2p.crypto.eddsa.KeyPairGenerator();
            KeyPair kp2 = g.generateKeyPair();
            c0 = tb.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                net.i2p.crypto.eddsa.EdDSAEngine s = new net.i2p.crypto.eddsa.EdDSAEngine(MessageDigest.getInstance("SHA-512"));
                s.initSign(kp2.getPrivate()); s.update(msg); byte[] sig = s.sign();
                net.i2p.crypto.eddsa.EdDSAEngine v = new net.i2p.crypto.eddsa.EdDSAEngine(MessageDigest.getInstance("SHA-512"));
                v.initVerify(kp2.getPublic()); v.update(msg); v.verify(sig);
            }
            long i2p = (tb.getCurrentThreadCpuTime() - c0) / n;
            // X25519 (what curve25519-sha256 uses, JDK)
            c0 = tb.getCurrentThreadCpuTime();
            for (int i = 0; i < n; i++) {
                KeyPairGenerator xg = KeyPairGenerator.getInstance("X25519");
                KeyPair x1 = xg.generateKeyPair(); KeyPair x2 = xg.generateKeyPair();
                javax.crypto.KeyAgreement ka = javax.crypto.KeyAgreement.getInstance("X25519");
                ka.init(x1.getPrivate()); ka.doPhase(x2.getPublic(), true); ka.generateSecret();
            }
            long x = (tb.getCurrentThreadCpuTime() - c0) / n;
            System.out.printf("round %d: sign+verify per login: JDK Ed25519 %d us, net.i2p %d us; X25519 2 keygens+agree %d us%n", round, jdk / 1000, i2p / 1000, x / 1000);
        }
    }
}
