/* libuser.so of the "fnptr" program: NEEDs libfn.so; takes the addresses of a libfn
 * function and of a main function. */
typedef int (*fn_t)(int);

int side_twice(int x);
int main_inc(int x);

fn_t user_get_twice(void) { return side_twice; }
fn_t user_get_main_inc(void) { return main_inc; }
