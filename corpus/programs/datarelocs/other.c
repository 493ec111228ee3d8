/* libother.so: a second side module whose data and function libptrs points to. */
int other_value = 77;
int other_neg(int x) { return -x; }
