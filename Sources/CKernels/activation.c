// The feed-forward activation, gate = gelu(gate) * up, vectorized. It used to be a Swift loop over libm's tanhf on
// the calling thread alone: 15% of a 512-token prefill's CPU time (18.9 million calls), serial while the other core
// waited. Here it is an 8- or 16-lane loop that the caller splits over its threads.
//
// Numerics: gelu's tanh form 0.5*x*(1 + tanh(u)), u = sqrt(2/pi)*x*(1 + 0.044715*x^2), is rewritten with the exact
// identity 0.5*(1 + tanh(u)) = 1/(1 + exp(-2u)), so gelu(x) = x / (1 + exp(-2u)): no cancellation near tanh = -1
// and one exp instead of tanh's. exp is Cephes' expf (range reduction by ln 2 in two parts, degree-6 polynomial,
// about 1 ulp), written with separate multiplies and adds (no FMA; the target builds with -ffp-contract=off) and
// rounding to nearest even, so the portable, AVX2 and AVX-512 paths give the same bits. Against the f64 formula
// the result is within a few ulp, far inside the engine's f32-reference tolerances.
#include "ckernels.h"
#include "kernels_internal.h"
#include <math.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#define GELU_C 0.7978845608028654f // sqrt(2/pi)
#define GELU_A 0.044715f
#define EXP_HI 88.3762626647949f
#define EXP_LO -87.3365478515625f // exp(EXP_LO) is the smallest normal float's neighbourhood: 2^n stays normal
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define P0 1.9875691500e-4f
#define P1 1.3981999507e-3f
#define P2 8.3334519073e-3f
#define P3 4.1665795894e-2f
#define P4 1.6666665459e-1f
#define P5 5.0000001201e-1f

// One element, in exactly the operation order the vector paths use.
static inline float gelu_mul_1(float x, float up) {
    float u = (GELU_C * x) * (1.0f + (GELU_A * x) * x);
    float t = -2.0f * u;
    // The clamps in the form of vminps/vmaxps (a < b ? a : b), so a NaN becomes a bound here as it does there.
    t = t < EXP_HI ? t : EXP_HI;
    t = t > EXP_LO ? t : EXP_LO;
    float n = nearbyintf(t * LOG2E);
    float r = (t - n * LN2_HI) - n * LN2_LO;
    float p = P0;
    p = p * r + P1;
    p = p * r + P2;
    p = p * r + P3;
    p = p * r + P4;
    p = p * r + P5;
    float e = (p * (r * r) + r) + 1.0f;
    // e * 2^n, exact (n is in [-126, 127], so 2^n is a normal float).
    uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    e = e * scale;
    return (x / (1.0f + e)) * up;
}

static void gelu_mul_portable(float *gate, const float *up, size_t n) {
    for (size_t i = 0; i < n; i++) gate[i] = gelu_mul_1(gate[i], up[i]);
}

#if defined(__x86_64__)
#define TARGET512 __attribute__((target("avx512f,avx512bw,avx512vl,avx2,fma,f16c")))
#define TARGET2 __attribute__((target("avx2,fma,f16c")))

static TARGET512 void gelu_mul_avx512(float *gate, const float *up, size_t n) {
    const __m512 c = _mm512_set1_ps(GELU_C), a = _mm512_set1_ps(GELU_A), one = _mm512_set1_ps(1.0f);
    const __m512 m2 = _mm512_set1_ps(-2.0f), hi = _mm512_set1_ps(EXP_HI), lo = _mm512_set1_ps(EXP_LO);
    const __m512 l2e = _mm512_set1_ps(LOG2E), ln2h = _mm512_set1_ps(LN2_HI), ln2l = _mm512_set1_ps(LN2_LO);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m512 x = _mm512_loadu_ps(gate + i);
        __m512 u = _mm512_mul_ps(_mm512_mul_ps(c, x), _mm512_add_ps(one, _mm512_mul_ps(_mm512_mul_ps(a, x), x)));
        __m512 t = _mm512_mul_ps(m2, u);
        t = _mm512_min_ps(t, hi);
        t = _mm512_max_ps(t, lo);
        __m512 nn = _mm512_roundscale_ps(_mm512_mul_ps(t, l2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m512 r = _mm512_sub_ps(_mm512_sub_ps(t, _mm512_mul_ps(nn, ln2h)), _mm512_mul_ps(nn, ln2l));
        __m512 p = _mm512_set1_ps(P0);
        p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(P1));
        p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(P2));
        p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(P3));
        p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(P4));
        p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(P5));
        __m512 e = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, _mm512_mul_ps(r, r)), r), one);
        __m512i bits = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvtps_epi32(nn), _mm512_set1_epi32(127)), 23);
        e = _mm512_mul_ps(e, _mm512_castsi512_ps(bits));
        __m512 g = _mm512_div_ps(x, _mm512_add_ps(one, e));
        _mm512_storeu_ps(gate + i, _mm512_mul_ps(g, _mm512_loadu_ps(up + i)));
    }
    for (; i < n; i++) gate[i] = gelu_mul_1(gate[i], up[i]);
}

static TARGET2 void gelu_mul_avx2(float *gate, const float *up, size_t n) {
    const __m256 c = _mm256_set1_ps(GELU_C), a = _mm256_set1_ps(GELU_A), one = _mm256_set1_ps(1.0f);
    const __m256 m2 = _mm256_set1_ps(-2.0f), hi = _mm256_set1_ps(EXP_HI), lo = _mm256_set1_ps(EXP_LO);
    const __m256 l2e = _mm256_set1_ps(LOG2E), ln2h = _mm256_set1_ps(LN2_HI), ln2l = _mm256_set1_ps(LN2_LO);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(gate + i);
        __m256 u = _mm256_mul_ps(_mm256_mul_ps(c, x), _mm256_add_ps(one, _mm256_mul_ps(_mm256_mul_ps(a, x), x)));
        __m256 t = _mm256_mul_ps(m2, u);
        t = _mm256_min_ps(t, hi);
        t = _mm256_max_ps(t, lo);
        __m256 nn = _mm256_round_ps(_mm256_mul_ps(t, l2e), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        __m256 r = _mm256_sub_ps(_mm256_sub_ps(t, _mm256_mul_ps(nn, ln2h)), _mm256_mul_ps(nn, ln2l));
        __m256 p = _mm256_set1_ps(P0);
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(P1));
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(P2));
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(P3));
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(P4));
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(P5));
        __m256 e = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(p, _mm256_mul_ps(r, r)), r), one);
        __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(nn), _mm256_set1_epi32(127)), 23);
        e = _mm256_mul_ps(e, _mm256_castsi256_ps(bits));
        __m256 g = _mm256_div_ps(x, _mm256_add_ps(one, e));
        _mm256_storeu_ps(gate + i, _mm256_mul_ps(g, _mm256_loadu_ps(up + i)));
    }
    for (; i < n; i++) gate[i] = gelu_mul_1(gate[i], up[i]);
}
#endif

void tg_gelu_mul(int level, float *gate, const float *up, size_t n) {
    switch (tg_resolve_level(level)) {
#if defined(__x86_64__)
    case TG_LEVEL_AVX512: gelu_mul_avx512(gate, up, n); break;
    case TG_LEVEL_AVX2: gelu_mul_avx2(gate, up, n); break;
#endif
    default: gelu_mul_portable(gate, up, n); break;
    }
}
