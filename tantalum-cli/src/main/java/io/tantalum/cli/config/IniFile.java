package io.tantalum.cli.config;

import io.tantalum.common.ErrorCode;
import io.tantalum.common.TantalumException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The raw text of an INI file: sections of {@code key = value} lines, each remembered with its
 * line number. {@code #} and {@code ;} start comments. Immutable after parsing.
 */
public final class IniFile {
    /** A value and where it was written. */
    public record Entry(String value, int line) {}

    private final String source;
    private final Map<String, Map<String, Entry>> sections = new LinkedHashMap<>();
    private final Map<String, Integer> sectionLines = new LinkedHashMap<>();
    private final List<String> errors = new ArrayList<>();

    private IniFile(String source) {
        this.source = source;
    }

    public static IniFile read(Path file) {
        try {
            return parse(file.toString(), Files.readAllLines(file));
        } catch (IOException e) {
            throw new TantalumException(ErrorCode.INVALID_ARGUMENT, "Cannot read the configuration " + file + ": " + e
                    + ". Give the file with --ini FILE or $TANTALUM_INI.", e);
        }
    }

    public static IniFile parse(String source, List<String> lines) {
        IniFile ini = new IniFile(source);
        String section = null;
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String line = lines.get(i).trim();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (!line.endsWith("]") || line.length() < 3) {
                    ini.errors.add(ini.at(n) + "malformed section header '" + line + "' (expected [name])");
                    continue;
                }
                section = line.substring(1, line.length() - 1).trim();
                if (ini.sections.containsKey(section)) {
                    ini.errors.add(ini.at(n) + "section [" + section + "] appears twice (first at line "
                            + ini.sectionLines.get(section) + ")");
                }
                ini.sections.putIfAbsent(section, new LinkedHashMap<>());
                ini.sectionLines.putIfAbsent(section, n);
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                ini.errors.add(ini.at(n) + "expected key=value, found '" + line + "'");
                continue;
            }
            if (section == null) {
                ini.errors.add(ini.at(n) + "'" + line.substring(0, eq).trim() + "' is outside any section: put it"
                        + " under [defaults] or a service's section");
                continue;
            }
            String key = line.substring(0, eq).trim();
            Entry previous = ini.sections.get(section).put(key, new Entry(line.substring(eq + 1).trim(), n));
            if (previous != null) {
                ini.errors.add(ini.at(n) + key + " is set twice in [" + section + "] (also at line " + previous.line()
                        + ")");
            }
        }
        return ini;
    }

    String at(int line) {
        return source + ":" + line + ": ";
    }

    public String source() {
        return source;
    }

    public Map<String, Map<String, Entry>> sections() {
        return sections;
    }

    public int sectionLine(String section) {
        return sectionLines.getOrDefault(section, 0);
    }

    public List<String> syntaxErrors() {
        return errors;
    }
}
