package dev.tern.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tern.ControlFile;
import dev.tern.config.Config;
import dev.tern.config.ConfigException;
import dev.tern.text.ClientText;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code tern reload}: the running server reads its configuration again. It is found as {@code tern queue}
 * finds it ({@link QueueClient}: the address in {@code <data_dir>/tern.control}, else {@code listen.http}) and
 * asked {@code POST /reload}. The file is checked here first, so a broken one is refused without the server.
 * Exit status 0 with one line per change; 2 with the one line {@code FILE: KEY: REASON} when the configuration
 * is refused (the server keeps the running one); 1 when no server answers.
 */
@Command(name = "reload", mixinStandardHelpOptions = true,
        description = "Make the running server read its configuration again (as SIGHUP does) and print what"
                + " changed.")
final class ReloadCommand implements Callable<Integer> {
    @CommandLine.Mixin
    ConfigOption config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws ConfigException {
        Config cfg = config.load(); // a broken file: its line, exit 2, and the server is not asked
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            QueueClient server = new QueueClient(cfg);
            QueueClient.Answer a = server.ask("POST", "/reload");
            if (a == null) {
                ControlFile.Running r = ControlFile.read(cfg.dataDir());
                err.println("tern: no server answers (" + server.where() + ")" + (r == null || r.http() != null ? ""
                        : "; the server running with pid " + r.pid() + " has no listen.http: kill -HUP " + r.pid()
                                + " reloads it, and its log tells the outcome"));
                return QueueCommand.FAILED;
            }
            JsonNode body = a.body();
            if (a.status() == 200 && body.has("changes")) {
                for (JsonNode line : body.get("changes")) {
                    out.println(ClientText.forTerminal(line.asText()));
                }
                return QueueCommand.OK;
            }
            if (a.status() == 409) {
                err.println(ClientText.forTerminal(a.error()));
                return QueueCommand.USAGE;
            }
            err.println("tern: " + ClientText.forTerminal(a.error()));
            return QueueCommand.FAILED;
        } catch (QueueCommand.Exit e) {
            err.println("tern: " + e.getMessage());
            return e.status;
        } finally {
            out.flush();
            err.flush();
        }
    }
}
