package dev.quantforge.engine.onnx.quantize;

import dev.quantforge.engine.tokenizer.TokenizerJson;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * BERT's tokenization as a tokenizer.json with BertNormalizer (clean text, CJK spacing, lowercase with accents
 * stripped), BertPreTokenizer (whitespace and punctuation) and WordPiece ({@code ##} continuations, [UNK] for
 * words longer than 100 characters or without a split) describes it, then [CLS] … [SEP]. Enough to turn
 * calibration text into a BERT-style model's inputs; not a general tokenizer.
 */
public final class WordPieceTokenizer {
    private final Map<String, Integer> vocab;
    private final int unk;
    private final int cls;
    private final int sep;

    public WordPieceTokenizer(Path tokenizerJson) {
        TokenizerJson json = TokenizerJson.read(tokenizerJson);
        if (!json.modelType().equals("WordPiece")) {
            throw new dev.quantforge.common.InvalidInputException(tokenizerJson + ": a " + json.modelType()
                    + " tokenizer; calibration text needs a WordPiece (BERT-style) tokenizer.json");
        }
        vocab = json.vocab();
        unk = vocab.get("[UNK]");
        cls = vocab.get("[CLS]");
        sep = vocab.get("[SEP]");
    }

    public long[] encode(String text, int maxLength) {
        List<Long> ids = new ArrayList<>();
        ids.add((long) cls);
        for (String word : preTokenize(normalize(text))) {
            wordPiece(word, ids);
        }
        if (ids.size() > maxLength - 1) {
            ids = new ArrayList<>(ids.subList(0, maxLength - 1));
        }
        ids.add((long) sep);
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static String normalize(String text) {
        StringBuilder clean = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (c == 0 || c == 0xFFFD || (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r')) {
                return;
            }
            if (Character.isWhitespace(c) || Character.getType(c) == Character.SPACE_SEPARATOR) {
                clean.append(' ');
            } else if (isCjk(c)) {
                clean.append(' ').appendCodePoint(c).append(' ');
            } else {
                clean.appendCodePoint(c);
            }
        });
        String lower = clean.toString().toLowerCase(java.util.Locale.ROOT);
        String decomposed = Normalizer.normalize(lower, Normalizer.Form.NFD);
        StringBuilder out = new StringBuilder();
        decomposed.codePoints().filter(c -> Character.getType(c) != Character.NON_SPACING_MARK).forEach(out::appendCodePoint);
        return out.toString();
    }

    private static boolean isCjk(int c) {
        return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF)
                || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
    }

    private static List<String> preTokenize(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isWhitespace(c)) {
                flush(word, words);
            } else if (isPunctuation(c)) {
                flush(word, words);
                words.add(new String(Character.toChars(c)));
            } else {
                word.appendCodePoint(c);
            }
        });
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isPunctuation(int c) {
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) {
            return true;
        }
        int type = Character.getType(c);
        return type == Character.CONNECTOR_PUNCTUATION || type == Character.DASH_PUNCTUATION
                || type == Character.START_PUNCTUATION || type == Character.END_PUNCTUATION
                || type == Character.INITIAL_QUOTE_PUNCTUATION || type == Character.FINAL_QUOTE_PUNCTUATION
                || type == Character.OTHER_PUNCTUATION;
    }

    private void wordPiece(String word, List<Long> ids) {
        if (word.codePointCount(0, word.length()) > 100) {
            ids.add((long) unk);
            return;
        }
        List<Long> pieces = new ArrayList<>();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (start < end) {
                String piece = (start > 0 ? "##" : "") + word.substring(start, end);
                found = vocab.get(piece);
                if (found != null) {
                    break;
                }
                end = word.offsetByCodePoints(end, -1);
            }
            if (found == null) {
                ids.add((long) unk);
                return;
            }
            pieces.add((long) found);
            start = end;
        }
        ids.addAll(pieces);
    }
}
