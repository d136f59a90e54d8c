#include "ckernels.h"
#include "kernels_internal.h"
#include <stdatomic.h>
#include <stdlib.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

// Detected level, computed once (-1 = not yet). Racing first calls compute the same value, so relaxed is enough.
static _Atomic int detected = -1;
// Level in effect (-1 = not yet decided).
static _Atomic int active = -1;

static int detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    // F16C (half<->float) is CPUID.1:ECX bit 29; not every compiler has a __builtin_cpu_supports name for it.
    unsigned eax, ebx, ecx = 0, edx;
    int f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & (1u << 29));
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c;
    if (avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        return TG_LEVEL_AVX512;
    if (avx2) return TG_LEVEL_AVX2;
#endif
    return TG_LEVEL_PORTABLE;
}

int tg_kernels_detected_level(void) {
    int level = atomic_load_explicit(&detected, memory_order_relaxed);
    if (level < 0) {
        level = detect();
        atomic_store_explicit(&detected, level, memory_order_relaxed);
    }
    return level;
}

// Clamps a requested level to one that exists and the CPU supports (1 is not a level; it rounds down to 0).
static int clamp_level(int level) {
    int best = tg_kernels_detected_level();
    if (level < 0 || level > best) return best;
    if (level >= TG_LEVEL_AVX512) return TG_LEVEL_AVX512;
    if (level >= TG_LEVEL_AVX2) return TG_LEVEL_AVX2;
    return TG_LEVEL_PORTABLE;
}

int tg_kernels_level(void) {
    int level = atomic_load_explicit(&active, memory_order_relaxed);
    if (level < 0) {
        const char *env = getenv("TGPLAY_KERNELS_LEVEL");
        level = clamp_level(env && *env ? atoi(env) : -1);
        int expected = -1;
        // A concurrent tg_kernels_force_level wins over the environment.
        if (!atomic_compare_exchange_strong(&active, &expected, level)) level = expected;
    }
    return level;
}

int tg_resolve_level(int level) { return level < 0 ? tg_kernels_level() : clamp_level(level); }

int tg_kernels_force_level(int level) {
    level = clamp_level(level);
    atomic_store_explicit(&active, level, memory_order_relaxed);
    return level;
}

void tg_f16_to_f32(const uint16_t *src, float *dst, size_t count) {
    for (size_t i = 0; i < count; i++) dst[i] = tg_half_to_float(src[i]);
}

static size_t block_size(int type) {
    switch (type) {
    case TG_F32: case TG_F16: case TG_BF16: return 1;
    case TG_Q8_0: case TG_Q5_0: return 32;
    case TG_Q4_K: case TG_Q6_K: return 256;
    default: return 0;
    }
}

int tg_matmul(int type, int level, const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y,
              size_t ldy, size_t row_begin, size_t row_end) {
    size_t block = block_size(type);
    if (block == 0 || K % block != 0) return -1;
    if (row_end <= row_begin || n_tok == 0 || K == 0) {
        // Empty dot products are 0; nothing else to do.
        if (K == 0)
            for (size_t t = 0; t < n_tok; t++)
                for (size_t r = row_begin; r < row_end; r++) y[t * ldy + r] = 0;
        return 0;
    }
    level = level < 0 ? tg_kernels_level() : clamp_level(level);
    switch (level) {
#if defined(__x86_64__)
    case TG_LEVEL_AVX512:
        tg_matmul_avx512(type, W, row_bytes, x, K, n_tok, y, ldy, row_begin, row_end);
        break;
    case TG_LEVEL_AVX2:
        tg_matmul_avx2(type, W, row_bytes, x, K, n_tok, y, ldy, row_begin, row_end);
        break;
#endif
    default:
        tg_matmul_portable(type, W, row_bytes, x, K, n_tok, y, ldy, row_begin, row_end);
        break;
    }
    return 0;
}

#define TG_NAMED(name, type)                                                                                          \
    void name(const void *W, size_t row_bytes, const float *x, size_t K, size_t n_tok, float *y, size_t ldy,          \
              size_t row_begin, size_t row_end) {                                                                     \
        (void)tg_matmul(type, -1, W, row_bytes, x, K, n_tok, y, ldy, row_begin, row_end);                             \
    }
TG_NAMED(tg_matmul_f32, TG_F32)
TG_NAMED(tg_matmul_f16, TG_F16)
TG_NAMED(tg_matmul_bf16, TG_BF16)
TG_NAMED(tg_matmul_q8_0, TG_Q8_0)
TG_NAMED(tg_matmul_q5_0, TG_Q5_0)
TG_NAMED(tg_matmul_q4_K, TG_Q4_K)
TG_NAMED(tg_matmul_q6_K, TG_Q6_K)
