package dev.quantforge.engine.plan;

import dev.quantforge.engine.tensor.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A plan as a plain-text table, one row per tensor (name, shape, source → target type, bytes, and
 * the reason of a fallback, when there is one), then the totals. What {@code quantforge quantize --dry-run} prints.
 */
public final class PlanTable {
    private static final String[] HEADER = {"tensor", "shape", "type", "bytes", "note"};

    private PlanTable() {
    }

    public static String render(QuantizationPlan plan) {
        return rows(plan.tensors()) + totals(plan) + '\n';
    }

    /** The table without the totals line. */
    public static String rows(List<? extends PlanRow> tensors) {
        List<String[]> rows = new ArrayList<>();
        boolean anyNote = tensors.stream().anyMatch(t -> t.reason() != null);
        rows.add(anyNote ? HEADER : Arrays.copyOf(HEADER, HEADER.length - 1));
        for (PlanRow t : tensors) {
            rows.add(row(t));
        }
        int[] widths = new int[HEADER.length - 1];
        for (String[] row : rows) {
            for (int c = 0; c < widths.length; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            line.append(pad(row[0], widths[0], false)).append("  ")
                    .append(pad(row[1], widths[1], false)).append("  ")
                    .append(pad(row[2], widths[2], false)).append("  ")
                    .append(pad(row[3], widths[3], true));
            if (row.length > 4 && !row[4].isEmpty()) {
                line.append("  ").append(row[4]);
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    /** One line: tensor count, data size, bits per weight and the file type. */
    public static String totals(QuantizationPlan plan) {
        return totals(plan.tensors()) + String.format(Locale.ROOT, ", file type %s (general.file_type = %d)",
                plan.fileType(), plan.fileTypeId());
    }

    /** Tensor count, data size and bits per weight of any list of planned tensors. */
    public static String totals(List<? extends PlanRow> tensors) {
        long bytes = tensors.stream().mapToLong(PlanRow::byteSize).sum();
        long elements = tensors.stream().mapToLong(PlanRow::elementCount).sum();
        return String.format(Locale.ROOT, "%d tensors, %,d bytes (%.2f MiB), %.2f bits per weight",
                tensors.size(), bytes, bytes / 1048576.0, elements == 0 ? 0 : bytes * 8.0 / elements);
    }

    /** The cells of one tensor's row: name, shape, type change, bytes, note. */
    static String[] row(PlanRow t) {
        String type = t.isCopied() ? t.sourceTypeName() + " (kept)" : t.sourceTypeName() + " -> " + t.targetTypeName();
        return new String[] {t.name(), Shapes.format(t.shape()), type, String.format(Locale.ROOT, "%,d", t.byteSize()),
                t.reason() == null ? "" : t.reason()};
    }

    private static String pad(String s, int width, boolean right) {
        String fill = " ".repeat(width - s.length());
        return right ? fill + s : s + fill;
    }
}
