/** The segment size of the files sealed now (format SPS2, segments.ts): 1 MiB. */
export const SEGMENT_BYTES = 1024 * 1024;
