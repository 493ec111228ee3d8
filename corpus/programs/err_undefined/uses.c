/* libuses.so: calls corpus_missing_fn, which no module defines (an env import that
 * cannot be resolved). */
int corpus_missing_fn(int x);
int uses_fn(int x) { return corpus_missing_fn(x) + 1; }
