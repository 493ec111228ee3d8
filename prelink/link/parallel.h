// Work spread over the machine's cores, with results that do not depend on how it was
// spread: each item writes only its own output.
#pragma once
#include <cstdint>
#include <functional>

namespace wasmobj::linking {

// Runs FN(0..N-1) on up to 8 threads, each taking the next item not yet taken (items of
// very different sizes balance: python.wasm beside 44 small libraries); inline when the
// machine has one core or N < MINITEMS. When items throw, the exception of the lowest
// item rethrows, as a loop over them in order would have thrown, once every started item
// is done.
void parallelFor(uint32_t n, const std::function<void(uint32_t)> &fn, uint32_t minItems = 256);

// How many threads parallelFor uses at most: the machine's cores, 1 to 8.
uint32_t parallelism();

} // namespace wasmobj::linking
