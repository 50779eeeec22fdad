package dev.quantforge.engine.tokenizer;

import dev.quantforge.common.InvalidInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A SentencePiece {@code tokenizer.model} ({@code ModelProto}): the pieces with their scores and types,
 * and the few trainer and normalizer settings a GGUF vocabulary needs.
 */
public record SentencePieceModel(List<Piece> pieces, int unkId, int bosId, int eosId, int padId,
                                 boolean addDummyPrefix) {

    /** One vocabulary entry; a piece without a stored type is NORMAL, a piece without a score scores 0. */
    public record Piece(String text, float score, TokenType type) {
        public Piece {
            Objects.requireNonNull(text, "text");
            Objects.requireNonNull(type, "type");
        }
    }

    // ModelProto fields
    private static final int MODEL_PIECES = 1;
    private static final int MODEL_TRAINER_SPEC = 2;
    private static final int MODEL_NORMALIZER_SPEC = 3;
    // SentencePiece fields
    private static final int PIECE_TEXT = 1;
    private static final int PIECE_SCORE = 2;
    private static final int PIECE_TYPE = 3;
    // TrainerSpec fields
    private static final int TRAINER_UNK_ID = 40;
    private static final int TRAINER_BOS_ID = 41;
    private static final int TRAINER_EOS_ID = 42;
    private static final int TRAINER_PAD_ID = 43;
    // NormalizerSpec fields
    private static final int NORMALIZER_ADD_DUMMY_PREFIX = 3;

    private static final long MAX_BYTES = 64L << 20;

    public SentencePieceModel {
        pieces = List.copyOf(pieces);
    }

    public static SentencePieceModel read(Path file) {
        byte[] data;
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new InvalidInputException(file + ": too large for a SentencePiece model");
            }
            data = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException(file + ": no such file");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(file, data);
    }

    static SentencePieceModel parse(Path file, byte[] data) {
        ProtobufReader in = new ProtobufReader(file, data);
        List<Piece> pieces = new ArrayList<>();
        // TrainerSpec and NormalizerSpec defaults, as sentencepiece_model.proto declares them
        int[] ids = {0, 1, 2, -1};
        boolean addDummyPrefix = true;
        while (in.hasMore()) {
            int key = in.key();
            switch (ProtobufReader.fieldNumber(key)) {
                case MODEL_PIECES -> {
                    in.expect(key, ProtobufReader.LENGTH_DELIMITED, "piece");
                    pieces.add(piece(in.message(), pieces.size()));
                }
                case MODEL_TRAINER_SPEC -> {
                    in.expect(key, ProtobufReader.LENGTH_DELIMITED, "trainer_spec");
                    trainerSpec(in.message(), ids);
                }
                case MODEL_NORMALIZER_SPEC -> {
                    in.expect(key, ProtobufReader.LENGTH_DELIMITED, "normalizer_spec");
                    addDummyPrefix = normalizerSpec(in.message(), addDummyPrefix);
                }
                default -> in.skip(ProtobufReader.wireType(key));
            }
        }
        if (pieces.isEmpty()) {
            throw new InvalidInputException(file + ": not a valid SentencePiece model: it holds no pieces");
        }
        return new SentencePieceModel(pieces, ids[0], ids[1], ids[2], ids[3], addDummyPrefix);
    }

    private static Piece piece(ProtobufReader in, int index) {
        String text = null;
        float score = 0;
        TokenType type = TokenType.NORMAL;
        while (in.hasMore()) {
            int key = in.key();
            switch (ProtobufReader.fieldNumber(key)) {
                case PIECE_TEXT -> {
                    in.expect(key, ProtobufReader.LENGTH_DELIMITED, "piece " + index + " text");
                    text = in.string();
                }
                case PIECE_SCORE -> {
                    in.expect(key, ProtobufReader.FIXED32, "piece " + index + " score");
                    score = Float.intBitsToFloat(in.fixed32());
                }
                case PIECE_TYPE -> {
                    in.expect(key, ProtobufReader.VARINT, "piece " + index + " type");
                    long id = in.varint();
                    type = TokenType.byId(id).orElseThrow(() -> in.corrupt("piece " + index + " has unknown type " + id));
                }
                default -> in.skip(ProtobufReader.wireType(key));
            }
        }
        if (text == null) {
            throw in.corrupt("piece " + index + " has no text");
        }
        return new Piece(text, score, type);
    }

    /** Reads unk_id, bos_id, eos_id and pad_id into {@code ids}, in that order. */
    private static void trainerSpec(ProtobufReader in, int[] ids) {
        while (in.hasMore()) {
            int key = in.key();
            int field = ProtobufReader.fieldNumber(key);
            if (field >= TRAINER_UNK_ID && field <= TRAINER_PAD_ID) {
                in.expect(key, ProtobufReader.VARINT, "trainer_spec field " + field);
                ids[field - TRAINER_UNK_ID] = (int) in.varint(); // int32: negatives are 10-byte varints
            } else {
                in.skip(ProtobufReader.wireType(key));
            }
        }
    }

    private static boolean normalizerSpec(ProtobufReader in, boolean addDummyPrefix) {
        while (in.hasMore()) {
            int key = in.key();
            if (ProtobufReader.fieldNumber(key) == NORMALIZER_ADD_DUMMY_PREFIX) {
                in.expect(key, ProtobufReader.VARINT, "normalizer_spec.add_dummy_prefix");
                addDummyPrefix = in.varint() != 0;
            } else {
                in.skip(ProtobufReader.wireType(key));
            }
        }
        return addDummyPrefix;
    }
}
