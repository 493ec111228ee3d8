/* demo: the README's example. The main module NEEDs two side modules: libshapes
 * (geometry, with a table of shape functions) and libstats (statistics that call
 * back into the main's data). prelink turns the three into one module. */
#include "host.h"

typedef double (*area_fn)(double);
extern area_fn shape_areas[3];
extern const char *shape_names[3];
double stats_mean(const double *v, int n);
double stats_max(const double *v, int n);

double sizes[3] = {1.0, 2.0, 3.0};
int shapes_registered; /* libshapes' constructor counts itself in here */

int run(void) {
  double areas[3];
  for (int i = 0; i < 3; ++i) {
    areas[i] = shape_areas[i](sizes[i]);
    log_str(shape_names[i]);
    log_f64(areas[i]);
  }
  log_str("mean area");
  log_f64(stats_mean(areas, 3));
  log_str("largest area");
  log_f64(stats_max(areas, 3));
  log_str("shapes registered by constructors");
  log_i32(shapes_registered);
  return 0;
}
