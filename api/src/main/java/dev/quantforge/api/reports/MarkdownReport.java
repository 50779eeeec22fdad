package dev.quantforge.api.reports;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** A job report as a GitHub-flavoured markdown table, for pasting into a model card, an issue or a chat. */
final class MarkdownReport {

    /** One column: its header, whether it holds numbers (right-aligned), and how a row fills it. */
    private record Column(String header, boolean numeric, Function<JobReport.Row, String> cell) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("variant", false, JobReport.Row::variant),
            new Column("profile", false, JobReport.Row::profile),
            new Column("format", false, JobReport.Row::format),
            new Column("ftype", false, JobReport.Row::ftype),
            new Column("state", false, r -> r.state().name()),
            new Column("size (bytes)", true, r -> r.modelBytes() == null ? null : Long.toString(r.modelBytes())),
            new Column("bpw", true, r -> format("%.2f", r.bitsPerWeight())),
            new Column("ratio", true, r -> format("%.2f", r.compressionRatio())),
            new Column("PPL", true, r -> format("%.4f", r.perplexity())),
            new Column("ΔPPL %", true, r -> format("%+.2f", r.perplexityIncreasePercent())),
            new Column("mean KLD", true, r -> format("%.6f", r.meanKld())),
            new Column("same-top %", true, r -> format("%.1f", r.sameTopPercent())),
            new Column("pp tok/s", true, r -> format("%.1f", r.promptTokensPerSecond())),
            new Column("tg tok/s", true, r -> format("%.1f", r.generationTokensPerSecond())),
            new Column("threads", true, r -> r.threads() == null ? null : Integer.toString(r.threads())),
            new Column("runtime", false, JobReport.Row::runtime),
            new Column("reason", false, JobReport.Row::reason));

    private MarkdownReport() {
    }

    static String render(JobReport report) {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(inline(report.name())).append("\n\n");
        out.append("Job `").append(report.jobId()).append("`, ").append(report.state()).append(". Source `")
                .append(report.source()).append("` (").append(report.sourceFormat()).append("), evaluated on ")
                .append(report.evalText() == null ? "the default text" : "`" + report.evalText() + "`");
        out.append(report.sourcePerplexity() == null ? "." : ", source perplexity "
                + format("%.4f", report.sourcePerplexity()) + ".");
        out.append("\n\n");
        List<String> headers = new ArrayList<>();
        List<String> rules = new ArrayList<>();
        for (Column column : COLUMNS) {
            headers.add(column.header());
            rules.add(column.numeric() ? "---:" : "---");
        }
        line(out, headers);
        line(out, rules);
        for (JobReport.Row row : report.rows()) {
            List<String> cells = new ArrayList<>();
            for (Column column : COLUMNS) {
                String cell = column.cell().apply(row);
                cells.add(cell == null ? "" : inline(cell));
            }
            line(out, cells);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells) {
        out.append("| ").append(String.join(" | ", cells)).append(" |\n");
    }

    private static String format(String pattern, Double value) {
        return value == null || value.isNaN() ? null : String.format(Locale.ROOT, pattern, value);
    }

    /** Reasons and names are free text: one line, and a pipe must not end the cell. */
    private static String inline(String text) {
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").replace("|", "\\|");
    }
}
