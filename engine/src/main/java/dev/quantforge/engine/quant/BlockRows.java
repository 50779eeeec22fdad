package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/**
 * The walk every block quantizer shares: rows of values, block by block, into rows of blocks.
 * {@link #quantize} hands each block to a callback. Where a block costs little more than that call (plain
 * Q4_0 to Q8_0), the codec steps through the blocks itself with {@link #next()}: the callback's call site
 * is shared by every codec, so once a few types have run the JIT no longer inlines it, which took a fifth
 * off Q4_0's speed.
 */
final class BlockRows {
    private final int values;
    private final int bytes;
    private final int rowLength;
    private int remaining;
    private int src;
    private int column;
    private int dst;

    /** Quantizes one block. */
    @FunctionalInterface
    interface Block {
        /**
         * @param src    index of the block's first value in the source array
         * @param column that value's position in its row (where the block's importance weights start)
         * @param dst    index of the block's first byte in the destination array
         */
        void quantize(int src, int column, int dst);
    }

    /** Before the first block: {@link #next()} moves to it. */
    BlockRows(GgmlType type, int srcOffset, int rows, int rowLength, int dstOffset) {
        values = type.blockSize();
        if (rowLength % values != 0) {
            throw new IllegalArgumentException(type + " needs rows of a multiple of " + values + " values, got " + rowLength);
        }
        bytes = type.typeSize();
        this.rowLength = rowLength;
        remaining = rows * (rowLength / values);
        src = srcOffset - values;
        column = rowLength - values;
        dst = dstOffset - bytes;
    }

    /**
     * The blocks in {@code rows} rows, which lie back to back in both arrays: for kernels that walk them
     * without this class's bookkeeping.
     */
    static int count(GgmlType type, int rows, int rowLength) {
        if (rowLength % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " needs rows of a multiple of " + type.blockSize() + " values, got " + rowLength);
        }
        return Math.multiplyExact(rows, rowLength / type.blockSize());
    }

    static void quantize(GgmlType type, int srcOffset, int rows, int rowLength, int dstOffset, Block block) {
        for (BlockRows blocks = new BlockRows(type, srcOffset, rows, rowLength, dstOffset); blocks.next(); ) {
            block.quantize(blocks.src, blocks.column, blocks.dst);
        }
    }

    /** Moves to the next block; false when there is none. */
    boolean next() {
        if (remaining == 0) {
            return false;
        }
        remaining--;
        src += values;
        column = column + values == rowLength ? 0 : column + values;
        dst += bytes;
        return true;
    }

    /** Index of the block's first value in the source array. */
    int src() {
        return src;
    }

    /** That value's position in its row (where the block's importance weights start). */
    int column() {
        return column;
    }

    /** Index of the block's first byte in the destination array. */
    int dst() {
        return dst;
    }
}
