package io.tantalum.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import picocli.CommandLine.Option;

/** The {@code -json} option shared by every command that can print JSON (a picocli mixin). */
public final class JsonOption {
    @Option(names = "-json", description = "Print JSON.")
    boolean enabled;

    public boolean enabled() {
        return enabled;
    }

    /** Prints {@code value} as indented JSON. */
    public static void print(Object value) throws JsonProcessingException {
        System.out.println(Cli.json().writeValueAsString(value));
    }
}
