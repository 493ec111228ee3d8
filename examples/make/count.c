/* libcount.so: a side module; edit it and `make` relinks the output through the depfile. */
int count_words(const char *s) {
  int n = 0, in = 0;
  for (; *s; ++s) {
    int space = *s == ' ';
    if (!space && !in) ++n;
    in = !space;
  }
  return n;
}
