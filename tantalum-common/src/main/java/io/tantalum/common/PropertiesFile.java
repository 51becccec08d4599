package io.tantalum.common;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** What the daemons' configuration files have in common: reading one, and the members' host map. */
public final class PropertiesFile {
    private PropertiesFile() {}

    /** The properties of {@code file}, the {@code daemon}'s configuration that tpm install writes. */
    public static Properties load(Path file, String daemon) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot read the " + daemon + " configuration " + file
                    + ": " + e.getMessage() + ". Run `tpm install` to write it.", e);
        }
        return p;
    }

    /** {@code host=address,...} of key {@code key}, in order; each malformed entry adds a problem to {@code errors}. */
    public static Map<String, String> members(String value, String key, List<String> errors) {
        Map<String, String> members = new LinkedHashMap<>();
        for (String m : value.split(",")) {
            String[] kv = m.trim().split("=", 2);
            if (kv.length == 2 && !kv[0].isBlank() && !kv[1].isBlank()) {
                members.put(kv[0].trim(), kv[1].trim());
            } else if (!m.isBlank()) {
                errors.add(key + ": '" + m + "' is not host=address");
            }
        }
        return members;
    }
}
