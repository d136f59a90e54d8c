// SIMD kernels for the built-in engine. Plain C so the compiler can use AVX2/FMA/AVX-512 where the CPU has them
// (chosen once at run time); every function also has a portable path.
#ifndef TGPLAY_CKERNELS_H
#define TGPLAY_CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// Which instruction set the kernels use on this CPU: 0 portable, 2 AVX2+FMA, 3 AVX-512.
int tg_kernels_level(void);

/// Converts IEEE binary16 values to float.
void tg_f16_to_f32(const uint16_t *src, float *dst, size_t count);

#endif
