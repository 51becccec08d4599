package io.tantalum.it;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the test class a real sandbox dataservice in its static {@link SandboxFixture} field,
 * deployed before the class's own {@code @BeforeAll}/{@code @BeforeEach} methods and destroyed
 * after its tests, even when they fail.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(SandboxExtension.class)
public @interface Sandboxed {
    /** Number of hosts. */
    int hosts() default 3;

    /** Deploy with {@code --tls}: a private CA, THL over TLS and admin APIs over https. */
    boolean tls() default false;

    /**
     * Managers on every host over a ZooKeeper ensemble (the default of {@code tpm sandbox deploy});
     * false deploys {@code --replicator-only}, which most replication tests need and is faster.
     */
    boolean cluster() default false;

    /** A fresh sandbox for every test (for tests that change roles), instead of one per class. */
    boolean perTest() default false;
}
