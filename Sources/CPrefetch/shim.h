// A cache prefetch hint (no effect on any result): replay asks for the hash-table slots
// and entries of the events it is about to apply while it applies the current one.
static inline void tally_prefetch(const void *address) { __builtin_prefetch(address, 0, 3); }
