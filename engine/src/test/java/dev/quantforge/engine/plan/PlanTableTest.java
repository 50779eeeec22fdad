package dev.quantforge.engine.plan;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The dry-run table of a 32-layer GQA llama (the golden P1 shapes) quantized to Q4_K_M. */
class PlanTableTest {

    @Test
    void q4KMixtureOfA32LayerGqaLlama() {
        String table = PlanTable.render(SyntheticLlama.P1.plan(LlamaFileType.Q4_K_M, QuantizeOptions.defaults()));
        List<String> lines = Arrays.asList(table.split("\n"));

        assertEquals(List.of("tensor", "shape", "type", "bytes"), words(lines.get(0)));
        // output order: non-layer tensors first; the output matrix gets q6_K
        assertEquals(List.of("output.weight", "256x256", "f32", "->", "q6_K", "53,760"), words(lines.get(1)));
        assertEquals(List.of("output_norm.weight", "256", "f32", "(kept)", "1,024"), words(lines.get(2)));
        assertEquals(List.of("token_embd.weight", "256x256", "f32", "->", "q4_K", "36,864"), words(lines.get(3)));
        // use_more_bits: attn_v and ffn_down of the first eighth, the last eighth and every third layer between get q6_K
        assertEquals(List.of("blk.0.attn_v.weight", "256x64", "f32", "->", "q6_K", "13,440"), words(row(lines, "blk.0.attn_v.weight")));
        assertEquals(List.of("blk.4.attn_v.weight", "256x64", "f32", "->", "q4_K", "9,216"), words(row(lines, "blk.4.attn_v.weight")));
        assertEquals(List.of("blk.6.attn_v.weight", "256x64", "f32", "->", "q6_K", "13,440"), words(row(lines, "blk.6.attn_v.weight")));
        assertEquals(List.of("blk.0.ffn_down.weight", "512x256", "f32", "->", "q6_K", "107,520"), words(row(lines, "blk.0.ffn_down.weight")));
        assertEquals(List.of("blk.5.ffn_down.weight", "512x256", "f32", "->", "q4_K", "73,728"), words(row(lines, "blk.5.ffn_down.weight")));
        assertEquals("blk.31.ffn_up.weight", words(lines.get(lines.size() - 2)).get(0), "layers in numeric order");
        assertEquals("291 tensors, 10,792,448 bytes (10.29 MiB), 4.80 bits per weight, file type Q4_K_M (general.file_type = 15)",
                lines.get(lines.size() - 1));
    }

    @Test
    void fallbacksSayWhy() {
        // stories260K-like widths: 64 is not a multiple of 256, 172 not even of 32
        SyntheticLlama small = new SyntheticLlama(5, 64, 172, 8, 4, 512, true);
        String table = PlanTable.render(small.plan(LlamaFileType.Q4_0, QuantizeOptions.defaults()));
        String[] lines = table.split("\n");

        String embedding = row(Arrays.asList(lines), "token_embd.weight");
        assertTrue(embedding.endsWith("fallback q6_K -> q8_0: 64 columns not divisible by 256"), embedding);
        String down = row(Arrays.asList(lines), "blk.2.ffn_down.weight");
        assertEquals(List.of("blk.2.ffn_down.weight", "172x64", "f32", "->", "f16", "22,016", "fallback", "q4_0", "->", "f16:"),
                words(down).subList(0, 10));
        assertTrue(down.endsWith("172 columns not divisible by 32; llama.cpp has no fallback for q4_0 and refuses the model"), down);
    }

    private static String row(List<String> lines, String tensor) {
        return lines.stream().filter(l -> l.startsWith(tensor + " ")).findFirst().orElseThrow(() -> new AssertionError("no row for " + tensor));
    }

    private static List<String> words(String line) {
        return Arrays.asList(line.trim().split("\\s+"));
    }
}
