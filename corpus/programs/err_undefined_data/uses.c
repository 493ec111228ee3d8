/* libuses.so: reads corpus_missing_data, which no module defines (a GOT.mem import
 * that cannot be resolved). */
extern int corpus_missing_data;
int uses_fn(int x) { return corpus_missing_data + x; }
