package dev.kiln.cli;

import dev.kiln.api.plugin.ApiVersion;
import picocli.CommandLine.IVersionProvider;

/** {@code kiln --version}: the CLI's version, the plugin API version and the Java runtime. */
public final class KilnVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = KilnVersion.class.getPackage().getImplementationVersion();
        return new String[] {
                "kiln " + (v == null ? "dev" : v),
                "plugin API " + ApiVersion.CURRENT,
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }
}
