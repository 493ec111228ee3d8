/* libbase.so: the bottom of the diamond, NEEDed by both libl.so and libr.so.
 * It must be loaded (and constructed) once. */

/* volatile: keeps -O2 from evaluating the constructor at compile time. */
volatile int base_ctor_runs; /* incremented by the constructor: must end up 1 */
int base_seq;                /* last stamp handed out by base_stamp() */
int base_own_stamp;          /* the stamp the constructor took */
int base_counter;            /* bumped through libl, read through libr */

/* Hands out increasing numbers; constructors take one to record their order. */
int base_stamp(void) { return ++base_seq; }

__attribute__((constructor)) static void base_init(void) {
  base_ctor_runs++;
  base_own_stamp = base_stamp();
}
