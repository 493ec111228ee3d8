/* libpad.so: 3 bytes of data and byte alignment, so that whatever the loader places
 * right after it starts at an odd address unless it honours the next module's
 * mem_p2align. */
char pad_bytes[3] = {1, 2, 3};
int pad_sum(void) { return pad_bytes[0] + pad_bytes[1] + pad_bytes[2]; }
