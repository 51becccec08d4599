package io.tantalum.cli.config;

import io.tantalum.cli.sandbox.SandboxLayout;
import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds the INI file: {@code --ini FILE}, then {@code $TANTALUM_INI}, then the default sandbox's
 * {@code tantalum.ini}, then {@code /etc/tantalum/tantalum.ini}.
 */
public final class IniLocator {
    public static final String SANDBOX_INI = "tantalum.ini";
    public static final Path SYSTEM_INI = Path.of("/etc/tantalum/tantalum.ini");

    private IniLocator() {}

    public static Path find(Path explicit) {
        if (explicit != null) {
            if (!Files.isRegularFile(explicit)) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "--ini " + explicit + ": no such file");
            }
            return explicit;
        }
        List<String> tried = new ArrayList<>();
        String env = System.getenv("TANTALUM_INI");
        if (env != null && !env.isBlank()) {
            Path p = Path.of(env);
            if (!Files.isRegularFile(p)) {
                throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "$TANTALUM_INI names " + p + ", which does not"
                        + " exist");
            }
            return p;
        }
        tried.add("$TANTALUM_INI (unset)");
        Path sandbox = SandboxLayout.defaultDirectory().resolve(SANDBOX_INI);
        if (Files.isRegularFile(sandbox)) {
            return sandbox;
        }
        tried.add(sandbox.toString());
        if (Files.isRegularFile(SYSTEM_INI)) {
            return SYSTEM_INI;
        }
        tried.add(SYSTEM_INI.toString());
        throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "No INI configuration found (tried --ini, "
                + String.join(", ", tried) + "). Give one with --ini FILE, or deploy a sandbox with"
                + " `tpm sandbox deploy`.");
    }
}
