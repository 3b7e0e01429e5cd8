/** Epoch milliseconds. All times in the core are UTC epoch ms. */
export type EpochMs = number;
