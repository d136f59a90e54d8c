// The streaming-read probe behind `bench engine`'s bandwidth_gb_s: decode reads every weight once per token, so
// the rate at which a core can stream a buffer far larger than the caches bounds its tokens per second.
#include "ckernels.h"
#include <string.h>

uint64_t tg_read_stream(const void *p, size_t bytes) {
    // Eight independent accumulators of 8-byte words, so the loop is bound by loads, not by a dependency chain;
    // -O3 turns it into vector loads. memcpy keeps the loads free of alignment and aliasing assumptions.
    const char *c = p;
    uint64_t a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    size_t i = 0;
    for (; i + 64 <= bytes; i += 64) {
        uint64_t w[8];
        memcpy(w, c + i, sizeof w);
        for (int l = 0; l < 8; l++) a[l] ^= w[l];
    }
    for (; i < bytes; i++) a[0] += (unsigned char)c[i];
    return a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7];
}

// ---- f32 FMA peak --------------------------------------------------------------------------------------------------
// `bench engine` reports prefill's GFLOP/s as a fraction of what the cores can do in f32 FMA at the kernel level in
// use. Rather than guessing the clock and the number of FMA pipes (neither is readable on every machine: this one
// has no cpufreq and Zen 4 runs 512-bit FMA at half the rate of Zen 5), it measures: independent FMA chains, enough
// of them to cover the latency of two pipes, in the level's vector width.
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <immintrin.h>

enum { CHAINS = 12 };

static __attribute__((target("avx512f"))) float fma_avx512(size_t iterations) {
    __m512 acc[CHAINS];
    const __m512 a = _mm512_set1_ps(0.999999f), b = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    for (size_t n = 0; n < iterations; n++)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], a, b);
    __m512 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm512_add_ps(s, acc[i]);
    return _mm512_reduce_add_ps(s);
}

static __attribute__((target("avx2,fma"))) float fma_avx2(size_t iterations) {
    __m256 acc[CHAINS];
    const __m256 a = _mm256_set1_ps(0.999999f), b = _mm256_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_set1_ps((float)i);
    for (size_t n = 0; n < iterations; n++)
        for (int i = 0; i < CHAINS; i++) acc[i] = _mm256_fmadd_ps(acc[i], a, b);
    __m256 s = acc[0];
    for (int i = 1; i < CHAINS; i++) s = _mm256_add_ps(s, acc[i]);
    float out[8];
    _mm256_storeu_ps(out, s);
    return out[0] + out[1] + out[2] + out[3] + out[4] + out[5] + out[6] + out[7];
}
#endif

// Portable: a multiply and an add per lane (2 flops, as an FMA), 4 lanes the compiler can vectorize.
static float fma_portable(size_t iterations) {
    float acc[CHAINS][4];
    for (int i = 0; i < CHAINS; i++)
        for (int l = 0; l < 4; l++) acc[i][l] = (float)(i + l);
    for (size_t n = 0; n < iterations; n++)
        for (int i = 0; i < CHAINS; i++)
            for (int l = 0; l < 4; l++) acc[i][l] = acc[i][l] * 0.999999f + 1e-7f;
    float s = 0;
    for (int i = 0; i < CHAINS; i++)
        for (int l = 0; l < 4; l++) s += acc[i][l];
    return s;
}

double tg_fma_probe(int level, size_t iterations, float *sink) {
    switch (tg_resolve_level(level)) {
#if defined(__x86_64__)
    case TG_LEVEL_AVX512: *sink = fma_avx512(iterations); return (double)iterations * CHAINS * 16 * 2;
    case TG_LEVEL_AVX2: *sink = fma_avx2(iterations); return (double)iterations * CHAINS * 8 * 2;
#endif
    default: *sink = fma_portable(iterations); return (double)iterations * CHAINS * 4 * 2;
    }
}
