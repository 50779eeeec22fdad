package dev.quantforge.engine.quant;

import dev.quantforge.engine.ggml.GgmlType;

/** The walk every block quantizer shares: rows of values, block by block, into rows of blocks. */
final class BlockRows {
    private BlockRows() {
    }

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

    static void quantize(GgmlType type, int srcOffset, int rows, int rowLength, int dstOffset, Block block) {
        int values = type.blockSize();
        if (rowLength % values != 0) {
            throw new IllegalArgumentException(type + " needs rows of a multiple of " + values + " values, got " + rowLength);
        }
        int blocksPerRow = rowLength / values;
        int bytes = type.typeSize();
        for (int row = 0; row < rows; row++) {
            for (int b = 0; b < blocksPerRow; b++) {
                block.quantize(srcOffset + row * rowLength + b * values, b * values,
                        dstOffset + (row * blocksPerRow + b) * bytes);
            }
        }
    }
}
