package io.tantalum.it;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Deploys and destroys the sandbox of a {@link Sandboxed} test class. */
public final class SandboxExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback {
    private static Sandboxed spec(ExtensionContext c) {
        return c.getRequiredTestClass().getAnnotation(Sandboxed.class);
    }

    private static Field field(ExtensionContext c) {
        for (Field f : c.getRequiredTestClass().getDeclaredFields()) {
            if (f.getType() == SandboxFixture.class && Modifier.isStatic(f.getModifiers())) {
                f.setAccessible(true);
                return f;
            }
        }
        throw new IllegalStateException(c.getRequiredTestClass() + " is @Sandboxed but has no static SandboxFixture field");
    }

    private static void deploy(ExtensionContext c) throws IllegalAccessException {
        field(c).set(null, new SandboxFixture(spec(c).hosts(), spec(c).tls(), spec(c).cluster()));
    }

    private static void destroy(ExtensionContext c) throws IllegalAccessException {
        SandboxFixture sb = (SandboxFixture) field(c).get(null);
        if (sb != null) {
            sb.close();
            field(c).set(null, null);
        }
    }

    @Override
    public void beforeAll(ExtensionContext c) throws Exception {
        if (!spec(c).perTest()) {
            deploy(c);
        }
    }

    @Override
    public void afterAll(ExtensionContext c) throws Exception {
        if (!spec(c).perTest()) {
            destroy(c);
        }
    }

    @Override
    public void beforeEach(ExtensionContext c) throws Exception {
        if (spec(c).perTest()) {
            deploy(c);
        }
    }

    @Override
    public void afterEach(ExtensionContext c) throws Exception {
        if (spec(c).perTest()) {
            destroy(c);
        }
    }
}
